// The open conversation in the address (#/c/<conversationId>): a reload reopens it, back and forward move between
// the conversations opened, and closing one (the narrow layout's back button) goes back to the bare address.
import * as store from "./state.js";

const PREFIX = "#/c/";
// What the address shows: an "active" event that matches it (a load, a navigation) writes nothing.
let shown = conversationInAddress();

/** The conversation the address names, or null. */
export function conversationInAddress() {
  if (!location.hash.startsWith(PREFIX)) return null;
  try {
    return decodeURIComponent(location.hash.slice(PREFIX.length)) || null;
  } catch {
    return null;
  }
}

/** Keeps the address on the open conversation; `onNavigate(id or null)` runs on back and forward. */
export function mountAddress({ onNavigate }) {
  store.subscribe("active", (id) => {
    // A conversation opened is written; none open is not (the list loading emits that before the restore):
    // closing one clears the address through closeInAddress.
    if (!id || id === shown) return;
    shown = id;
    history.pushState(null, "", PREFIX + encodeURIComponent(id));
  });
  window.addEventListener("popstate", () => {
    shown = conversationInAddress();
    if (shown !== store.activeId()) onNavigate(shown);
  });
}

/** The open conversation was closed by the person: a new entry without it, so back reopens it. */
export function closeInAddress() {
  if (shown === null) return;
  shown = null;
  history.pushState(null, "", location.pathname + location.search);
}

/** After a sign-out: the address names no conversation (the next person signing in here must not open it). */
export function clearAddress() {
  shown = null;
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
}
