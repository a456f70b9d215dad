// The one store. Every API answer and every change the SDK delivers (live or through its sync, once each) goes
// through here; views subscribe to topics and render from it. A change that carries a cursor is applied once
// more here too, so that the answer to one's own edit and the same change arriving later count once.

const APPLIED_KEPT = 200;
// There is no "stopped typing" event: the indicator fades unless another event renews it.
const TYPING_SHOW_MS = 4000;

const listeners = new Map();

/** Topics: me, conversations, messages (detail: conversationId), presence, typing, active, connection, users, unknownConversation. */
export function subscribe(topic, listener) {
  if (!listeners.has(topic)) listeners.set(topic, new Set());
  listeners.get(topic).add(listener);
  return () => listeners.get(topic).delete(listener);
}

function emit(topic, detail) {
  for (const listener of listeners.get(topic) || []) listener(detail);
}

export const directConversationId = (a, b) => (a < b ? `d:${a}:${b}` : `d:${b}:${a}`);
export const groupConversationId = (groupId) => `g:${groupId}`;

const state = {
  me: null,
  conversations: new Map(),
  threads: new Map(),
  presence: new Map(),
  typing: new Map(),
  users: new Map(),
  applied: new Map(),
  activeId: null,
  connection: "disconnected",
};

// ---- reading ------------------------------------------------------------------------------------------------

export const me = () => state.me;
export const conversation = (id) => state.conversations.get(id) || null;
export const conversations = () =>
  [...state.conversations.values()].sort((a, b) => (b.updatedAt || "").localeCompare(a.updatedAt || ""));
export const activeId = () => state.activeId;
export const activeConversation = () => (state.activeId ? conversation(state.activeId) : null);
export const thread = (conversationId) => state.threads.get(conversationId) || null;
export const presenceOf = (userId) => state.presence.get(userId) || null;
export const isOnline = (userId) => !!(state.presence.get(userId) || {}).online;
export const typists = (conversationId) => [...(state.typing.get(conversationId) || new Map()).keys()];
export const connectionState = () => state.connection;
/** A user as far as this page knows it; an unknown one is looked up (GET /api/users/{id}, see users.js). */
export function user(id) {
  const known = state.me && id === state.me.id ? state.me : state.users.get(id) || null;
  if (!known && id) lookupUser(id);
  return known;
}

export const nameOf = (u) => (u && (u.displayName || u.username)) || "Someone";

// Set by users.js: fetches users this page has not met yet, then calls learnUsers.
let lookupUser = () => {};
export function setUserLookup(lookup) {
  lookupUser = lookup;
}

/** A user's name; "…" for the moment it takes to look up one this page has not met. */
export function userName(id) {
  if (id === "system") return "ServerlessChat";
  const known = user(id);
  return known ? nameOf(known) : "…";
}

export const conversationTitle = (c) => (c.type === "group" ? (c.group && c.group.name) || "Group" : nameOf(c.peer));

/** The other members of a group conversation, or the peer of a direct one. */
export function othersIn(c) {
  if (!c) return [];
  if (c.type === "group") return (c.group ? c.group.members : []).filter((id) => id !== state.me.id);
  return c.peer ? [c.peer.id] : [];
}

export const isAdmin = (c) => !!(c && c.type === "group" && c.group && c.group.admins.includes(state.me.id));

