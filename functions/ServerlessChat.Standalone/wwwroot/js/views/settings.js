// The settings dialog: the profile (display name, status with an end, avatar), the sessions (sign one out, or
// every other), the password, the data export (requested, then a download link once ready) and deleting the
// account (with the password, after a clear warning).
import { ApiError } from "../api.js";
import { $, el, showText } from "../dom.js";
import * as store from "../state.js";
import * as account from "../accountApi.js";
import { confirmAction, openDialog } from "./dialogs.js";
import { avatar } from "./profile.js";

const EXPORT_KEY = "serverlesschat.export.";
const EXPORT_POLL_MS = 1500;
const CLEAR_AFTER = [
  ["", "Don't clear"],
  ["30", "30 minutes"],
  ["60", "1 hour"],
  ["240", "4 hours"],
  ["1440", "Today (24 hours)"],
  ["10080", "This week"],
];

let dialog = null;
let handlers = { onAccountDeleted: () => {} };
let exportTimer = null;
let pickedAvatar = null;
let removeAvatar = false;

const messageOf = (error) => (error instanceof ApiError ? error.message : "The server cannot be reached. Try again.");

function field(label, input) {
  return el("label", {}, [label, input]);
}

function section(id, title, children) {
  return el("section", { className: "settings-section", attrs: { "aria-labelledby": `${id}-title`, id } }, [el("h3", { text: title, attrs: { id: `${id}-title` } }), ...children]);
}

function feedback(kind) {
  return el("p", { className: kind === "error" ? "form-error" : "form-info", attrs: { role: kind === "error" ? "alert" : "status", hidden: true } });
}

function build() {
  const profile = el("form", { className: "settings-form", attrs: { id: "profile-form", novalidate: true } }, [
    el("div", { className: "avatar-row" }, [
      el("span", { attrs: { id: "settings-avatar" } }),
      field("Avatar", el("input", { attrs: { name: "avatar", type: "file", accept: "image/png,image/jpeg,image/gif,image/webp" } })),
      el("button", { className: "secondary small", text: "Remove avatar", attrs: { type: "button", id: "remove-avatar-button" } }),
    ]),
    el("p", { className: "form-hint", attrs: { id: "avatar-hint", role: "status", hidden: true } }),
    field("Display name", el("input", { attrs: { name: "displayName", maxlength: "64", autocomplete: "nickname" } })),
    el("div", { className: "status-row" }, [
      field("Status emoji", el("input", { className: "emoji-input", attrs: { name: "emoji", maxlength: "16", placeholder: "🌴" } })),
      field("Status", el("input", { attrs: { name: "statusText", maxlength: "100", placeholder: "What's happening?" } })),
      field("Clear status after", el("select", { attrs: { name: "clearAfter" } }, CLEAR_AFTER.map(([value, text]) => el("option", { text, attrs: { value } })))),
    ]),
    feedback("error"),
    feedback("info"),
    el("button", { text: "Save profile", attrs: { type: "submit" } }),
  ]);
  profile.addEventListener("submit", saveProfile);
  profile.elements.avatar.addEventListener("change", () => {
    pickedAvatar = profile.elements.avatar.files[0] || null;
    removeAvatar = false;
    renderAvatar();
  });
  profile.querySelector("#remove-avatar-button").addEventListener("click", () => {
    pickedAvatar = null;
    removeAvatar = true;
    profile.elements.avatar.value = "";
    renderAvatar();
  });

  const sessions = [
    el("ul", { className: "list sessions", attrs: { id: "sessions-list", "aria-label": "Signed-in sessions" } }),
    feedback("error"),
    el("button", { className: "secondary", text: "Sign out everywhere else", attrs: { type: "button", id: "end-other-sessions-button" }, on: { click: endOthers } }),
  ];

  const password = el("form", { className: "settings-form", attrs: { id: "password-form", novalidate: true } }, [
    field("Current password", el("input", { attrs: { name: "currentPassword", type: "password", autocomplete: "current-password" } })),
    field("New password", el("input", { attrs: { name: "newPassword", type: "password", autocomplete: "new-password", minlength: "8", maxlength: "128" } })),
    el("p", { className: "form-hint", text: "8 to 128 characters. Your other sessions will be signed out." }),
    feedback("error"),
    feedback("info"),
    el("button", { text: "Change password", attrs: { type: "submit" } }),
  ]);
  password.addEventListener("submit", savePassword);

  const data = [
    el("p", { className: "form-hint", text: "A ZIP with your account, every message you sent and the files you uploaded. One export a day; the link works for 15 minutes." }),
    el("p", { className: "form-info", attrs: { id: "export-status", role: "status", hidden: true } }),
    el("a", { className: "button", text: "Download your data (ZIP)", attrs: { id: "export-link", hidden: true, download: "", "data-testid": "export-link" } }),
    feedback("error"),
    el("button", { className: "secondary", text: "Request my data", attrs: { type: "button", id: "export-button" }, on: { click: startExport } }),
  ];

  const remove = el("form", { className: "settings-form", attrs: { id: "delete-form", novalidate: true } }, [
    el("p", { className: "warning", attrs: { id: "delete-warning" }, text: "Deleting your account is permanent. Your messages are deleted for everyone, you leave every group, your name and email are freed, and you cannot undo it. Request your data first if you want a copy." }),
    field("Password to confirm", el("input", { attrs: { name: "password", type: "password", autocomplete: "current-password", "aria-describedby": "delete-warning" } })),
    feedback("error"),
    el("button", { className: "danger", text: "Delete my account", attrs: { type: "submit" } }),
  ]);
  remove.addEventListener("submit", deleteAccount);

  dialog = el("dialog", { className: "settings-dialog", attrs: { id: "settings-dialog", "aria-labelledby": "settings-dialog-title" } }, [
    el("div", { className: "dialog-form" }, [
      el("div", { className: "dialog-head" }, [
        el("h2", { text: "Settings", attrs: { id: "settings-dialog-title" } }),
        el("button", { className: "secondary small", text: "Close", attrs: { type: "button" }, on: { click: () => dialog.close() } }),
      ]),
      section("settings-profile", "Profile", [profile]),
      section("settings-sessions", "Sessions", sessions),
      section("settings-password", "Password", [password]),
      section("settings-data", "Your data", data),
      section("settings-delete", "Delete account", [remove]),
    ]),
  ]);
  dialog.addEventListener("close", () => clearTimeout(exportTimer));
  document.body.append(dialog);
}

