// Reporting a message or a user (POST /api/reports): a "Report" action on others' messages and beside the name
// in a direct conversation, then a dialog with the reasons and an optional note. The reported person is never
// told who reported them.
import { ApiError } from "../api.js";
import { $, el, showText } from "../dom.js";
import * as store from "../state.js";
import { report, REPORT_REASONS } from "../accountApi.js";
import { openDialog } from "./dialogs.js";

const LABELS = {
  spam: "Spam",
  harassment: "Harassment or bullying",
  hate: "Hate speech",
  sexual: "Sexual content",
  violence: "Violence or threats",
  "self-harm": "Self-harm",
  other: "Something else",
};

let dialog = null;
let target = null;

function build() {
  const reasons = el("fieldset", { className: "reasons" }, [
    el("legend", { text: "Reason" }),
    ...REPORT_REASONS.map((reason) =>
      el("label", { className: "choice" }, [el("input", { attrs: { type: "radio", name: "reason", value: reason, required: true } }), LABELS[reason]])),
  ]);
  const form = el("form", { className: "dialog-form", attrs: { novalidate: true } }, [
    el("h2", { attrs: { id: "report-title" } }),
    el("p", { className: "form-hint", text: "Moderators will review it. The person you report is not told who reported them." }),
    reasons,
    el("label", {}, ["Note (optional)", el("textarea", { attrs: { name: "note", rows: "3", maxlength: "500" } })]),
    el("p", { className: "form-error", attrs: { role: "alert", hidden: true } }),
    el("div", { className: "dialog-buttons" }, [
      el("button", { className: "secondary", text: "Cancel", attrs: { type: "button" }, on: { click: () => dialog.close() } }),
      el("button", { text: "Send report", attrs: { type: "submit" } }),
    ]),
  ]);
  form.addEventListener("submit", submit);
  dialog = el("dialog", { attrs: { id: "report-dialog", "aria-labelledby": "report-title" } }, [form]);
  document.body.append(dialog);
}

async function submit(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const error = form.querySelector(".form-error");
  const reason = form.elements.reason.value;
  if (!reason) {
    showText(error, "Pick a reason.");
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await report(target, reason, form.elements.note.value.trim());
    dialog.close();
    showText($("notice"), "Thank you. Your report was sent to the moderators.");
  } catch (failure) {
    showText(error, failure instanceof ApiError ? failure.message : "The server cannot be reached. Try again.");
  } finally {
    button.disabled = false;
  }
}

/** Opens the dialog for `{messageId}` or `{userId}`, titled with what is reported. */
export function openReport(what, title) {
  if (!dialog) build();
  target = what;
  const form = dialog.querySelector("form");
  form.reset();
  showText(form.querySelector(".form-error"), "");
  dialog.querySelector("#report-title").textContent = title;
  openDialog(dialog, form.querySelector("input[name=reason]"));
}

/** The "Report" action on a message someone else sent. */
export const messageReportButton = (message) =>
  el("button", {
    className: "link",
    text: "Report",
    attrs: { type: "button", "aria-label": "Report message" },
    on: { click: () => openReport({ messageId: message.id }, "Report message") },
  });

function renderUserButton() {
  const c = store.activeConversation();
  const button = $("report-user-button");
  const peer = c && c.type === "direct" && !c.localOnly ? c.peer : null;
  button.hidden = !peer;
  if (peer) button.setAttribute("aria-label", `Report ${store.nameOf(peer)}`);
}

export function mountReports() {
  // A flag, named by its label: the header's row is full on a phone.
  const button = el("button", { className: "secondary small", text: "⚑", attrs: { id: "report-user-button", type: "button", title: "Report", hidden: true } });
  button.addEventListener("click", () => {
    const c = store.activeConversation();
    if (c && c.peer) openReport({ userId: c.peer.id }, `Report ${store.nameOf(c.peer)}`);
  });
  $("block-button").after(button);
  store.subscribe("active", renderUserButton);
  store.subscribe("conversations", renderUserButton);
}
