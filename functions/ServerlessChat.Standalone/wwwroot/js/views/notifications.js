// Notifications: the on/off switch for this device (in the sidebar's settings), the Mute button of the open
// conversation, and the service worker's "open this conversation" after a notification was clicked.
import { $ } from "../dom.js";
import * as push from "../push.js";
import * as store from "../state.js";

let busy = false;

function setStatus(text, { error = false } = {}) {
  const status = $("notifications-status");
  status.textContent = text || "";
  status.hidden = !text;
  status.dataset.kind = error ? "error" : "info";
}

/** The switch from what the browser holds; hidden when the server sends no pushes. */
export async function renderSetting() {
  const setting = $("notifications-setting");
  const toggle = $("notifications-toggle");
  setting.hidden = !push.serverPushes();
  renderMute();
  if (setting.hidden) return;
  if (!push.browserSupportsPush()) {
    toggle.checked = false;
    toggle.disabled = true;
    setStatus("This browser cannot show notifications.");
    return;
  }
  toggle.disabled = busy;
  toggle.checked = !!(await push.currentSubscription().catch(() => null));
}

async function onToggle() {
  const toggle = $("notifications-toggle");
  const on = toggle.checked;
  busy = true;
  toggle.disabled = true;
  toggle.setAttribute("aria-busy", "true");
  setStatus(on ? "Turning notifications on…" : "Turning notifications off…");
  try {
    if (on) await push.enable();
    else await push.disable();
    setStatus(on ? "Notifications are on for this device." : "Notifications are off for this device.");
  } catch (error) {
    setStatus(error.message || "Notifications could not be changed. Try again.", { error: true });
  } finally {
    busy = false;
    toggle.removeAttribute("aria-busy");
    await renderSetting();
  }
}

function renderMute() {
  const button = $("mute-button");
  const c = store.activeConversation();
  button.hidden = !(c && push.serverPushes() && push.ready());
  if (button.hidden) return;
  // A toggle button: the name stays, aria-pressed (and its style) says whether it is on.
  button.setAttribute("aria-pressed", String(push.isMuted(c.conversationId)));
  button.setAttribute("aria-label", `Mute notifications from ${store.conversationTitle(c)}`);
}

async function toggleMute(onError) {
  const c = store.activeConversation();
  if (!c) return;
  const button = $("mute-button");
  button.disabled = true;
  try {
    await push.setMuted(c.conversationId, !push.isMuted(c.conversationId));
  } catch (error) {
    onError(error);
  } finally {
    button.disabled = false;
  }
  renderMute();
}

/** `onOpen(conversationId)` runs when a clicked notification asks an open window to show its conversation. */
export function mountNotifications({ onOpen, onError }) {
  $("notifications-toggle").addEventListener("change", onToggle);
  $("mute-button").addEventListener("click", () => toggleMute(onError));
  store.subscribe("active", renderMute);
  store.subscribe("me", (me) => {
    if (!me) setStatus("");
  });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      const data = event.data || {};
      if (data.type === "openConversation" && typeof data.conversationId === "string") onOpen(data.conversationId);
    });
  }
}

/** The conversation a notification opened this window at (`?conversation=`), once; then the address is clean again. */
export function takeOpenedConversation() {
  const url = new URL(location.href);
  const id = url.searchParams.get("conversation");
  if (id === null) return null;
  url.searchParams.delete("conversation");
  history.replaceState(history.state, "", url.href);
  return id;
}
