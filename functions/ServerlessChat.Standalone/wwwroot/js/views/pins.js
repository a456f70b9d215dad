// Pins: Pin and Unpin on a message for those who may (either side of a direct conversation, admins in a group),
// a pin mark on pinned messages, and the "Pinned" list of the open conversation (latest pin first) whose entries
// jump to their message. Answers and messageUpdated events keep the marks and the open list current.
import { ApiError } from "../api.js";
import * as chat from "../conversationApi.js";
import { $, el, time } from "../dom.js";
import * as store from "../state.js";
import { openDialog } from "./dialogs.js";
import { addMessagePart } from "./messages.js";
import { showMessage } from "./reactions.js";

let dialog = null;
let shownFor = null;
let reloadTimer = null;

const problemText = (error) => (error instanceof ApiError ? error.message : "The server cannot be reached. Try again.");

/** Whether the caller may pin in this conversation: either side of a direct one, admins of a group. */
export const canPin = (c) => !!c && !c.localOnly && (c.type === "direct" || store.isAdmin(c));

function report(text) {
  const notice = $("notice");
  notice.textContent = text;
  notice.hidden = false;
}

async function toggle(message) {
  try {
    const answer = message.pinnedAt ? await chat.unpin(message.id) : await chat.pin(message.id);
    if (answer) store.apply("messageUpdated", answer);
    scheduleReload();
  } catch (error) {
    report(problemText(error));
  }
}

function pinAction(message, c) {
  if (!message.id || message.deleted || message.senderId === "system" || !canPin(c)) return null;
  const pinned = !!message.pinnedAt;
  return el("button", {
    className: "link", text: pinned ? "Unpin" : "Pin",
    attrs: { type: "button", "aria-label": pinned ? "Unpin message" : "Pin message" },
    on: { click: () => toggle(message) },
  });
}

function pinMark(message) {
  if (!message.pinnedAt || message.deleted) return null;
  const by = message.pinnedBy ? ` by ${store.userName(message.pinnedBy)}` : "";
  return el("span", { className: "pin-mark", text: "pinned", attrs: { "data-testid": "pinned-mark", title: `Pinned${by}`, "aria-label": `Pinned${by}` } });
}

function ensureDialog() {
  if (dialog) return dialog;
  dialog = el("dialog", { attrs: { id: "pins-dialog", "aria-labelledby": "pins-title" } }, [
    el("div", { className: "dialog-form" }, [
      el("h2", { text: "Pinned messages", attrs: { id: "pins-title" } }),
      el("ul", { className: "list pin-list", attrs: { "aria-label": "Pinned messages, latest pin first" } }),
      el("p", { className: "muted pin-empty", text: "Nothing is pinned here yet.", attrs: { hidden: true } }),
      el("p", { className: "form-error", attrs: { role: "alert", hidden: true } }),
      el("div", { className: "dialog-buttons" }, [
        el("button", { className: "secondary dialog-close", text: "Close", attrs: { type: "button" }, on: { click: () => dialog.close() } }),
      ]),
    ]),
  ]);
  dialog.addEventListener("close", () => {
    shownFor = null;
  });
  document.body.append(dialog);
  return dialog;
}

async function jump(conversationId, id) {
  // After the dialog has given the focus back to the button that opened it: then the message takes it.
  const closed = new Promise((resolve) => dialog.addEventListener("close", resolve, { once: true }));
  dialog.close();
  await closed;
  if (await showMessage(conversationId, id)) {
    const target = document.querySelector(`#messages [data-message-id="${CSS.escape(id)}"]`);
    if (target) target.focus();
  }
}

async function renderList() {
  const c = shownFor && store.conversation(shownFor);
  if (!c || !dialog.open) return;
  const error = dialog.querySelector(".form-error");
  try {
    const { items } = await chat.pins(c.conversationId);
    if (shownFor !== c.conversationId) return;
    error.hidden = true;
    dialog.querySelector(".pin-empty").hidden = items.length > 0;
    dialog.querySelector(".pin-list").replaceChildren(...items.map((m) =>
      el("li", { className: "pin-item", attrs: { "data-testid": "pin-item" } }, [
        el("div", { className: "pin-text" }, [
          el("span", { className: "sender", text: store.userName(m.senderId) }),
          el("span", { className: "muted", text: ` · pinned ${time(m.pinnedAt)}${m.pinnedBy ? ` by ${store.userName(m.pinnedBy)}` : ""}` }),
          el("div", { className: "pin-content", text: m.content || (m.attachments && m.attachments.length ? "📎 Attachment" : "") }),
        ]),
        el("div", { className: "pin-buttons" }, [
          el("button", { className: "secondary small", text: "Jump", attrs: { type: "button", "aria-label": "Jump to the message" }, on: { click: () => jump(c.conversationId, m.id) } }),
          canPin(c) ? el("button", { className: "secondary small", text: "Unpin", attrs: { type: "button", "aria-label": "Unpin message" }, on: { click: () => toggle(m) } }) : null,
        ]),
      ])));
  } catch (failure) {
    error.textContent = problemText(failure);
    error.hidden = false;
  }
}

function scheduleReload() {
  if (!shownFor) return;
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(renderList, 150);
}

export function mountPins() {
  const button = el("button", {
    text: "Pinned", className: "secondary small",
    attrs: { type: "button", id: "pins-button", "aria-haspopup": "dialog", hidden: true },
    on: { click: () => {
      const c = store.activeConversation();
      if (!c) return;
      const d = ensureDialog();
      shownFor = c.conversationId;
      d.querySelector(".pin-list").replaceChildren();
      openDialog(d, d.querySelector(".dialog-close"));
      renderList();
    } },
  });
  $("members-button").before(button);
  const renderButton = () => {
    const c = store.activeConversation();
    button.hidden = !c || !!c.localOnly;
  };
  store.subscribe("active", renderButton);
  store.subscribe("conversations", renderButton);
  addMessagePart("actions", pinAction);
  addMessagePart("meta", pinMark);
  store.tap("messageUpdated", (m) => {
    if (m && m.conversationId === shownFor) scheduleReload();
    return false;
  });
}
