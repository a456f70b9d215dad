// The offline banner: shown when the connection has been away for a moment (or the browser says it is offline),
// with the last contact with the server; presence dots are greyed meanwhile (they may be stale), and messages
// written meanwhile wait in the SDK's outbox, shown as pending, and go out by themselves after the reconnect.
import { $ } from "../dom.js";
import * as store from "../state.js";

// The server closes every connection when its token expires and the SDK reconnects at once: a banner only when
// the connection stays away longer than this.
const QUIET_MS = 1500;

let lastContact = null;
let timer = null;

const clock = (date) => date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

function show() {
  clearTimeout(timer);
  timer = null;
  if (!store.me() || store.connectionState() === "connected") return;
  const since = lastContact ? `Last contact with the server at ${clock(lastContact)}.` : "The server cannot be reached.";
  $("offline-text").textContent = `You are offline. ${since} Messages you write are sent when the connection is back.`;
  $("offline-banner").hidden = false;
  $("chat-view").dataset.offline = "true";
  // Presence dots render again, greyed.
  store.setPresence([]);
}

function hide() {
  clearTimeout(timer);
  timer = null;
  $("offline-banner").hidden = true;
  if ($("chat-view").dataset.offline) {
    delete $("chat-view").dataset.offline;
    store.setPresence([]);
  }
}

/** True while the page shows itself offline: presence and "sending" read differently then. */
export const isOffline = () => $("chat-view").dataset.offline === "true";

export function mountOfflineBanner() {
  let previous = store.connectionState();
  store.subscribe("connection", (state) => {
    if (previous === "connected" && state !== "connected") lastContact = new Date();
    previous = state;
    if (state === "connected") {
      lastContact = new Date();
      hide();
    } else if (state === "disconnected" && !store.me()) {
      hide();
    } else if (!timer && $("offline-banner").hidden) {
      timer = setTimeout(show, navigator.onLine === false ? 0 : QUIET_MS);
    }
  });
  store.subscribe("me", (me) => {
    if (!me) {
      lastContact = null;
      hide();
    }
  });
  window.addEventListener("offline", () => store.me() && store.connectionState() !== "connected" && show());
}
