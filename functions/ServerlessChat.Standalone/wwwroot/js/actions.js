// What the user does, as API calls; every answer goes into the store.
import { api, ApiError, chat } from "./api.js";
import * as store from "./state.js";
import { randomId } from "./dom.js";

const HISTORY_PAGE = 50;
// The server coalesces typing to one event per 2-second window; sending more often only costs requests.
const TYPING_SEND_EVERY_MS = 2000;
let lastTypingSent = 0;

const quiet = (what) => (error) => {
  if (!(error instanceof ApiError && error.status === 401)) console.warn(`${what} failed`, error);
};

/** Where a conversation's messages go: `{receiverId}` or `{groupId}`. */
export function target(c) {
  return c.type === "group" ? { groupId: c.group.id } : { receiverId: c.peer.id };
}

function historyQuery(c) {
  return c.type === "group" ? `groupId=${encodeURIComponent(c.group.id)}` : `with=${encodeURIComponent(c.peer.id)}`;
}

export async function loadConversations() {
  try {
    const [conversations, groups] = await Promise.all([api("GET", "conversations"), api("GET", "groups")]);
    store.setConversations(conversations.items, groups.items);
    await loadPresence();
  } catch (error) {
    quiet("Loading conversations")(error);
  }
}

/** Presence of everyone this user shares a conversation with (at most 100 in one call). */
export async function loadPresence() {
  const ids = new Set();
  for (const c of store.conversations()) {
    if (c.localOnly) continue;
    for (const id of store.othersIn(c)) ids.add(id);
  }
  const list = [...ids].slice(0, 100);
  if (!list.length) return;
  const { items } = await api("GET", `presence?userIds=${list.map(encodeURIComponent).join(",")}`);
  store.setPresence(items);
}

/** The newest page (first open, or to catch up after a reconnect), or with `older` the page before. */
export async function loadHistory(conversationId, { older = false } = {}) {
  const c = store.conversation(conversationId);
  if (!c || c.localOnly) return;
  const t = store.thread(conversationId);
  const before = older && t && t.nextBefore ? `&before=${encodeURIComponent(t.nextBefore)}` : "";
  if (older && !before) return;
  try {
    const page = await api("GET", `messages?${historyQuery(c)}&limit=${HISTORY_PAGE}${before}`);
    store.addMessages(conversationId, page.items, { nextBefore: page.nextBefore, older });
  } catch (error) {
    quiet("Loading messages")(error);
  }
}

/** Marks the newest message read when the page is visible and there is something new to mark. */
export async function markRead(conversationId) {
  const c = store.conversation(conversationId);
  const t = store.thread(conversationId);
  if (!c || !t || c.localOnly || document.visibilityState !== "visible") return;
  const stored = [...t.byId.values()];
  if (!stored.length) return;
  const newest = stored.reduce((a, b) => (a.id > b.id ? a : b));
  if (newest.id === t.readSent || (newest.senderId === store.me().id && !(c.unread > 0))) return;
  store.markReadSent(conversationId, newest.id);
  try {
    const body = c.type === "group" ? { groupId: c.group.id, upTo: newest.id } : { with: c.peer.id, upTo: newest.id };
    const result = await api("POST", "messages/read", body);
    store.setUnread(conversationId, result.unread);
  } catch (error) {
    store.markReadSent(conversationId, null);
    quiet("Marking read")(error);
  }
}

/** `attachments`: uploaded ones (their ids go out as attachmentIds); `replyTo`: the answered message's quote. */
export function sendMessage(conversationId, content, { attachments = [], replyTo = null } = {}) {
  const draft = {
    id: null,
    clientMessageId: randomId(),
    senderId: store.me().id,
    conversationId,
    content,
    attachments,
    replyTo,
    reactions: [],
    mentions: [],
    createdAt: new Date().toISOString(),
    status: "sending",
  };
  lastTypingSent = 0;
  store.addPending(conversationId, draft);
  return postMessage(conversationId, draft);
}

/**
 * Sends through the SDK's outbox, or re-sends after a refusal: while offline (or when a send gets no answer) the
 * message waits there, kept in IndexedDB, and goes out by itself after the reconnect; the same clientMessageId
 * makes a repeat store nothing new. Only a refusal (a 4xx) ends as "failed", with Retry.
 */
export async function postMessage(conversationId, draft) {
  const c = store.conversation(conversationId);
  store.updatePending(conversationId, draft.clientMessageId, { status: "sending", error: null });
  try {
    const body = { ...target(c), content: draft.content, clientMessageId: draft.clientMessageId };
    if (draft.attachments && draft.attachments.length) body.attachmentIds = draft.attachments.map((a) => a.id);
    if (draft.replyTo) body.replyToId = draft.replyTo.id;
    const stored = await chat().sendMessage(body);
    store.sent(conversationId, stored);
  } catch (error) {
    if (!store.me()) return;
    store.updatePending(conversationId, draft.clientMessageId, {
      status: "failed",
      error: error instanceof Error && "status" in error ? new ApiError(error.status, error.problem).message : "the server cannot be reached.",
    });
  }
}

/** After a reload: what the outbox still holds, shown as pending (its newMessage, when sent, replaces it). */
export async function showQueuedMessages() {
  let queued = [];
  try {
    queued = await chat().pendingMessages();
  } catch {
    return;
  }
  for (const item of queued) {
    const { request } = item;
    const conversationId = request.groupId ? store.groupConversationId(request.groupId) : store.directConversationId(store.me().id, request.receiverId);
    if (!store.conversation(conversationId)) continue;
    store.addPending(conversationId, {
      id: null, clientMessageId: item.clientMessageId, senderId: store.me().id, conversationId, content: request.content || "",
      attachments: [], replyTo: null, reactions: [], mentions: [], createdAt: new Date(item.queuedAt).toISOString(), status: "sending",
    });
  }
}

export async function editMessage(conversationId, id, content) {
  const updated = await api("PATCH", `messages/${encodeURIComponent(id)}`, { content });
  store.apply("messageUpdated", updated);
}

export async function deleteMessage(conversationId, id) {
  await api("DELETE", `messages/${encodeURIComponent(id)}`);
  store.apply("messageDeleted", { id, conversationId });
}

export function typing(conversationId) {
  const c = store.conversation(conversationId);
  const now = Date.now();
  if (!c || c.localOnly || now - lastTypingSent < TYPING_SEND_EVERY_MS) return;
  lastTypingSent = now;
  api("POST", "typing", target(c)).catch(() => {});
}

export async function searchUsers(query) {
  const { items } = await api("GET", `users?search=${encodeURIComponent(query)}&limit=10`);
  store.rememberUsers(items);
  return items.filter((u) => u.id !== store.me().id);
}

export async function createGroup(name, memberIds) {
  const group = await api("POST", "groups", { name, memberIds });
  store.apply("groupUpdated", group);
  return store.groupConversationId(group.id);
}

export async function changeMembers(groupId, { add = [], remove = [] }) {
  const group = await api("PUT", `groups/${encodeURIComponent(groupId)}/members`, { add, remove });
  store.apply("groupUpdated", group);
  if (add.length) loadPresence().catch(() => {});
  return group;
}

export const leaveGroup = (groupId) => changeMembers(groupId, { remove: [store.me().id] });

export const heartbeat = () => api("POST", "presence/heartbeat").catch(() => {});
