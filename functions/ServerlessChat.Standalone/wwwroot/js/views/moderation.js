// The moderation page, for moderators and admins (the caller's role from GET /api/users/me): the report queue
// (open or resolved) with each report's snapshot of what was reported, the actions that resolve it (dismiss,
// remove the message, suspend the user), and the audit log of every action.
import { ApiError } from "../api.js";
import { $, el, showText } from "../dom.js";
import * as store from "../state.js";
import * as account from "../accountApi.js";
import { confirmAction, openDialog } from "./dialogs.js";
import { knownUser } from "./profile.js";

const TABS = [
  ["open", "Open reports"],
  ["resolved", "Resolved"],
  ["audit", "Audit log"],
];
const ACTION_LABELS = { dismiss: "Dismissed", removeMessage: "Message removed", suspendUser: "User suspended" };

let dialog = null;
let tab = "open";
let nextBefore = null;

const isModerator = (me) => !!me && (me.role === "moderator" || me.role === "admin");
const when = (iso) => new Date(iso).toLocaleString();
const messageOf = (error) => (error instanceof ApiError ? error.message : "The server cannot be reached. Try again.");

function userLabel(id) {
  knownUser(id);
  return store.userName(id);
}

function snapshotNodes(report) {
  const { target } = report;
  const snapshot = target.snapshot || {};
  if (target.type === "message") {
    return [
      el("p", { className: "snapshot-head", text: `Message by ${snapshot.senderId ? userLabel(snapshot.senderId) : userLabel(target.userId)} · ${snapshot.createdAt ? when(snapshot.createdAt) : ""}` }),
      el("blockquote", { className: "snapshot", text: snapshot.content || "(no text)", attrs: { "data-testid": "report-snapshot" } }),
    ];
  }
  return [
    el("p", { className: "snapshot-head", text: "User" }),
    el("blockquote", { className: "snapshot", text: `${snapshot.displayName || ""} (@${snapshot.username || target.userId})`, attrs: { "data-testid": "report-snapshot" } }),
  ];
}

function resolveForm(report) {
  const note = el("input", { attrs: { name: "note", maxlength: "500", placeholder: "Note for the audit log (optional)", "aria-label": "Resolution note" } });
  const days = el("input", { attrs: { name: "days", type: "number", min: "1", max: "3650", value: "7", "aria-label": "Suspension days" } });
  const error = el("p", { className: "form-error", attrs: { role: "alert", hidden: true } });
  const act = async (action) => {
    if (action !== "dismiss") {
      const question = action === "removeMessage" ? "Remove this message for everyone?" : `Suspend ${userLabel(report.target.userId)} for ${days.value} days? Their sessions end at once.`;
      if (!(await confirmAction(question, action === "removeMessage" ? "Remove" : "Suspend"))) return;
    }
    try {
      await account.resolveReport(report.id, action, { note: note.value.trim(), days: action === "suspendUser" ? Number(days.value) : undefined });
      await load();
    } catch (failure) {
      showText(error, messageOf(failure));
    }
  };
  return el("div", { className: "report-actions" }, [
    note,
    el("button", { className: "secondary small", text: "Dismiss", attrs: { type: "button" }, on: { click: () => act("dismiss") } }),
    report.target.type === "message"
      ? el("button", { className: "danger small", text: "Remove message", attrs: { type: "button" }, on: { click: () => act("removeMessage") } })
      : null,
    el("label", { className: "inline" }, ["Days", days]),
    el("button", { className: "danger small", text: "Suspend user", attrs: { type: "button" }, on: { click: () => act("suspendUser") } }),
    error,
  ]);
}

