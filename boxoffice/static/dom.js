// Builds DOM nodes from data without ever parsing strings as HTML, so server text cannot inject markup.

/**
 * h('button', {type: 'submit', onClick: fn}, 'Book') -> <button type="submit">Book</button>
 * Props starting with "on" become listeners, `value` is set as a property after the children
 * (a <select> needs its options first), true/false toggle boolean attributes.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  let value;
  for (const [key, prop] of Object.entries(props ?? {})) {
    if (prop == null || prop === false) continue;
    if (key === 'value') value = prop;
    else if (key.startsWith('on') && typeof prop === 'function') {
      element.addEventListener(key.slice(2).toLowerCase(), prop);
    } else if (key === 'class') element.className = prop;
    // Through the CSSOM, which the Content-Security-Policy (style-src 'self') allows; a style attribute it does not.
    else if (key === 'style') element.style.cssText = String(prop);
    else element.setAttribute(key, prop === true ? '' : String(prop));
  }
  append(element, children);
  if (value !== undefined) element.value = String(value);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}
