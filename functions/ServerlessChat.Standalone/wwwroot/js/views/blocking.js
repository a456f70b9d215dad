// Blocking (PUT/DELETE /api/users/{id}/block, GET /api/users/blocked): a Block button beside the name of the
// person in a direct conversation, and a note while they are blocked.
import { api } from "../api.js";
import { $ } from "../dom.js";
import * as store from "../state.js";
import { confirmAction } from "./dialogs.js";

const blocked = new Set();

export const isBlocked = (userId) => blocked.has(userId);

export async function loadBlocked() {
  try {
    const { items } = await api("GET", "users/blocked");
    store.rememberUsers(items);
    blocked.clear();
    for (const u of items) blocked.add(u.id);
  } catch {
    // Unknown: shown as not blocked; the button still works.
  }
  render();
}

function peerOfActive() {
  const c = store.activeConversation();
  return c && c.type === "direct" && c.peer ? c.peer : null;
}

function render() {
  const peer = peerOfActive();
  const button = $("block-button");
  const note = $("blocked-note");
  button.hidden = !peer;
  note.hidden = !(peer && blocked.has(peer.id));
  if (!peer) return;
  const on = blocked.has(peer.id);
  button.textContent = on ? "Unblock" : "Block";
  button.setAttribute("aria-pressed", String(on));
  button.setAttribute("aria-label", `${on ? "Unblock" : "Block"} ${store.nameOf(peer)}`);
  note.textContent = on ? `You blocked ${store.nameOf(peer)}. They cannot message or call you, or see when you are online.` : "";
}

async function toggle() {
  const peer = peerOfActive();
  if (!peer) return;
  const on = blocked.has(peer.id);
  // Blocking cuts someone off at once and sits beside Mute: it asks first. Unblocking undoes nothing harmful.
  if (!on && !(await confirmAction(`Block ${store.nameOf(peer)}? They will not be able to message or call you, or see when you are online.`, "Block"))) return;
  const button = $("block-button");
  button.disabled = true;
  try {
    await api(on ? "DELETE" : "PUT", `users/${encodeURIComponent(peer.id)}/block`);
    if (on) blocked.delete(peer.id);
    else blocked.add(peer.id);
  } catch (error) {
    $("blocked-note").hidden = false;
    $("blocked-note").textContent = error.message;
    return;
  } finally {
    button.disabled = false;
  }
  render();
}

export function mountBlocking() {
  $("block-button").addEventListener("click", toggle);
  store.subscribe("active", render);
  store.subscribe("me", () => blocked.clear());
}