function renderReport(report) {
  const resolution = report.resolution;
  return el("li", { className: "report", attrs: { "data-testid": "report", "data-report-id": report.id } }, [
    el("p", { className: "report-head" }, [
      el("strong", { text: report.reason }),
      ` · ${report.target.type} · reported ${report.count} time${report.count === 1 ? "" : "s"} · first ${when(report.createdAt)}`,
    ]),
    ...snapshotNodes(report),
    report.note ? el("p", { className: "report-note", text: `Reporter's note: ${report.note}` }) : null,
    resolution
      ? el("p", { className: "report-resolution", attrs: { "data-testid": "report-resolution" }, text: `${ACTION_LABELS[resolution.action] || resolution.action} by ${userLabel(resolution.actorId)} · ${when(resolution.at)}${resolution.note ? ` · ${resolution.note}` : ""}` })
      : resolveForm(report),
  ]);
}

function renderAudit(entry) {
  return el("li", { className: "audit-entry", attrs: { "data-testid": "audit-entry" } }, [
    el("time", { text: when(entry.at), attrs: { datetime: entry.at } }),
    ` ${userLabel(entry.actorId)} · ${entry.action} · ${entry.target.type} ${entry.target.id}${entry.note ? ` · ${entry.note}` : ""}`,
  ]);
}

async function load({ more = false } = {}) {
  const list = $("moderation-list");
  const error = $("moderation-error");
  showText(error, "");
  try {
    const page = tab === "audit" ? await account.listAudit(more ? nextBefore : undefined) : await account.listReports(tab, more ? nextBefore : undefined);
    const items = page.items.map(tab === "audit" ? renderAudit : renderReport);
    if (more) list.append(...items);
    else list.replaceChildren(...items);
    nextBefore = page.nextBefore;
    $("moderation-more").hidden = !nextBefore;
    $("moderation-empty").hidden = list.children.length > 0;
  } catch (failure) {
    showText(error, messageOf(failure));
  }
}

function selectTab(name) {
  tab = name;
  nextBefore = null;
  for (const button of dialog.querySelectorAll("[role=tab]")) button.setAttribute("aria-selected", String(button.dataset.tab === name));
  $("moderation-list").setAttribute("aria-label", TABS.find(([id]) => id === name)[1]);
  load();
}

function build() {
  dialog = el("dialog", { className: "moderation-dialog", attrs: { id: "moderation-dialog", "aria-labelledby": "moderation-title" } }, [
    el("div", { className: "dialog-form" }, [
      el("div", { className: "dialog-head" }, [
        el("h2", { text: "Moderation", attrs: { id: "moderation-title" } }),
        el("button", { className: "secondary small", text: "Refresh", attrs: { type: "button" }, on: { click: () => load() } }),
        el("button", { className: "secondary small", text: "Close", attrs: { type: "button" }, on: { click: () => dialog.close() } }),
      ]),
      el("div", { className: "tabs", attrs: { role: "tablist" } }, TABS.map(([id, label]) =>
        el("button", { className: "tab", text: label, attrs: { type: "button", role: "tab", "data-tab": id, "aria-selected": "false" }, on: { click: () => selectTab(id) } }))),
      el("p", { className: "form-error", attrs: { id: "moderation-error", role: "alert", hidden: true } }),
      el("ul", { className: "list moderation-list", attrs: { id: "moderation-list" } }),
      el("p", { className: "empty", text: "Nothing here.", attrs: { id: "moderation-empty", hidden: true } }),
      el("button", { className: "link", text: "Load more", attrs: { type: "button", id: "moderation-more", hidden: true }, on: { click: () => load({ more: true }) } }),
    ]),
  ]);
  document.body.append(dialog);
}

export function openModeration() {
  if (!isModerator(store.me())) return;
  if (!dialog) build();
  openDialog(dialog);
  selectTab("open");
}

/** Shows the Moderation button to moderators and admins only (the API answers 403 to anyone else anyway). */
export function renderModerationButton(me) {
  $("moderation-button").hidden = !isModerator(me);
}

export function mountModeration() {
  $("moderation-button").addEventListener("click", openModeration);
  store.subscribe("me", (me) => {
    renderModerationButton(me);
    if (!me && dialog && dialog.open) dialog.close();
  });
}