/** Messages oldest first, then the ones still being sent. */
export function orderedMessages(conversationId) {
  const t = thread(conversationId);
  if (!t) return [];
  const stored = [...t.byId.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  return [...stored, ...t.pending.values()];
}

/**
 * Who of the others has read a message of mine, from the server's isRead and the reads heard live:
 * `{read, readers}` (readers: user ids, for groups).
 */
export function readState(conversationId, message) {
  const t = thread(conversationId);
  const c = conversation(conversationId);
  const others = othersIn(c);
  const readers = t ? others.filter((id) => (t.readUpTo.get(id) || "") >= message.id) : [];
  const read = !!message.isRead || (others.length > 0 && readers.length === others.length);
  return { read, readers };
}

// ---- the session ------------------------------------------------------------------------------------------

export function signedIn(user) {
  reset();
  state.me = user;
  emit("me", user);
}

export function reset() {
  for (const typing of state.typing.values()) for (const handle of typing.values()) clearTimeout(handle);
  state.me = null;
  state.conversations.clear();
  state.threads.clear();
  state.presence.clear();
  state.typing.clear();
  state.users.clear();
  state.applied.clear();
  state.activeId = null;
  emit("conversations");
  emit("active", null);
}

export function setConnectionState(name) {
  state.connection = name;
  emit("connection", name);
}

export function rememberUsers(users) {
  for (const u of users || []) if (u && u.id) state.users.set(u.id, u);
}

/** Users looked up or changed: every view that shows names or avatars renders again. */
export function learnUsers(users) {
  rememberUsers(users);
  usersChanged();
}

/** The "users" topic's detail is the one user that changed, or null for a batch of lookups. */
function usersChanged(changed = null) {
  emit("users", changed);
  emit("conversations");
  if (state.activeId) emit("messages", { conversationId: state.activeId });
}

// ---- API answers ------------------------------------------------------------------------------------------

/** GET /api/conversations and GET /api/groups: groups without a message yet are listed too. */
export function setConversations(items, groups = []) {
  const localOnly = [...state.conversations.values()].filter((c) => c.localOnly);
  state.conversations.clear();
  for (const c of items) {
    if (c.peer) rememberUsers([c.peer]);
    state.conversations.set(c.conversationId, c);
  }
  for (const group of groups) {
    const id = groupConversationId(group.id);
    if (!state.conversations.has(id)) state.conversations.set(id, groupSummary(group));
  }
  // A conversation opened from the search has no message yet, so the server does not list it.
  for (const c of localOnly) if (!state.conversations.has(c.conversationId)) state.conversations.set(c.conversationId, c);
  if (state.activeId && !state.conversations.has(state.activeId)) setActive(null);
  emit("conversations");
  emit("active", state.activeId);
}

const groupSummary = (group) => ({
  conversationId: groupConversationId(group.id),
  type: "group",
  peer: null,
  group,
  lastMessage: null,
  unread: 0,
  mentions: 0,
  updatedAt: group.updatedAt || group.createdAt,
});

/** A direct conversation opened from the search, before its first message. */
export function openDirect(peer) {
  rememberUsers([peer]);
  const id = directConversationId(state.me.id, peer.id);
  if (!state.conversations.has(id)) {
    state.conversations.set(id, {
      conversationId: id, type: "direct", peer, group: null, lastMessage: null, unread: 0, mentions: 0,
      updatedAt: new Date().toISOString(), localOnly: true,
    });
    emit("conversations");
  }
  return id;
}

export function setActive(conversationId) {
  state.activeId = conversationId && state.conversations.has(conversationId) ? conversationId : null;
  if (state.activeId) ensureThread(state.activeId);
  emit("active", state.activeId);
  emit("conversations");
}

function ensureThread(conversationId) {
  let t = state.threads.get(conversationId);
  if (!t) {
    // nextBefore: undefined until the first page, null at the end of history.
    t = { byId: new Map(), pending: new Map(), nextBefore: undefined, readUpTo: new Map(), readSent: null };
    state.threads.set(conversationId, t);
  }
  return t;
}

/** A history page (GET /api/messages) or a send's answer. `older`: a page before the ones shown. */
export function addMessages(conversationId, messages, { nextBefore, older = false } = {}) {
  const t = ensureThread(conversationId);
  for (const m of messages) putMessage(t, m);
  if (nextBefore !== undefined && (older || t.nextBefore === undefined)) t.nextBefore = nextBefore;
  emit("messages", { conversationId, older });
}

/**
 * A sync answer read just before an edit or delete whose live event came first carries the older copy: a deleted
 * message stays deleted, and a copy edited earlier (or never) than the one shown is not applied.
 */
function isOlderCopy(m, current) {
  if (current.deleted && !m.deleted) return true;
  return Boolean(current.editedAt) && (!m.editedAt || Date.parse(m.editedAt) < Date.parse(current.editedAt));
}

function putMessage(t, m) {
  if (m.clientMessageId && m.senderId === state.me.id) t.pending.delete(m.clientMessageId);
  const current = t.byId.get(m.id);
  if (current && isOlderCopy(m, current)) return;
  // A copy that arrives later (the send's own answer, a history reload) must not undo a read already seen.
  t.byId.set(m.id, current && current.isRead && !m.isRead ? { ...m, isRead: true } : m);
}

export function addPending(conversationId, draft) {
  ensureThread(conversationId).pending.set(draft.clientMessageId, draft);
  emit("messages", { conversationId });
}

export function updatePending(conversationId, clientMessageId, changes) {
  const t = ensureThread(conversationId);
  const draft = t.pending.get(clientMessageId);
  if (!draft) return;
  Object.assign(draft, changes);
  emit("messages", { conversationId });
}

/** After a send: the message is the conversation's latest, and a search-opened conversation is real now. */
export function sent(conversationId, message) {
  addMessages(conversationId, [message]);
  const c = conversation(conversationId);
  if (!c) return;
  const wasLocal = !!c.localOnly;
  c.localOnly = false;
  setLast(c, message);
  emit("conversations");
  if (wasLocal) emit("unknownConversation", conversationId);
}

export function setUnread(conversationId, unread) {
  const c = conversation(conversationId);
  if (!c) return;
  c.unread = unread;
  // Mentions count unread messages only: none left unread, none left to show.
  if (!unread) c.mentions = 0;
  emit("conversations");
}

export function markReadSent(conversationId, upTo) {
  ensureThread(conversationId).readSent = upTo;
}

export function setPresence(items) {
  for (const p of items) state.presence.set(p.userId, p);
  emit("presence");
}

function setLast(c, m) {
  if (c.lastMessage && c.lastMessage.id === m.id && isOlderCopy(m, c.lastMessage)) return;
  if (!c.lastMessage || c.lastMessage.id === m.id || m.createdAt >= c.lastMessage.createdAt) {
    c.lastMessage = m;
    if (!c.updatedAt || m.createdAt > c.updatedAt) c.updatedAt = m.createdAt;
  }
}

// ---- live events and sync changes -------------------------------------------------------------------------

const handlers = {
  newMessage(m) {
    const mine = m.senderId === state.me.id;
    if (!mine) stopTyping(m.conversationId, m.senderId);
    const t = state.threads.get(m.conversationId);
    const c = state.conversations.get(m.conversationId);
    // Ids order by creation: a message at or before the loaded last one was counted by that load (a sync that
    // replays the changes since a cursor taken just before the load brings such messages again).
    const known = (t && t.byId.has(m.id)) || (c && c.lastMessage && c.lastMessage.id >= m.id);
    if (t) {
      putMessage(t, m);
      emit("messages", { conversationId: m.conversationId, added: m });
    }
    if (!c || c.localOnly) {
      // A conversation the list does not know yet: the server has its peer or group.
      if (c) c.localOnly = false;
      emit("unknownConversation", m.conversationId);
      return;
    }
    setLast(c, m);
    // System messages (group changes, calls) never count as unread, as on the server.
    if (!mine && !m.system && !known && !(state.activeId === m.conversationId && document.visibilityState === "visible")) {
      c.unread += 1;
      if ((m.mentions || []).includes(state.me.id)) c.mentions = (c.mentions || 0) + 1;
    }
    emit("conversations");
  },

  messageUpdated(m) {
    const t = state.threads.get(m.conversationId);
    if (t && t.byId.has(m.id)) {
      putMessage(t, m);
      emit("messages", { conversationId: m.conversationId });
    }
    const c = state.conversations.get(m.conversationId);
    if (c && c.lastMessage && c.lastMessage.id === m.id && !isOlderCopy(m, c.lastMessage)) {
      c.lastMessage = m;
      emit("conversations");
    }
  },

  reactionsUpdated({ messageId, conversationId, reactions }) {
    const t = state.threads.get(conversationId);
    const current = t && t.byId.get(messageId);
    if (current && !current.deleted) {
      t.byId.set(messageId, { ...current, reactions });
      emit("messages", { conversationId });
    }
  },

  messageDeleted({ id, conversationId }) {
    const t = state.threads.get(conversationId);
    const current = t && t.byId.get(id);
    if (current) {
      t.byId.set(id, { ...current, deleted: true, content: "", attachments: [], reactions: [] });
      emit("messages", { conversationId });
    }
    const c = state.conversations.get(conversationId);
    if (c && c.lastMessage && c.lastMessage.id === id) {
      c.lastMessage = { ...c.lastMessage, deleted: true, content: "" };
      emit("conversations");
    }
  },

  messagesRead({ conversationId, readerId, upTo }) {
    const c = state.conversations.get(conversationId);
    if (readerId === state.me.id) {
      // Read on another of this user's devices.
      if (c && c.lastMessage && c.lastMessage.id <= upTo && c.unread) {
        c.unread = 0;
        c.mentions = 0;
        emit("conversations");
      }
      return;
    }
    // Kept, not just applied: the read can arrive before this page has the message itself (the answer to its
    // own send may come after the peer's read of it). Ids are ObjectIds, so they order like time.
    const t = ensureThread(conversationId);
    if ((t.readUpTo.get(readerId) || "") < upTo) t.readUpTo.set(readerId, upTo);
    emit("messages", { conversationId });
    if (c && c.lastMessage && c.lastMessage.id === upTo && c.type === "direct") {
      c.lastMessage = { ...c.lastMessage, isRead: true };
      emit("conversations");
    }
  },

  typing({ conversationId, userId }) {
    if (userId === state.me.id) return;
    let typing = state.typing.get(conversationId);
    if (!typing) state.typing.set(conversationId, (typing = new Map()));
    clearTimeout(typing.get(userId));
    typing.set(userId, setTimeout(() => stopTyping(conversationId, userId), TYPING_SHOW_MS));
    emit("typing", conversationId);
  },

  presence(p) {
    state.presence.set(p.userId, p);
    emit("presence");
  },

  // A profile changed (name, status, avatar), or this client looked one up: every place showing the user renders
  // again. Not the "me" topic for the caller's own: that one means a sign-in or sign-out to its listeners.
  userUpdated(u) {
    if (!u || !u.id) return;
    const { cursor, ...profile } = u;
    if (state.me && u.id === state.me.id) {
      state.me = { ...state.me, ...profile };
    } else {
      state.users.set(u.id, { ...(state.users.get(u.id) || {}), ...profile });
    }
    for (const c of state.conversations.values()) if (c.peer && c.peer.id === u.id) c.peer = { ...c.peer, ...profile };
    usersChanged(profile);
  },

  groupUpdated(group) {
    const id = groupConversationId(group.id);
    const c = state.conversations.get(id);
    if (!group.members.includes(state.me.id)) {
      // Removed, or left: the group is gone from this user's list.
      if (c) state.conversations.delete(id);
      state.threads.delete(id);
      if (state.activeId === id) setActive(null);
      emit("conversations");
      return;
    }
    if (c) {
      if (c.group && c.group.updatedAt && group.updatedAt && group.updatedAt < c.group.updatedAt) return;
      c.group = group;
    } else {
      state.conversations.set(id, groupSummary(group));
      // New here: the reload brings the members' presence too.
      emit("unknownConversation", id);
    }
    emit("conversations");
    if (state.activeId === id) emit("active", id);
  },
};

function stopTyping(conversationId, userId) {
  const typing = state.typing.get(conversationId);
  if (!typing || !typing.has(userId)) return;
  clearTimeout(typing.get(userId));
  typing.delete(userId);
  if (!typing.size) state.typing.delete(conversationId);
  emit("typing", conversationId);
}

const scopeOf = (type, data) => data.conversationId || (type === "groupUpdated" && data.id ? groupConversationId(data.id) : "*");

function appliedSet(scope) {
  if (!state.applied.has(scope)) state.applied.set(scope, new Set());
  return state.applied.get(scope);
}

// Feature modules that see an event or sync change before the store (threads, "seen by", pins): see tap().
const taps = new Map();

/**
 * `fn(data)` runs for every applied event of `type`, before the store's own handler; it returns true to take
 * the event for itself (a thread reply kept out of the conversation), anything else to let the store apply it.
 */
export function tap(type, fn) {
  if (!taps.has(type)) taps.set(type, new Set());
  taps.get(type).add(fn);
}

/**
 * A live event or a sync change. Returns false when it was skipped: already applied (same cursor), of a type
 * this client does not know, or arriving with nobody signed in.
 */
export function apply(type, data) {
  const handler = handlers[type];
  if (!handler || !data || !state.me) return false;
  if (data.cursor !== undefined && data.cursor !== null) {
    const applied = appliedSet(scopeOf(type, data));
    const cursor = String(data.cursor);
    if (applied.has(cursor)) return false;
    applied.add(cursor);
    if (applied.size > APPLIED_KEPT) applied.delete(applied.values().next().value);
  }
  let taken = false;
  for (const fn of taps.get(type) || []) taken = fn(data) === true || taken;
  if (!taken) handler(data);
  return true;
}
