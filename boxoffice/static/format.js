// How dates, counts and statuses read on screen.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

const moment = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** To the second, for histories where several things happen within a minute. */
export function formatMoment(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : moment.format(date);
}

const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/** "14:05" today, else the date too: when an offer's time is up. */
export function formatDeadline(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toDateString() === new Date().toDateString() ? clock.format(date) : dateTime.format(date);
}

export function plural(count, singular, pluralForm = `${singular}s`) {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

export function ordinalPlace(position) {
  return `place ${position} in line`;
}

/** ISO instant -> the "YYYY-MM-DDTHH:MM" a datetime-local input shows in the person's time zone. */
export function toLocalInputValue(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** datetime-local value (local wall time) -> ISO 8601 with time zone, as the API's DateTime wants. */
export function fromLocalInputValue(value) {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export const STATUS_LABELS = {
  CONFIRMED: 'Confirmed',
  WAITLISTED: 'Waitlisted',
  OFFERED: 'Offered',
  EXPIRED: 'Expired',
  CANCELLED: 'Cancelled',
  DRAFT: 'Draft',
  PUBLISHED: 'Published',
};

export function statusLabel(status) {
  return STATUS_LABELS[status] ?? status;
}

export const ROLE_LABELS = { AUDIENCE: 'Audience', ORGANIZER: 'Organizer', ADMIN: 'Admin' };

const MINUTES_PER_HOUR = 60;
const MINUTES_PER_DAY = 24 * MINUTES_PER_HOUR;

/** An offer's length as a person says it: 45 -> "45 minutes", 120 -> "2 hours", 2880 -> "2 days". */
export function durationWords(minutes) {
  if (minutes % MINUTES_PER_DAY === 0) return plural(minutes / MINUTES_PER_DAY, 'day');
  if (minutes >= 2 * MINUTES_PER_HOUR && minutes % MINUTES_PER_HOUR === 0) return plural(minutes / MINUTES_PER_HOUR, 'hour');
  return plural(minutes, 'minute');
}

/** Time left, coarse when there is plenty and to the second near the end: "2 d 4 h", "1 h 05 min", "4 min 07 s". */
export function timeLeftText(ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const pad = (n) => String(n).padStart(2, '0');
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${pad(minutes)} min`;
  if (minutes > 0) return `${minutes} min ${pad(rest)} s`;
  return `${rest} s`;
}
