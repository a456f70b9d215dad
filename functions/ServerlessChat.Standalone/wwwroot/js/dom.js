// Small DOM helpers. Text from users reaches the page only through textContent; URLs only through safeUrl.

export const $ = (id) => document.getElementById(id);

const URL_ATTRIBUTES = new Set(["src", "href", "poster", "action", "formaction"]);
const SAFE_SCHEMES = new Set(["http:", "https:", "blob:"]);

/** The URL resolved against the page, or null unless its scheme is http, https or blob. */
export function safeUrl(value) {
  try {
    const url = new URL(String(value), location.href);
    return SAFE_SCHEMES.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Builds an element: `text` becomes textContent, `attrs` attributes (false/null/undefined leave one out; URL
 * attributes pass safeUrl first), `on` event listeners, children are appended (falsy ones skipped).
 */
export function el(tag, options = {}, children = []) {
  const element = document.createElement(tag);
  if (options.className) element.className = options.className;
  if (options.text !== undefined && options.text !== null) element.textContent = String(options.text);
  for (const [name, raw] of Object.entries(options.attrs || {})) {
    if (raw === undefined || raw === null || raw === false) continue;
    const value = raw === true ? "" : String(raw);
    if (URL_ATTRIBUTES.has(name)) {
      const safe = safeUrl(value);
      if (safe) element.setAttribute(name, safe);
      continue;
    }
    element.setAttribute(name, value);
  }
  for (const [type, listener] of Object.entries(options.on || {})) element.addEventListener(type, listener);
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

/** Shows a text (or hides the element when there is none). */
export function showText(element, text) {
  if (!element) return;
  element.textContent = text || "";
  element.hidden = !text;
}

export const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/** crypto.randomUUID needs a secure context; getRandomValues works on plain http too. */
export function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
