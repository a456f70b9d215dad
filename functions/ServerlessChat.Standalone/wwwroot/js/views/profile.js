// Users as people see them: an avatar (the signed thumbnail URL, or initials), a status, and profiles looked up
// once for members this client has not met (GET /api/users/{id}), so nobody stays "Member …abcd". The caller's
// own profile (role, avatar) is read once per sign-in: the session's user does not carry them.
import { $, el } from "../dom.js";
import * as store from "../state.js";
import { getMe } from "../accountApi.js";
import { avatar, groupAvatar } from "./avatar.js";

export { avatar, groupAvatar };

/** Shown once known; an unknown id is looked up (users.js) and every view renders again when it arrives. */
export const knownUser = (id) => (id && id !== "system" ? store.user(id) : null);

/** "🌴 on holiday", or "" without a status (an expired one is gone from the API's answers). */
export function statusText(u) {
  const status = u && u.status;
  if (!status || (status.expiresAt && new Date(status.expiresAt) <= new Date())) return "";
  return [status.emoji, status.text].filter(Boolean).join(" ");
}

function renderTopbar() {
  const me = store.me();
  const slot = $("me-avatar");
  if (slot) slot.replaceWith(Object.assign(avatar(me), { id: "me-avatar" }));
  if (me) $("me").textContent = `${store.nameOf(me)} (@${me.username})`;
}

function renderHeader() {
  const c = store.activeConversation();
  const slot = $("conversation-avatar");
  const status = $("conversation-status");
  if (!c || !slot) return;
  const peer = c.type === "direct" && c.peer ? knownUser(c.peer.id) || c.peer : null;
  slot.replaceWith(Object.assign(c.type === "group" ? groupAvatar(c.group) : avatar(peer), { id: "conversation-avatar" }));
  const text = peer ? statusText(peer) : "";
  status.textContent = text;
  status.hidden = !text;
}

export function mountProfiles({ onMe = () => {} } = {}) {
  // Places in the top bar and the conversation header, created here so the page's markup stays as it was.
  $("me").before(el("span", { attrs: { id: "me-avatar" } }));
  $("conversation-title").before(el("span", { attrs: { id: "conversation-avatar" } }));
  $("conversation-title").after(el("span", { className: "conversation-status", attrs: { id: "conversation-status", "data-testid": "conversation-status" } }));
  let readFor = null;
  store.subscribe("me", (me) => {
    renderTopbar();
    if (!me) readFor = null;
    if (!me || readFor === me.id) return;
    readFor = me.id;
    getMe().then((full) => {
      if (store.me() && store.me().id === full.id) {
        store.apply("userUpdated", full);
        onMe(store.me());
      }
    }).catch(() => {});
  });
  store.subscribe("users", (u) => {
    if (u && store.me() && u.id === store.me().id) {
      renderTopbar();
      onMe(store.me());
    }
    renderHeader();
  });
  store.subscribe("active", renderHeader);
  store.subscribe("conversations", renderHeader);
}