function renderAvatar() {
  const me = store.me();
  const shown = removeAvatar ? { ...me, avatarUrl: null } : me;
  // The picked file is named, not previewed: the page's Content-Security-Policy loads images from the API only.
  const hint = pickedAvatar ? `${pickedAvatar.name} becomes your avatar when you save.` : removeAvatar ? "Your avatar is removed when you save." : "";
  $("settings-avatar").replaceChildren(avatar(shown, "large"));
  showText($("avatar-hint"), hint);
  $("remove-avatar-button").hidden = !me || !me.avatarUrl || removeAvatar;
}

function fillProfile() {
  const me = store.me();
  const form = $("profile-form");
  form.elements.displayName.value = me.displayName || "";
  form.elements.statusText.value = (me.status && me.status.text) || "";
  form.elements.emoji.value = (me.status && me.status.emoji) || "";
  form.elements.clearAfter.value = "";
  form.elements.avatar.value = "";
  pickedAvatar = null;
  removeAvatar = false;
  for (const p of form.querySelectorAll(".form-error, .form-info")) showText(p, "");
  renderAvatar();
}

async function saveProfile(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const [error, info] = [form.querySelector(".form-error"), form.querySelector(".form-info")];
  showText(error, "");
  showText(info, "");
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const changes = { displayName: form.elements.displayName.value.trim() };
    const text = form.elements.statusText.value.trim();
    const emoji = form.elements.emoji.value.trim();
    const minutes = Number(form.elements.clearAfter.value);
    changes.status = text || emoji
      ? { text, emoji: emoji || undefined, expiresAt: minutes ? new Date(Date.now() + minutes * 60000).toISOString() : undefined }
      : null;
    if (pickedAvatar) {
      showText(info, "Uploading the avatar…");
      changes.avatarAttachmentId = await account.uploadFile(pickedAvatar);
    } else if (removeAvatar) {
      changes.avatarAttachmentId = null;
    }
    const me = await account.updateProfile(changes);
    store.apply("userUpdated", me);
    fillProfile();
    showText(info, "Profile saved.");
  } catch (failure) {
    showText(info, "");
    showText(error, messageOf(failure));
  } finally {
    button.disabled = false;
  }
}

function describeAgent(agent) {
  if (!agent) return "Unknown device";
  const browser = /Edg\//.test(agent) ? "Edge" : /Chrom(e|ium)\//.test(agent) ? "Chrome" : /Firefox\//.test(agent) ? "Firefox" : /Safari\//.test(agent) ? "Safari" : "A browser or app";
  const system = /Android/.test(agent) ? "Android" : /iPhone|iPad/.test(agent) ? "iOS" : /Windows/.test(agent) ? "Windows" : /Mac OS X/.test(agent) ? "macOS" : /Linux/.test(agent) ? "Linux" : "";
  return system ? `${browser} on ${system}` : browser;
}

