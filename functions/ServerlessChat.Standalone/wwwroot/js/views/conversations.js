// The conversation list: title, presence, last message or typing, unread count.
import { $, el } from "../dom.js";
import * as store from "../state.js";
import { presenceDot } from "./presence.js";
import { avatar, groupAvatar, userAvatar } from "./avatar.js";
import { mentionBadge } from "./mentions.js";
import { isNotice, noticePreview } from "./notices.js";


export function typingText(conversationId) {
  const names = store.typists(conversationId).map((id) => store.userName(id));
  if (!names.length) return "";
  return `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…`;
}

export function previewText(c) {
  const last = c.lastMessage;
  if (!last) return "No messages yet";
  if (isNotice(last)) return noticePreview(last);
  if (last.deleted) return "Message deleted";
  return `${last.senderId === store.me().id ? "You: " : ""}${last.content || attachmentsText(last.attachments || [])}`;
}

/** A message of files only, in the list: "📷 Photo", "📎 report.pdf", "📎 3 files". */
export function attachmentsText(attachments) {
  if (!attachments.length) return "";
  if (attachments.length > 1) return attachments.every((a) => /^image\//.test(a.contentType || "")) ? `📷 ${attachments.length} photos` : `📎 ${attachments.length} files`;
  return /^image\//.test(attachments[0].contentType || "") ? "📷 Photo" : `📎 ${attachments[0].fileName}`;
}

function renderItem(c, onSelect) {
  const typing = typingText(c.conversationId);
  const unread = c.unread > 0 ? el("span", { className: "badge", text: String(c.unread), attrs: { "aria-label": `${c.unread} unread` } }) : null;
  const button = el("button", {
    className: "conversation-item",
    attrs: { type: "button", "aria-current": store.activeId() === c.conversationId ? "true" : false },
    on: { click: () => onSelect(c.conversationId) },
  }, [
    c.type === "direct"
      ? el("span", { className: "avatar-wrap" }, [c.peer ? avatar({ ...c.peer, ...(store.user(c.peer.id) || {}) }) : userAvatar(null), presenceDot(c.peer && c.peer.id)])
      : el("span", { className: "avatar-wrap" }, [groupAvatar(c.group)]),
    el("span", { className: "conversation-text" }, [
      el("span", { className: "conversation-name", text: store.conversationTitle(c) }),
      el("span", { className: `conversation-preview${typing ? " typing" : ""}`, text: typing || previewText(c) }),
    ]),
    mentionBadge(c),
    unread,
  ]);
  return el("li", { attrs: { "data-conversation-id": c.conversationId, "data-testid": "conversation" } }, [button]);
}

export function mountConversationList({ onSelect }) {
  const render = () => {
    if (!store.me()) {
      $("conversations").replaceChildren();
      return;
    }
    const items = store.conversations();
    $("conversations").replaceChildren(...items.map((c) => renderItem(c, onSelect)));
    $("no-conversations").hidden = items.length > 0;
  };
  for (const topic of ["conversations", "presence", "typing"]) store.subscribe(topic, render);
}
