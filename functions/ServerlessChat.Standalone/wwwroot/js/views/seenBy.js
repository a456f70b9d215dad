// "Seen by" under the last message of an open group: the members (other than its sender and the caller) whose
// read marker is at or past it, from GET /api/conversations/{id}/read-markers when the group opens and from the
// messagesRead events after that.
import { ApiError } from "../api.js";
import * as chat from "../conversationApi.js";
import { $, el } from "../dom.js";
import * as store from "../state.js";

const NAMES_SHOWN = 3;
// conversationId → Map(userId → upTo)
const markers = new Map();

function markersOf(conversationId) {
  if (!markers.has(conversationId)) markers.set(conversationId, new Map());
  return markers.get(conversationId);
}

function raise(conversationId, userId, upTo) {
  const known = markersOf(conversationId);
  // Ids are ObjectIds: they order like time.
  if ((known.get(userId) || "") < upTo) known.set(userId, upTo);
}

/** Who of the others has seen `message`, in the order of the group's members. */
export function seenBy(c, message) {
  const known = markersOf(c.conversationId);
  const me = store.me().id;
  return (c.group ? c.group.members : []).filter((id) => id !== me && id !== message.senderId && (known.get(id) || "") >= message.id);
}

function text(c, readers, message) {
  const others = (c.group ? c.group.members : []).filter((id) => id !== store.me().id && id !== message.senderId);
  if (!readers.length) return "";
  if (others.length > 1 && readers.length === others.length) return "Seen by everyone";
  const names = readers.slice(0, NAMES_SHOWN).map(store.userName);
  const more = readers.length - names.length;
  return `Seen by ${names.join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
}

function render() {
  const line = $("seen-by");
  const c = store.activeConversation();
  if (!line) return;
  const last = c && c.type === "group" ? store.orderedMessages(c.conversationId).filter((m) => m.id && m.senderId !== "system").pop() : null;
  if (!last) {
    line.hidden = true;
    return;
  }
  const readers = seenBy(c, last);
  line.textContent = text(c, readers, last);
  line.title = readers.map(store.userName).join(", ");
  line.dataset.messageId = last.id;
  line.hidden = !readers.length;
}

async function load(conversationId) {
  try {
    const { items } = await chat.readMarkers(conversationId);
    for (const marker of items) raise(conversationId, marker.userId, marker.upTo);
    if (store.activeId() === conversationId) render();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) console.warn("Loading read markers failed", error);
  }
}

export function mountSeenBy() {
  $("messages").after(el("p", { className: "seen-by", attrs: { id: "seen-by", "data-testid": "seen-by", "aria-live": "polite", hidden: true } }));
  store.tap("messagesRead", ({ conversationId, readerId, upTo, threadId }) => {
    if (!threadId && conversationId && readerId && upTo) {
      raise(conversationId, readerId, upTo);
      if (store.activeId() === conversationId) render();
    }
    return false;
  });
  store.subscribe("me", () => markers.clear());
  store.subscribe("active", (id) => {
    const c = id && store.conversation(id);
    if (c && c.type === "group" && !c.localOnly) load(id);
    render();
  });
  store.subscribe("messages", ({ conversationId }) => {
    if (conversationId === store.activeId()) render();
  });
  store.subscribe("conversations", render);
}
