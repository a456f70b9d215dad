// The open conversation: its header, "load older", and the message list. A message is rendered by small
// functions (sender, body, meta, status, actions) so features can add their part beside them.
import { $, el, time } from "../dom.js";
import * as store from "../state.js";
import { typingText } from "./conversations.js";
import { groupDot, presenceDot } from "./presence.js";
import { messageReactionButton, messageReactions, messageReplyQuote } from "./reactions.js";
import { messageAttachments } from "./attachments.js";
import { contentNodes } from "./mentions.js";
import { messageReplyButton } from "./replies.js";
import { editedMark } from "./history.js";
import { userAvatar } from "./avatar.js";
import { messageReportButton } from "./report.js";
import { isNotice, renderNotice } from "./notices.js";

let handlers = { onOlder: () => {}, onRetry: () => {}, onEdit: () => {}, onDelete: () => {} };

// What feature modules add to every message (threads, pins, link previews, voice): `render(message, c, options)`
// returns a node or null. Slots: "after" (below the body), "meta" (beside the time), "actions" (the action row).
const parts = { after: [], meta: [], actions: [] };

export function addMessagePart(slot, render) {
  parts[slot].push(render);
}

const partsOf = (slot, message, c, options) => parts[slot].map((render) => render(message, c, options));

export function messageSender(message, c) {
  if (c.type !== "group" || message.senderId === store.me().id) return null;
  return el("span", { className: "sender" }, [userAvatar(message.senderId, { small: true }), store.userName(message.senderId)]);
}

export function messageBody(message) {
  if (message.deleted) return el("div", { className: "content", text: "Message deleted" });
  if (!message.content) return null;
  return el("div", { className: "content" }, contentNodes(message));
}

export function messageStatus(message, c) {
  if (message.senderId !== store.me().id) return null;
  if (message.status === "failed") {
    return el("span", { className: "status failed" }, [
      el("span", { text: `Not sent: ${message.error} ` }),
      el("button", { className: "link", text: "Retry", attrs: { type: "button" }, on: { click: () => handlers.onRetry(message) } }),
    ]);
  }
  if (message.status === "sending") {
    // Offline: it waits in the SDK's outbox and goes out by itself after the reconnect.
    const waiting = store.connectionState() !== "connected";
    return el("span", {
      className: `status ${waiting ? "pending" : "sending"}`,
      text: waiting ? "pending" : "sending…",
      attrs: { "data-testid": "message-status", title: waiting ? "Sent automatically when the connection is back" : undefined },
    });
  }
  const { read, readers } = store.readState(c.conversationId, message);
  const label = read ? "read" : c.type === "group" && readers.length ? `read by ${readers.length}` : "sent";
  const title = c.type === "group" && readers.length ? `Read by ${readers.map(store.userName).join(", ")}` : undefined;
  return el("span", { className: `status ${read ? "read" : "sent"}`, text: label, attrs: { "data-testid": "message-status", title } });
}

export function messageMeta(message, c, options = {}) {
  return el("div", { className: "meta" }, [
    ...partsOf("meta", message, c, options),
    el("time", { text: time(message.createdAt), attrs: { datetime: message.createdAt } }),
    message.editedAt && !message.deleted ? editedMark(message) : null,
    messageStatus(message, c),
  ]);
}

/**
 * React and reply on any stored message; edit and delete for one's own. Shown on hover, focus or a tap.
 * `inThread`: in the thread panel, where a quoted reply has no composer to go to.
 */
export function messageActions(message, c, options = {}) {
  if (!message.id || message.deleted) return null;
  const reply = options.inThread ? null : messageReplyButton(message);
  const extra = c ? partsOf("actions", message, c, options) : [];
  if (message.senderId !== store.me().id) return el("div", { className: "message-actions" }, [messageReactionButton(message), reply, messageReportButton(message), ...extra]);
  return el("div", { className: "message-actions" }, [
    messageReactionButton(message),
    reply,
    ...extra,
    el("button", { className: "link", text: "Edit", attrs: { type: "button", "aria-label": "Edit message" }, on: { click: () => handlers.onEdit(message) } }),
    el("button", { className: "link", text: "Delete", attrs: { type: "button", "aria-label": "Delete message" }, on: { click: () => handlers.onDelete(message) } }),
  ]);
}