async function loadSessions() {
  const list = $("sessions-list");
  const error = $("settings-sessions").querySelector(".form-error");
  showText(error, "");
  try {
    const { items } = await account.listSessions();
    list.replaceChildren(...items.map((s) => el("li", { className: "session", attrs: { "data-testid": "session", "data-current": String(!!s.current) } }, [
      el("span", { className: "session-text" }, [
        el("strong", { text: s.current ? `This device · ${describeAgent(s.userAgent)}` : describeAgent(s.userAgent), attrs: { title: s.userAgent || "" } }),
        el("span", { className: "session-time", text: `Signed in ${new Date(s.createdAt).toLocaleString()} · last active ${new Date(s.lastUsedAt).toLocaleString()}` }),
      ]),
      s.current ? null : el("button", {
        className: "secondary small",
        text: "Sign out",
        attrs: { type: "button", "aria-label": `Sign out ${describeAgent(s.userAgent)}, signed in ${new Date(s.createdAt).toLocaleString()}` },
        on: { click: () => endOne(s.id) },
      }),
    ])));
    $("end-other-sessions-button").disabled = items.every((s) => s.current);
  } catch (failure) {
    showText(error, messageOf(failure));
  }
}

async function endOne(sessionId) {
  try {
    await account.endSessionById(sessionId);
  } catch (failure) {
    showText($("settings-sessions").querySelector(".form-error"), messageOf(failure));
  }
  await loadSessions();
}

async function endOthers() {
  if (!(await confirmAction("Sign out of every other device and browser?", "Sign out others"))) return;
  try {
    await account.endOtherSessions();
  } catch (failure) {
    showText($("settings-sessions").querySelector(".form-error"), messageOf(failure));
  }
  await loadSessions();
}

async function savePassword(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const [error, info] = [form.querySelector(".form-error"), form.querySelector(".form-info")];
  showText(error, "");
  showText(info, "");
  const next = form.elements.newPassword.value;
  if (next.length < 8 || next.length > 128) {
    showText(error, "The new password needs 8 to 128 characters.");
    return;
  }
  try {
    await account.changePassword(form.elements.currentPassword.value, next);
    form.reset();
    showText(info, "Password changed. Your other sessions were signed out.");
    await loadSessions();
  } catch (failure) {
    showText(error, messageOf(failure));
  }
}

const exportKey = () => EXPORT_KEY + store.me().id;

function showExport(state) {
  const status = $("export-status");
  const link = $("export-link");
  clearTimeout(exportTimer);
  if (!state) {
    showText(status, "");
    link.hidden = true;
    return;
  }
  if (state.status === "ready" && state.url) {
    showText(status, `Your data is ready. The link works until ${new Date(state.expiresAt).toLocaleTimeString()}.`);
    link.setAttribute("href", new URL(state.url, location.href).href);
    link.hidden = false;
    return;
  }
  link.hidden = true;
  if (state.status === "failed") {
    showText(status, "The export failed. Try again tomorrow, or contact the operator.");
    return;
  }
  showText(status, "Preparing your data… this page will show the link when it is ready.");
  exportTimer = setTimeout(() => pollExport(state.id), EXPORT_POLL_MS);
}

async function pollExport(exportId) {
  try {
    showExport(await account.getExport(exportId));
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 404) {
      localStorage.removeItem(exportKey());
      showExport(null);
    } else {
      showText($("settings-data").querySelector(".form-error"), messageOf(failure));
    }
  }
}

async function startExport() {
  const error = $("settings-data").querySelector(".form-error");
  showText(error, "");
  try {
    const started = await account.requestExport();
    localStorage.setItem(exportKey(), started.id);
    showExport(started);
  } catch (failure) {
    showText(error, failure instanceof ApiError && failure.status === 429 ? "You can request one export a day. The last one is shown here while it is kept." : messageOf(failure));
  }
}

async function deleteAccount(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const error = form.querySelector(".form-error");
  showText(error, "");
  const password = form.elements.password.value;
  if (!password) {
    showText(error, "Enter your password to confirm.");
    return;
  }
  if (!(await confirmAction("Delete your account for good? This cannot be undone.", "Delete account"))) return;
  try {
    await account.deleteAccount(password);
  } catch (failure) {
    showText(error, messageOf(failure));
    return;
  }
  localStorage.removeItem(exportKey());
  dialog.close();
  handlers.onAccountDeleted("Your account is being deleted. Goodbye.");
}

export function openSettings() {
  if (!store.me()) return;
  if (!dialog) build();
  fillProfile();
  for (const form of [$("password-form"), $("delete-form")]) {
    form.reset();
    for (const p of form.querySelectorAll(".form-error, .form-info")) showText(p, "");
  }
  showText($("settings-data").querySelector(".form-error"), "");
  const exportId = localStorage.getItem(exportKey());
  showExport(null);
  if (exportId) pollExport(exportId);
  openDialog(dialog, $("profile-form").elements.displayName);
  loadSessions();
}

export function mountSettings(options) {
  handlers = { ...handlers, ...options };
  $("settings-button").addEventListener("click", openSettings);
  store.subscribe("users", (u) => {
    if (u && dialog && dialog.open && store.me() && u.id === store.me().id) renderAvatar();
  });
  store.subscribe("me", (me) => {
    if (!me && dialog && dialog.open) dialog.close();
  });
}
