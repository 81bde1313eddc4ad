// Small reusable pieces of interface: error boxes, busy buttons, two-step confirmations, badges.
import { messageOf } from './api.js';
import { h, replace } from './dom.js';
import { statusLabel } from './format.js';

/** A role="alert" box that shows a request's failure in plain words. */
export function errorBox() {
  const box = h('div', { class: 'error-box', role: 'alert', hidden: true });
  return Object.assign(box, {
    show(error) {
      replace(box, h('p', {}, typeof error === 'string' ? error : messageOf(error)));
      box.hidden = false;
    },
    clear() {
      box.replaceChildren();
      box.hidden = true;
    },
  });
}

/**
 * Runs `work` with the given buttons (or every button in a form) disabled, so a person cannot
 * send the same request twice. Errors go to `errors` (an errorBox) and are not rethrown.
 */
export async function whileBusy(target, work, errors = null) {
  const buttons = target instanceof HTMLFormElement ? [...target.querySelectorAll('button')] : [target].flat();
  const container = target instanceof HTMLFormElement ? target : null;
  for (const button of buttons) button.disabled = true;
  container?.setAttribute('aria-busy', 'true');
  errors?.clear();
  if (container) clearFieldErrors(container);
  try {
    return await work();
  } catch (error) {
    if (container) showFieldError(container, error);
    if (errors) errors.show(error);
    else throw error;
    return undefined;
  } finally {
    for (const button of buttons) if (button.isConnected) button.disabled = false;
    container?.removeAttribute('aria-busy');
  }
}

/**
 * A button that asks once more before doing something that cannot be undone,
 * without a modal dialog: the button turns into "Yes, ..." and "No, keep it".
 */
export function confirmingButton({ label, question, confirmLabel, keepLabel = 'No, keep it', onConfirm, errors }) {
  const wrapper = h('div', { class: 'confirm' });
  const showAsk = () => {
    const ask = h('button', { type: 'button', class: 'button button--danger-outline', onClick: showConfirm }, label);
    replace(wrapper, ask);
    return ask;
  };
  const showConfirm = () => {
    const yes = h('button', { type: 'button', class: 'button button--danger' }, confirmLabel);
    const keep = h('button', { type: 'button', class: 'button button--quiet', onClick: () => showAsk().focus() }, keepLabel);
    yes.addEventListener('click', async () => {
      await whileBusy([yes, keep], onConfirm, errors);
      if (wrapper.isConnected && yes.isConnected) showAsk().focus();
    });
    replace(wrapper, h('p', { class: 'confirm__question' }, question), h('div', { class: 'button-row' }, yes, keep));
    yes.focus();
  };
  showAsk();
  return wrapper;
}

export function statusBadge(status) {
  return h('span', { class: `badge badge--${String(status).toLowerCase()}` }, statusLabel(status));
}

/** A labelled form field; `control` is an <input>, <select> or <textarea> that gets the id. */
export function field(label, control, hint = null) {
  const id = control.id || `field-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('p', { class: 'field__hint', id: hintId }, hint) : null,
  );
}

export function loading(text = 'Loading…') {
  return h('p', { class: 'loading', role: 'status' }, text);
}

/** The page's h1; the router focuses it after navigation so screen readers hear where they are. */
export function pageHeading(text) {
  return h('h1', { tabindex: '-1', 'data-page-heading': '' }, text);
}

/** A label's words without its parenthesised hint: "Capacity (seats)" -> "Capacity". */
function labelWords(label) {
  return label.textContent.replace(/\s*\(.*\)\s*$/, '').trim();
}

/**
 * Puts a failure next to the input it is about: the one the server named (extensions.field, an input's
 * name), else the one whose label the message starts with ("Capacity must be ..."). Returns that input.
 */
export function showFieldError(form, error) {
  const message = typeof error === 'string' ? error : error?.message;
  if (!message) return null;
  let control = error?.field ? form.querySelector(`[name="${CSS.escape(error.field)}"]`) : null;
  if (!control) {
    for (const label of form.querySelectorAll('.field > label')) {
      const words = labelWords(label);
      if (words && message.toLowerCase().startsWith(words.toLowerCase())) {
        control = form.querySelector(`#${CSS.escape(label.htmlFor)}`);
        break;
      }
    }
  }
  if (!control) return null;
  const note = h('p', { class: 'field__error', id: `${control.id}-error` }, message);
  control.closest('.field')?.append(note);
  control.setAttribute('aria-invalid', 'true');
  const described = (control.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
  control.setAttribute('aria-describedby', [...described, note.id].join(' '));
  return control;
}

export function clearFieldErrors(form) {
  for (const note of form.querySelectorAll('.field__error')) {
    const control = form.querySelector(`[aria-describedby~="${CSS.escape(note.id)}"]`);
    if (control) {
      const rest = control.getAttribute('aria-describedby').split(' ').filter((id) => id && id !== note.id);
      if (rest.length) control.setAttribute('aria-describedby', rest.join(' '));
      else control.removeAttribute('aria-describedby');
      control.removeAttribute('aria-invalid');
    }
    note.remove();
  }
}

/**
 * The one "not found" state, for unknown routes and for things that do not exist: it replaces the whole page
 * (no spinner, no error box left behind) with a heading, what happened and a way back.
 */
export function showNotFound(target, { heading = 'Page not found', message = 'There is no page at this address.' } = {}) {
  const title = pageHeading(heading);
  replace(target, title,
    h('p', { 'data-testid': 'not-found' }, message, ' ', h('a', { href: '#/' }, 'See all events')));
  if (!target.contains(document.activeElement)) title.focus();
}
