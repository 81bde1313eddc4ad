// A dependency-free horizontal bar chart as inline SVG.
import { svg } from './dom.js';

const ROW_HEIGHT = 34;
const LABEL_WIDTH = 96;
const VALUE_WIDTH = 64;
const WIDTH = 480;

/**
 * rows: [{ label, value, tone }]; tone picks a CSS class (bar--confirmed etc.), so colours live in CSS.
 * The chart carries its own text summary for screen readers.
 */
export function barChart(rows, { title }) {
  const max = Math.max(1, ...rows.map((row) => row.value));
  const barSpace = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const height = rows.length * ROW_HEIGHT + 8;
  const summary = `${title}: ${rows.map((row) => `${row.label} ${row.value}`).join(', ')}`;
  return svg('svg', {
    class: 'bar-chart',
    viewBox: `0 0 ${WIDTH} ${height}`,
    role: 'img',
    'aria-label': summary,
    preserveAspectRatio: 'xMinYMin meet',
  },
  svg('title', {}, summary),
  rows.map((row, i) => {
    const y = 4 + i * ROW_HEIGHT;
    const width = row.value === 0 ? 0 : Math.max(2, (row.value / max) * barSpace);
    return svg('g', { class: `bar bar--${row.tone}` },
      svg('text', { x: 0, y: y + ROW_HEIGHT / 2, 'dominant-baseline': 'middle', class: 'bar__label' }, row.label),
      svg('rect', { x: LABEL_WIDTH, y: y + 4, width, height: ROW_HEIGHT - 10, rx: 4, class: 'bar__fill' }),
      svg('text', { x: LABEL_WIDTH + width + 8, y: y + ROW_HEIGHT / 2, 'dominant-baseline': 'middle', class: 'bar__value' }, String(row.value)),
    );
  }));
}
