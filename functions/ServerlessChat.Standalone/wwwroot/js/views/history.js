// Edit history: a message's "edited" mark is a button that opens its earlier versions (GET
// /api/messages/{id}/edits, oldest first) above the text it has now.
import { ApiError } from "../api.js";
import * as chat from "../conversationApi.js";
import { el } from "../dom.js";
import { openDialog } from "./dialogs.js";

let dialog = null;

const when = (iso) => new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });

function ensureDialog() {
  if (dialog) return dialog;
  dialog = el("dialog", { attrs: { id: "history-dialog", "aria-labelledby": "history-title" } }, [
    el("div", { className: "dialog-form" }, [
      el("h2", { text: "Edit history", attrs: { id: "history-title" } }),
      el("ol", { className: "list history-list", attrs: { "aria-label": "Versions, oldest first", "data-testid": "history-list" } }),
      el("p", { className: "form-error", attrs: { role: "alert", hidden: true } }),
      el("div", { className: "dialog-buttons" }, [
        el("button", { className: "secondary", text: "Close", attrs: { type: "button" }, on: { click: () => dialog.close() } }),
      ]),
    ]),
  ]);
  document.body.append(dialog);
  return dialog;
}

const version = (content, label, time) =>
  el("li", { className: "history-item", attrs: { "data-testid": "history-version" } }, [
    el("span", { className: "history-when", text: `${label} · ${when(time)}` }),
    el("div", { className: "history-text", text: content }),
  ]);

export async function showHistory(message) {
  const d = ensureDialog();
  const list = d.querySelector(".history-list");
  const error = d.querySelector(".form-error");
  list.replaceChildren(el("li", { className: "muted", text: "Loading…" }));
  error.hidden = true;
  openDialog(d, d.querySelector("button"));
  try {
    const { items } = await chat.edits(message.id);
    list.replaceChildren(
      // Each version's time is when it was written (the first: when the message was sent).
      ...items.map((item, i) => version(item.content, i === 0 ? "Original" : "Edited", item.editedAt)),
      version(message.content, "Now", message.editedAt),
    );
  } catch (failure) {
    list.replaceChildren();
    error.textContent = failure instanceof ApiError ? failure.message : "The server cannot be reached. Try again.";
    error.hidden = false;
  }
}

/** The "edited" mark of a message: opens its history. */
export function editedMark(message) {
  return el("button", {
    className: "link edited", text: "edited",
    attrs: { type: "button", "data-testid": "edited", "aria-label": "Edited: show the edit history" },
    on: { click: () => showHistory(message) },
  });
}
