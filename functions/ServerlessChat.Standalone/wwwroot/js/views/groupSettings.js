// Group settings: name and description, freeze, admins, muted members (with an expiry) and invite links, for the
// group's admins (others see them read-only); and the message box of a frozen group or a muted member, which
// says why it cannot send. Every answer is a Group and goes through the store like a groupUpdated event.
import { ApiError } from "../api.js";
import * as chat from "../conversationApi.js";
import { $, el, showText } from "../dom.js";
import * as store from "../state.js";
import { openDialog } from "./dialogs.js";
import { invitesSection } from "./invites.js";

const MUTE_FOR = [["1 hour", 1], ["8 hours", 8], ["1 day", 24], ["1 week", 24 * 7], ["Until unmuted", 0]];

const problemText = (error) => (error instanceof ApiError ? error.message : "The server cannot be reached. Try again.");
const whenText = (iso) => new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });

let dialog = null;
let groupId = null;
let composerTimer = null;

const currentGroup = () => {
  const c = groupId && store.conversation(store.groupConversationId(groupId));
  return c ? c.group : null;
};

/** The mute of a member that is still running, or null. */
export function muteOf(group, userId) {
  const mute = (group.mutedMembers || []).find((m) => m.userId === userId);
  if (!mute) return null;
  return !mute.until || Date.parse(mute.until) > Date.now() ? mute : null;
}

function showError(text) {
  showText(dialog.querySelector(".settings-error"), text);
}

async function run(call) {
  showError("");
  try {
    const group = await call();
    if (group) store.apply("groupUpdated", group);
    return true;
  } catch (failure) {
    showError(problemText(failure));
    return false;
  }
}

function ensureDialog() {
  if (dialog) return dialog;
  dialog = el("dialog", { className: "settings-dialog", attrs: { id: "group-settings-dialog", "aria-labelledby": "group-settings-title" } }, [
    el("div", { className: "dialog-form" }, [
      el("h2", { text: "Group settings", attrs: { id: "group-settings-title" } }),
      el("div", { className: "settings-body" }),
      el("p", { className: "form-error settings-error", attrs: { role: "alert", hidden: true } }),
      el("div", { className: "dialog-buttons" }, [
        el("button", { className: "secondary dialog-close", text: "Close", attrs: { type: "button" }, on: { click: () => dialog.close() } }),
      ]),
    ]),
  ]);
  dialog.addEventListener("close", () => {
    groupId = null;
  });
  document.body.append(dialog);
  return dialog;
}

function aboutSection(g, admin) {
  const name = el("input", { attrs: { name: "name", maxlength: "64", required: true, autocomplete: "off", value: g.name, disabled: !admin } });
  const description = el("textarea", { attrs: { name: "description", rows: "3", maxlength: "500", disabled: !admin } });
  description.value = g.description || "";
  const form = el("form", { className: "settings-section", attrs: { "aria-labelledby": "about-title", novalidate: true } }, [
    el("h3", { text: "About", attrs: { id: "about-title" } }),
    el("label", {}, [el("span", { text: "Name" }), name]),
    el("label", {}, [el("span", { text: "Description" }), description]),
    admin ? el("div", { className: "dialog-buttons" }, [el("button", { text: "Save", attrs: { type: "submit" } })]) : el("p", { className: "muted", text: "Only admins can change the group." }),
    el("p", { className: "form-info settings-saved", attrs: { role: "status", hidden: true } }),
  ]);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const newName = name.value.trim();
    if (!newName) {
      showError("Give the group a name.");
      name.focus();
      return;
    }
    const changes = {};
    if (newName !== g.name) changes.name = newName;
    if (description.value.trim() !== (g.description || "")) changes.description = description.value.trim();
    if (!Object.keys(changes).length) return;
    if (await run(() => chat.updateGroup(g.id, changes))) showText(dialog.querySelector(".settings-saved"), "Saved.");
  });
  return form;
}

function freezeSection(g, admin) {
  const toggle = el("input", { attrs: { type: "checkbox", role: "switch", id: "group-frozen", disabled: !admin } });
  toggle.checked = !!g.frozen;
  toggle.addEventListener("change", () => run(() => chat.updateGroup(g.id, { frozen: toggle.checked })));
  return el("section", { className: "settings-section", attrs: { "aria-labelledby": "freeze-title" } }, [
    el("h3", { text: "Sending", attrs: { id: "freeze-title" } }),
    el("label", { className: "switch", attrs: { for: "group-frozen" } }, [toggle, el("span", { text: " Frozen: only admins can send" })]),
  ]);
}

