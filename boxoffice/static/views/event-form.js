// The create/edit form for an event; it only gathers and checks input, the caller decides what to send.
import { ApiError } from '../api.js';
import { h } from '../dom.js';
import { fromLocalInputValue, toLocalInputValue } from '../format.js';
import { errorBox, field, whileBusy } from '../ui.js';

let formCount = 0;

// The server's limits (events/service.py), so the browser stops what the server would refuse.
export const LIMITS = { title: 200, venue: 200, description: 5000, capacity: 100000, offerMinutes: 10080 };
const DEFAULT_OFFER_MINUTES = 60;

/**
 * onSubmit(input) receives {title, description, venue, startsAt, capacity, waitlistPolicy, offerMinutes?}
 * (offerMinutes only with the OFFER policy, so switching to AUTO_CONFIRM keeps the stored length) and may throw an ApiError,
 * which is shown in the form. onCancel, when given, adds a "Discard changes" button.
 */
export function eventForm({ initial = {}, heading, submitLabel, onSubmit, onCancel = null }) {
  const prefix = `event-form-${++formCount}`;
  const errors = errorBox();
  const title = h('input', { id: `${prefix}-title`, name: 'title', type: 'text', required: true, maxlength: LIMITS.title, value: initial.title ?? '' });
  const venue = h('input', { id: `${prefix}-venue`, name: 'venue', type: 'text', required: true, maxlength: LIMITS.venue, value: initial.venue ?? '' });
  const startsAt = h('input', {
    id: `${prefix}-starts`, name: 'startsAt', type: 'datetime-local', required: true,
    value: initial.startsAt ? toLocalInputValue(initial.startsAt) : '',
  });
  const capacity = h('input', { id: `${prefix}-capacity`, name: 'capacity', type: 'number', min: 1, max: LIMITS.capacity, step: 1, required: true, inputmode: 'numeric', value: initial.capacity ?? 100 });
  const description = h('textarea', { id: `${prefix}-description`, name: 'description', rows: 3, maxlength: LIMITS.description });
  description.value = initial.description ?? '';
  const policy = h('select', { id: `${prefix}-policy`, name: 'waitlistPolicy', value: initial.waitlistPolicy ?? 'AUTO_CONFIRM' },
    h('option', { value: 'AUTO_CONFIRM' }, 'Confirm the next in line at once'),
    h('option', { value: 'OFFER' }, 'Offer them to the next in line, who must accept in time'));
  const offerMinutes = h('input', {
    id: `${prefix}-offer-minutes`, name: 'offerMinutes', type: 'number', min: 1, max: LIMITS.offerMinutes, step: 1,
    required: true, inputmode: 'numeric', value: initial.offerMinutes ?? DEFAULT_OFFER_MINUTES,
  });
  const minutesField = field('Time to accept an offer (minutes)', offerMinutes, '1 to 10,080 (a week).');
  // Only offers have a time to accept; a hidden, disabled input is neither shown nor checked.
  const showMinutes = () => {
    const offers = policy.value === 'OFFER';
    minutesField.hidden = !offers;
    offerMinutes.disabled = !offers;
  };
  policy.addEventListener('change', showMinutes);
  showMinutes();

  const form = h('form', { class: 'form event-form' },
    heading ? h('h3', {}, heading) : null,
    errors,
    field('Title', title),
    field('Venue', venue),
    h('div', { class: 'field-pair' },
      field('Starts at', startsAt, 'Your local time.'),
      field('Capacity (seats)', capacity)),
    field('Description', description),
    h('div', { class: 'field-pair' },
      field('When seats free up', policy, initial.waitlistPolicy === 'OFFER'
        ? 'Switching to “at once” confirms the offers that are open now.'
        : 'What the people on the waiting list get.'),
      minutesField),
    h('div', { class: 'button-row' },
      h('button', { type: 'submit', class: 'button button--primary' }, submitLabel),
      onCancel ? h('button', { type: 'button', class: 'button button--quiet', onClick: onCancel }, 'Discard changes') : null),
  );

  // reset() puts the select back before this runs, but it fires no change event.
  form.addEventListener('reset', () => setTimeout(showMinutes));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(form, async () => {
      const starts = fromLocalInputValue(startsAt.value);
      if (!starts) throw new ApiError('Starts at: enter the date and time the event starts.', 'BAD_USER_INPUT', [], 'startsAt');
      const seats = Number(capacity.value);
      if (!Number.isInteger(seats) || seats < 1 || seats > LIMITS.capacity) {
        throw new ApiError(`Capacity must be a whole number between 1 and ${LIMITS.capacity.toLocaleString('en')} seats.`, 'BAD_USER_INPUT', [], 'capacity');
      }
      const input = {
        title: title.value.trim(),
        description: description.value.trim(),
        venue: venue.value.trim(),
        startsAt: starts,
        capacity: seats,
        waitlistPolicy: policy.value,
      };
      if (policy.value === 'OFFER') {
        const minutes = Number(offerMinutes.value);
        if (!Number.isInteger(minutes) || minutes < 1 || minutes > LIMITS.offerMinutes) {
          throw new ApiError(`Time to accept an offer must be a whole number of minutes between 1 and ${LIMITS.offerMinutes.toLocaleString('en')}.`, 'BAD_USER_INPUT', [], 'offerMinutes');
        }
        input.offerMinutes = minutes;
      }
      await onSubmit(input);
    }, errors);
  });
  return form;
}
