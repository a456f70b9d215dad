// Replies and reactions on a message: the quoted original (click to jump to it) and the reaction counts with
// a small picker. Answers of the reaction routes are whole Messages and go through the store like an update.
import { api } from "../api.js";
import { loadHistory } from "../actions.js";
import { el } from "../dom.js";
import * as store from "../state.js";

const PICKER = ["👍", "❤️", "😂", "🎉", "😮", "😢"];

const HISTORY_PAGES_TO_SEARCH = 20;

/**
 * Scrolls the open conversation to a message and marks it briefly, loading older pages until it is there or
 * the history ends. Resolves true when it was found.
 */
export async function showMessage(conversationId, id) {
  for (let page = 0; page <= HISTORY_PAGES_TO_SEARCH; page += 1) {
    if (store.activeId() !== conversationId) return false;
    const target = document.querySelector(`#messages [data-message-id="${CSS.escape(id)}"]`);
    if (target) {
      target.scrollIntoView({ block: "center" });
      for (const old of document.querySelectorAll("#messages .highlighted")) old.classList.remove("highlighted");
      target.classList.add("highlighted");
      target.setAttribute("data-highlighted", "true");
      return true;
    }
    const t = store.thread(conversationId);
    if (t && t.nextBefore === null) return false;
    await loadHistory(conversationId, { older: !!(t && t.nextBefore) });
  }
  return false;
}

export function messageReplyQuote(message) {
  const replyTo = message.replyTo;
  if (!replyTo) return null;
  const text = replyTo.deleted ? "Message deleted" : replyTo.preview;
  return el("button", {
    className: "reply-quote link",
    attrs: { type: "button", "data-testid": "reply-quote", "aria-label": "Show the message this answers" },
    on: { click: () => showMessage(message.conversationId || store.activeId(), replyTo.id) },
  }, [el("span", { className: "sender", text: store.userName(replyTo.senderId) }), el("span", { text: ` ${text}` })]);
}

async function toggle(message, emoji, mine) {
  const path = `messages/${encodeURIComponent(message.id)}/reactions`;
  try {
    const answer = mine ? await api("DELETE", `${path}/${encodeURIComponent(emoji)}`) : await api("PUT", path, { emoji });
    if (answer) store.apply("messageUpdated", answer);
  } catch {
    // A refused reaction (deleted message, 20 emoji) changes nothing shown; reactionsUpdated keeps the counts true.
  }
}

export function messageReactions(message) {
  if (!message.id || message.deleted) return null;
  const me = store.me().id;
  const reactions = message.reactions || [];
  const shown = reactions.map((r) => {
    const mine = r.userIds.includes(me);
    return el("button", {
      className: `reaction${mine ? " mine" : ""}`,
      text: `${r.emoji} ${r.count}`,
      attrs: { type: "button", title: r.userIds.map(store.userName).join(", "), "aria-pressed": String(mine), "data-testid": "reaction" },
      on: { click: () => toggle(message, r.emoji, mine) },
    });
  });
  return shown.length ? el("div", { className: "reactions" }, shown) : null;
}

/**
 * One "Add reaction" button per message that opens the emoji picker (Esc or a pick closes it), instead of six
 * emoji under every message: one tab stop, and nothing to read past.
 */
export function messageReactionButton(message) {
  if (!message.id || message.deleted) return null;
  const reactions = message.reactions || [];
  const me = store.me().id;
  const menu = el("div", { className: "reaction-menu", attrs: { role: "group", "aria-label": "Reactions", hidden: true } });
  const button = el("button", {
    className: "link reaction-add", text: "React",
    attrs: { type: "button", "aria-label": "Add reaction", "aria-expanded": "false", "aria-haspopup": "true" },
  });
  const close = (focusButton) => {
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (focusButton) button.focus();
  };
  menu.replaceChildren(...PICKER.map((emoji) => {
    const mine = reactions.some((r) => r.emoji === emoji && r.userIds.includes(me));
    return el("button", {
      className: `reaction-pick${mine ? " mine" : ""}`, text: emoji,
      attrs: { type: "button", "aria-label": `React with ${emoji}`, "aria-pressed": String(mine) },
      on: { click: () => { close(true); toggle(message, emoji, mine); } },
    });
  }));
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close(true);
    }
  });
  menu.addEventListener("focusout", (event) => {
    if (!menu.contains(event.relatedTarget) && event.relatedTarget !== button) close(false);
  });
  button.addEventListener("click", () => {
    const opening = menu.hidden;
    menu.hidden = !opening;
    button.setAttribute("aria-expanded", String(opening));
    if (opening) menu.querySelector("button").focus();
  });
  return el("span", { className: "reaction-add-wrap" }, [button, menu]);
}
