// How dates, counts and statuses read on screen.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
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
  CANCELLED: 'Cancelled',
  DRAFT: 'Draft',
  PUBLISHED: 'Published',
};

export function statusLabel(status) {
  return STATUS_LABELS[status] ?? status;
}

export const ROLE_LABELS = { AUDIENCE: 'Audience', ORGANIZER: 'Organizer', ADMIN: 'Admin' };