function memberRow(g, id, admin) {
  const me = store.me().id;
  const name = id === me ? `${store.userName(id)} (you)` : store.userName(id);
  const isAdmin = g.admins.includes(id);
  const mute = muteOf(g, id);
  const tags = [isAdmin ? "admin" : null, mute ? (mute.until ? `muted until ${whenText(mute.until)}` : "muted") : null].filter(Boolean).join(", ");
  const controls = [];
  if (admin) {
    controls.push(el("button", {
      className: "secondary small", text: isAdmin ? "Remove admin" : "Make admin",
      attrs: { type: "button", "aria-label": `${isAdmin ? "Remove admin role of" : "Make admin:"} ${store.userName(id)}` },
      on: { click: () => run(() => (isAdmin ? chat.removeAdmin(g.id, id) : chat.makeAdmin(g.id, id))) },
    }));
    if (id !== me && mute) {
      controls.push(el("button", {
        className: "secondary small", text: "Unmute", attrs: { type: "button", "aria-label": `Unmute ${store.userName(id)}` },
        on: { click: () => run(() => chat.unmuteMember(g.id, id)) },
      }));
    } else if (id !== me) {
      const length = el("select", { attrs: { "aria-label": `Mute ${store.userName(id)} for` } },
        MUTE_FOR.map(([label, hours]) => el("option", { text: label, attrs: { value: String(hours) } })));
      controls.push(length, el("button", {
        className: "secondary small", text: "Mute", attrs: { type: "button", "aria-label": `Mute ${store.userName(id)}` },
        on: { click: () => {
          const hours = Number(length.value);
          const until = hours ? new Date(Date.now() + hours * 3600 * 1000).toISOString() : null;
          run(() => chat.muteMember(g.id, id, until));
        } },
      }));
    }
  }
  return el("li", { attrs: { "data-testid": "settings-member", "data-user-id": id } }, [
    el("span", { className: "member-name" }, [el("span", { text: name }), tags ? el("span", { className: "role", text: ` ${tags}` }) : null]),
    el("span", { className: "member-controls" }, controls),
  ]);
}

function render() {
  if (!dialog || !dialog.open) return;
  const g = currentGroup();
  if (!g) {
    dialog.close();
    return;
  }
  const admin = g.admins.includes(store.me().id);
  // Keep what the person is typing: the form is drawn again only when the group's name or description changed.
  const body = dialog.querySelector(".settings-body");
  const about = body.querySelector("form");
  const keepAbout = about && about.dataset.version === `${g.name}\n${g.description}\n${admin}`;
  const aboutNode = keepAbout ? about : aboutSection(g, admin);
  aboutNode.dataset.version = `${g.name}\n${g.description}\n${admin}`;
  const invites = body.querySelector(".settings-section[aria-labelledby=invites-title]");
  const keepInvites = invites && invites.dataset.groupId === g.id && admin;
  const invitesNode = admin ? (keepInvites ? invites : invitesSection(g.id, showError)) : null;
  if (invitesNode) invitesNode.dataset.groupId = g.id;
  // A button pressed is drawn again by the change it made: the focus goes to its successor.
  const active = body.contains(document.activeElement) ? document.activeElement : null;
  const label = active && active.getAttribute("aria-label");
  const focused = active && (active.id ? `#${CSS.escape(active.id)}` : label ? `[aria-label="${CSS.escape(label)}"]` : null);
  body.replaceChildren(
    aboutNode,
    freezeSection(g, admin),
    el("section", { className: "settings-section", attrs: { "aria-labelledby": "roles-title" } }, [
      el("h3", { text: "Admins and muted members", attrs: { id: "roles-title" } }),
      el("ul", { className: "list members" }, g.members.map((id) => memberRow(g, id, admin))),
    ]),
    invitesNode,
  );
  if (focused && !body.contains(document.activeElement)) (body.querySelector(focused) || dialog.querySelector(".dialog-close")).focus();
}

/** The open group's message box: off, with the reason, while it is frozen (for members) or the caller is muted. */
function renderComposer() {
  clearTimeout(composerTimer);
  const c = store.activeConversation();
  const input = $("message-input");
  const send = $("composer").querySelector("button[type=submit]");
  let reason = "";
  if (c && c.type === "group" && c.group) {
    const g = c.group;
    const me = store.me().id;
    const mute = muteOf(g, me);
    if (g.frozen && !g.admins.includes(me)) reason = "The group is frozen: only admins can send.";
    else if (mute) {
      reason = mute.until ? `An admin muted you until ${whenText(mute.until)}.` : "An admin muted you in this group.";
      // The mute ends by itself: the box opens again then.
      if (mute.until) composerTimer = setTimeout(renderComposer, Math.min(Date.parse(mute.until) - Date.now() + 500, 2 ** 31 - 1));
    }
  }
  const note = $("composer-note");
  showText(note, reason);
  input.disabled = !!reason;
  send.disabled = !!reason;
}

export function mountGroupSettings() {
  const button = el("button", {
    text: "Settings", className: "secondary small",
    attrs: { type: "button", id: "group-settings-button", "aria-haspopup": "dialog", "aria-label": "Group settings", hidden: true },
    on: { click: () => {
      const c = store.activeConversation();
      if (!c || c.type !== "group") return;
      const d = ensureDialog();
      groupId = c.group.id;
      d.querySelector(".settings-body").replaceChildren();
      showError("");
      openDialog(d, d.querySelector(".dialog-close"));
      render();
    } },
  });
  $("members-button").after(button);
  $("composer").before(el("p", { className: "composer-note", attrs: { id: "composer-note", role: "status", hidden: true, "data-testid": "composer-note" } }));
  const renderButton = () => {
    const c = store.activeConversation();
    button.hidden = !c || c.type !== "group";
  };
  store.subscribe("active", () => {
    renderButton();
    renderComposer();
  });
  store.subscribe("conversations", () => {
    renderButton();
    renderComposer();
    render();
  });
}