/** `options.inThread`: a message of the thread panel (its own test id, no quoted reply). */
export function renderMessage(message, c, options = {}) {
  if (isNotice(message)) return renderNotice(message);
  const mine = message.senderId === store.me().id;
  return el("li", {
    className: `message ${mine ? "mine" : "theirs"}${message.deleted ? " deleted" : ""}`,
    attrs: { "data-message-id": message.id || false, "data-testid": options.inThread ? "thread-message" : "message", tabindex: "-1" },
  }, [
    messageSender(message, c), messageReplyQuote(message), messageBody(message, c), messageAttachments(message),
    ...partsOf("after", message, c, options), messageMeta(message, c, options), messageReactions(message), messageActions(message, c, options),
  ]);
}

function renderHeader() {
  const c = store.activeConversation();
  if (!c) return;
  $("conversation-title").textContent = store.conversationTitle(c);
  const dot = c.type === "direct" ? presenceDot(c.peer.id, { id: "peer-presence" }) : groupDot({ id: "peer-presence" });
  $("peer-presence").replaceWith(dot);
  $("members-button").hidden = c.type !== "group";
  if (c.type === "group") {
    // The caller counts as online while connected: three members all online read "3 online", not 2.
    const online = store.othersIn(c).filter(store.isOnline).length + (store.connectionState() === "connected" ? 1 : 0);
    $("members-button").textContent = `${c.group.members.length} members${online ? `, ${online} online` : ""}`;
  }
  for (const button of [$("call-audio-button"), $("call-video-button")]) button.hidden = c.type !== "direct" || !!c.localOnly;
  renderTyping();
}

function renderTyping() {
  const id = store.activeId();
  $("typing-indicator").textContent = id ? typingText(id) : "";
}

function renderMessages({ older = false } = {}) {
  const list = $("messages");
  const c = store.activeConversation();
  if (!c) return;
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const fromBottom = list.scrollHeight - list.scrollTop;
  const items = store.orderedMessages(c.conversationId);
  list.replaceChildren(...items.map((m) => renderMessage(m, c)));
  const t = store.thread(c.conversationId);
  $("older-button").hidden = !(t && t.nextBefore);
  if (older) list.scrollTop = list.scrollHeight - fromBottom;
  else if (atBottom || (items.length && items[items.length - 1].senderId === store.me().id)) list.scrollTop = list.scrollHeight;
}

/** Renders the open conversation's messages again (a feature's own state changed, e.g. a thread's unread count). */
export function refreshMessages() {
  if (store.activeId()) renderMessages();
}

function showActive(id) {
  const c = id && store.conversation(id);
  $("no-selection").hidden = !!c;
  $("conversation-pane").hidden = !c;
  document.querySelector(".chat").dataset.view = c ? "conversation" : "list";
  if (!c) {
    $("messages").replaceChildren();
    return;
  }
  renderHeader();
  renderMessages();
}

export function mountMessages(options) {
  handlers = { ...handlers, ...options };
  let shown = null;
  store.subscribe("active", (id) => {
    if (id !== shown) $("messages").replaceChildren();
    shown = id;
    showActive(id);
  });
  store.subscribe("messages", ({ conversationId, older }) => {
    if (conversationId === store.activeId()) renderMessages({ older });
  });
  store.subscribe("presence", renderHeader);
  store.subscribe("connection", () => {
    renderHeader();
    renderMessages();
  });
  store.subscribe("conversations", renderHeader);
  store.subscribe("typing", renderTyping);
  $("older-button").addEventListener("click", () => handlers.onOlder());
}
