// System messages (senderId "system"): group changes and call records, shown as centred notices in the
// conversation and as plain text in the list. Names come from the store, so they follow renames.
import { el, time } from "../dom.js";
import * as store from "../state.js";

export const isNotice = (message) => !!(message && message.system);

function who(id) {
  if (!id) return "The app";
  return id === store.me().id ? "You" : store.userName(id);
}

function names(ids) {
  const list = (ids || []).map((id) => (id === store.me().id ? "you" : store.userName(id)));
  if (list.length <= 2) return list.join(" and ");
  return `${list.slice(0, 2).join(", ")} and ${list.length - 2} more`;
}

/** "2:13", "1:02:03". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** The sentence a notice reads as; the server's content for a type this client does not know. */
export function noticeText(message) {
  const s = message.system;
  const actor = who(s.actorId);
  switch (s.type) {
    case "created": return `${actor} created the group "${s.name}"`;
    case "renamed": return `${actor} renamed the group to "${s.name}"`;
    case "membersAdded":
      return s.userIds && s.userIds.length === 1 && s.userIds[0] === s.actorId ? `${actor} joined` : `${actor} added ${names(s.userIds)}`;
    case "membersRemoved": return `${actor} removed ${names(s.userIds)}`;
    case "left": return `${actor} left`;
    case "frozen": return `${actor} froze the group: only admins can send`;
    case "unfrozen": return `${actor} unfroze the group`;
    case "call":
      if (s.outcome === "missed") return s.actorId === store.me().id ? "Call not answered" : "Missed call";
      if (s.outcome === "declined") return "Call declined";
      return `Call ended · ${duration(s.durationSeconds)}`;
    default: return message.content || "";
  }
}

/** The conversation list's preview of a notice. */
export const noticePreview = (message) => (message.deleted ? "Message deleted" : noticeText(message));

/** A notice in the conversation: a centred line with its time; a deleted one (an admin's) reads as such. */
export function renderNotice(message) {
  const call = message.system.type === "call";
  return el("li", {
    className: `system-notice${call ? " call" : ""}${call && message.system.outcome !== "ended" ? " missed" : ""}`,
    attrs: { "data-message-id": message.id, "data-testid": "notice", "data-notice-type": message.system.type, tabindex: "-1" },
  }, [
    el("span", { className: "notice-text", text: message.deleted ? "Message deleted" : noticeText(message) }),
    el("time", { text: time(message.createdAt), attrs: { datetime: message.createdAt } }),
  ]);
}
