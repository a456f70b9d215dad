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
import { isNotice, renderNotice } from "./notices.js";

let handlers = { onOlder: () => {}, onRetry: () => {}, onEdit: () => {}, onDelete: () => {} };

export function messageSender(message, c) {
  if (c.type !== "group" || message.senderId === store.me().id) return null;
  return el("span", { className: "sender", text: store.userName(message.senderId) });
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
  if (message.status === "sending") return el("span", { className: "status sending", text: "sending…", attrs: { "data-testid": "message-status" } });
  const { read, readers } = store.readState(c.conversationId, message);
  const label = read ? "read" : c.type === "group" && readers.length ? `read by ${readers.length}` : "sent";
  const title = c.type === "group" && readers.length ? `Read by ${readers.map(store.userName).join(", ")}` : undefined;
  return el("span", { className: `status ${read ? "read" : "sent"}`, text: label, attrs: { "data-testid": "message-status", title } });
}

export function messageMeta(message, c) {
  return el("div", { className: "meta" }, [
    el("time", { text: time(message.createdAt), attrs: { datetime: message.createdAt } }),
    message.editedAt && !message.deleted ? el("span", { className: "edited", text: "edited", attrs: { "data-testid": "edited" } }) : null,
    messageStatus(message, c),
  ]);
}

/** React and reply on any stored message; edit and delete for one's own. Shown on hover, focus or a tap. */
export function messageActions(message) {
  if (!message.id || message.deleted) return null;
  if (message.senderId !== store.me().id) return el("div", { className: "message-actions" }, [messageReactionButton(message), messageReplyButton(message)]);
  return el("div", { className: "message-actions" }, [
    messageReactionButton(message),
    messageReplyButton(message),
    el("button", { className: "link", text: "Edit", attrs: { type: "button", "aria-label": "Edit message" }, on: { click: () => handlers.onEdit(message) } }),
    el("button", { className: "link", text: "Delete", attrs: { type: "button", "aria-label": "Delete message" }, on: { click: () => handlers.onDelete(message) } }),
  ]);
}

export function renderMessage(message, c) {
  if (isNotice(message)) return renderNotice(message);
  const mine = message.senderId === store.me().id;
  return el("li", {
    className: `message ${mine ? "mine" : "theirs"}${message.deleted ? " deleted" : ""}`,
    attrs: { "data-message-id": message.id || false, "data-testid": "message", tabindex: "-1" },
  }, [messageSender(message, c), messageReplyQuote(message), messageBody(message, c), messageAttachments(message), messageMeta(message, c), messageReactions(message), messageActions(message, c)]);
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
  store.subscribe("connection", renderHeader);
  store.subscribe("conversations", renderHeader);
  store.subscribe("typing", renderTyping);
  $("older-button").addEventListener("click", () => handlers.onOlder());
}
