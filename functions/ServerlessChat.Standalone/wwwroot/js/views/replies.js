// Answering a message: the Reply button on a message, and the quoted preview above the composer until the
// answer is sent (its id goes out as replyToId) or the reply is cancelled.
import { $, el } from "../dom.js";
import * as store from "../state.js";

let replyingTo = null;

function render() {
  const box = $("reply-preview");
  box.hidden = !replyingTo;
  if (!replyingTo) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(
    el("span", { className: "reply-label", text: `Replying to ${store.userName(replyingTo.senderId)}: ` }),
    el("span", { className: "reply-text", text: replyingTo.content }),
    el("button", { className: "link", text: "Cancel", attrs: { type: "button", "aria-label": "Cancel the reply" }, on: { click: cancelReply } }),
  );
}

export function startReply(message) {
  replyingTo = message;
  render();
  $("message-input").focus();
}

export function cancelReply() {
  replyingTo = null;
  render();
}

/** The message being answered, as the send needs it; the preview goes away. */
export function takeReply() {
  const taken = replyingTo;
  cancelReply();
  return taken && { id: taken.id, senderId: taken.senderId, preview: taken.content.slice(0, 120), deleted: false };
}

export function messageReplyButton(message) {
  if (!message.id || message.deleted) return null;
  return el("button", {
    className: "link reply-button", text: "Reply",
    attrs: { type: "button", "aria-label": "Reply to this message" },
    on: { click: () => startReply(message) },
  });
}

export function mountReplies() {
  // Another conversation: a reply cannot cross into it.
  store.subscribe("active", cancelReply);
}
