// A dependency-free horizontal bar chart in HTML and CSS, so its text stays readable at any width.
import { h } from './dom.js';

/**
 * rows: [{ label, value, tone }]; tone picks a CSS class (bar--confirmed etc.), so colours live in CSS.
 * Screen readers get one sentence (role="img" + aria-label) instead of the drawing.
 */
export function barChart(rows, { title }) {
  const max = Math.max(1, ...rows.map((row) => row.value));
  const summary = `${title}: ${rows.map((row) => `${row.label} ${row.value}`).join(', ')}`;
  return h('figure', { class: 'bar-chart', role: 'img', 'aria-label': summary },
    rows.map((row) => h('div', { class: `bar bar--${row.tone}`, 'aria-hidden': 'true' },
      h('span', { class: 'bar__label' }, row.label),
      h('span', { class: 'bar__track' },
        h('span', { class: 'bar__fill', style: `width: ${(row.value / max) * 100}%` })),
      h('span', { class: 'bar__value' }, String(row.value)))));
}
