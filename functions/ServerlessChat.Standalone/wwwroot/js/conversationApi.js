// The API calls of threads, pins, edit history, group administration, invites and read markers, each a thin
// wrapper over api.js's request helper. Answers that are Messages or Groups go through the store by the caller.
import { api } from "./api.js";
import { randomId } from "./dom.js";

const enc = encodeURIComponent;

// ---- threads -------------------------------------------------------------------------------------------------

/** A page of a thread, oldest first: `{items, nextAfter}`. */
export const threadPage = (rootId, after) =>
  api("GET", `messages/${enc(rootId)}/thread?limit=50${after ? `&after=${enc(after)}` : ""}`);

/** The caller's threads, latest reply first: `{items: [{root, unread, lastReplyAt}], nextBefore}`. */
export const myThreads = (before) => api("GET", `threads?limit=50${before ? `&before=${enc(before)}` : ""}`);

/** A reply in a thread; `target` is `{receiverId}` or `{groupId}`. */
export const sendThreadReply = (target, rootId, content, alsoInConversation) =>
  api("POST", "messages", { ...target, content, threadId: rootId, alsoInConversation: !!alsoInConversation, clientMessageId: randomId() });

/** Marks a thread read up to a reply (or its root): `{conversationId, upTo, unread, threadId}`. */
export const markThreadRead = (target, rootId, upTo) => {
  const where = target.groupId ? { groupId: target.groupId } : { with: target.receiverId };
  return api("POST", "messages/read", { ...where, threadId: rootId, upTo });
};

// ---- pins and edits ------------------------------------------------------------------------------------------

export const pin = (messageId) => api("PUT", `messages/${enc(messageId)}/pin`);
export const unpin = (messageId) => api("DELETE", `messages/${enc(messageId)}/pin`);
export const pins = (conversationId) => api("GET", `conversations/${enc(conversationId)}/pins`);
export const edits = (messageId) => api("GET", `messages/${enc(messageId)}/edits`);

// ---- groups ----------------------------------------------------------------------------------------------------

/** `changes`: any of `{name, description, frozen}`. */
export const updateGroup = (groupId, changes) => api("PATCH", `groups/${enc(groupId)}`, changes);
export const makeAdmin = (groupId, userId) => api("PUT", `groups/${enc(groupId)}/admins/${enc(userId)}`);
export const removeAdmin = (groupId, userId) => api("DELETE", `groups/${enc(groupId)}/admins/${enc(userId)}`);
/** `until`: an ISO time, or null for "until unmuted". */
export const muteMember = (groupId, userId, until) =>
  api("PUT", `groups/${enc(groupId)}/muted-members/${enc(userId)}`, until ? { until } : {});
export const unmuteMember = (groupId, userId) => api("DELETE", `groups/${enc(groupId)}/muted-members/${enc(userId)}`);

export const readMarkers = (conversationId) => api("GET", `conversations/${enc(conversationId)}/read-markers`);

// ---- invites ---------------------------------------------------------------------------------------------------

/** `{expiresAt?, maxUses?}` → `{token, expiresAt, maxUses, uses}`. */
export const createInvite = (groupId, options) => api("POST", `groups/${enc(groupId)}/invites`, options);
export const invites = (groupId) => api("GET", `groups/${enc(groupId)}/invites`);
export const revokeInvite = (groupId, token) => api("DELETE", `groups/${enc(groupId)}/invites/${enc(token)}`);
/** `{groupId, name, memberCount}`; 404 for a token that leads nowhere any more. */
export const invitePreview = (token) => api("GET", `invites/${enc(token)}`);
export const joinByInvite = (token) => api("POST", `invites/${enc(token)}/join`);
