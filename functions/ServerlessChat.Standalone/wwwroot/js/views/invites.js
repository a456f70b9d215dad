// Invites: the links an admin hands out (create with an expiry and a number of uses, copy, revoke; drawn inside
// the group settings), and the join page: an address with ?invite=<token> shows the group's name and size once
// signed in, and joins on request. The token waits in this tab's storage while the person signs in.
import { ApiError } from "../api.js";
import * as chat from "../conversationApi.js";
import { $, el } from "../dom.js";
import * as store from "../state.js";
import { openDialog } from "./dialogs.js";

const PENDING_KEY = "serverlesschat.invite";
const EXPIRIES = [["1 day", 24], ["7 days", 24 * 7], ["30 days", 24 * 30], ["Never", 0]];

const problemText = (error) => (error instanceof ApiError ? error.message : "The server cannot be reached. Try again.");

export const inviteLink = (token) => `${location.origin}${location.pathname}?invite=${encodeURIComponent(token)}`;

/** Takes ?invite= out of the address (kept for the sign-in); the token waits in sessionStorage. */
function takeFromAddress() {
  const params = new URLSearchParams(location.search);
  const token = params.get("invite");
  if (!token) return;
  sessionStorage.setItem(PENDING_KEY, token);
  params.delete("invite");
  const query = params.toString();
  history.replaceState(history.state, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
}

const pendingToken = () => sessionStorage.getItem(PENDING_KEY);

let joinDialog = null;

function ensureJoinDialog() {
  if (joinDialog) return joinDialog;
  joinDialog = el("dialog", { attrs: { id: "join-dialog", "aria-labelledby": "join-title" } }, [
    el("div", { className: "dialog-form" }, [
      el("h2", { attrs: { id: "join-title" } }),
      el("p", { className: "join-detail muted", attrs: { "data-testid": "join-detail" } }),
      el("p", { className: "form-error", attrs: { role: "alert", hidden: true } }),
      el("div", { className: "dialog-buttons" }, [
        el("button", { className: "secondary join-cancel", text: "Not now", attrs: { type: "button" }, on: { click: () => joinDialog.close() } }),
        el("button", { className: "join-confirm", text: "Join group", attrs: { type: "button" } }),
      ]),
    ]),
  ]);
  document.body.append(joinDialog);
  return joinDialog;
}

/** After sign-in: the invite the address brought, if any, as a preview with a Join button. */
export async function showPendingInvite({ onJoined }) {
  const token = pendingToken();
  if (!token || !store.me()) return;
  sessionStorage.removeItem(PENDING_KEY);
  const d = ensureJoinDialog();
  const title = d.querySelector("h2");
  const detail = d.querySelector(".join-detail");
  const error = d.querySelector(".form-error");
  const confirm = d.querySelector(".join-confirm");
  error.hidden = true;
  try {
    const preview = await chat.invitePreview(token);
    title.textContent = `Join ${preview.name}?`;
    detail.textContent = `${preview.memberCount} ${preview.memberCount === 1 ? "member" : "members"}. You were invited by a link.`;
    confirm.hidden = false;
    d.querySelector(".join-cancel").textContent = "Not now";
    confirm.onclick = async () => {
      confirm.disabled = true;
      try {
        const group = await chat.joinByInvite(token);
        store.apply("groupUpdated", group);
        d.close();
        onJoined(store.groupConversationId(group.id));
      } catch (failure) {
        error.textContent = problemText(failure);
        error.hidden = false;
      } finally {
        confirm.disabled = false;
      }
    };
  } catch (failure) {
    title.textContent = "This invite link does not work";
    detail.textContent = failure instanceof ApiError && failure.status === 404
      ? "It has expired, been used up or been revoked. Ask for a new one."
      : problemText(failure);
    confirm.hidden = true;
    d.querySelector(".join-cancel").textContent = "Close";
  }
  openDialog(d, confirm.hidden ? d.querySelector(".join-cancel") : confirm);
}

// ---- the admin's part, drawn inside the group settings ------------------------------------------------------------

function expiryText(invite) {
  const uses = invite.maxUses ? `${invite.uses} of ${invite.maxUses} uses` : `${invite.uses} ${invite.uses === 1 ? "use" : "uses"}`;
  const until = invite.expiresAt ? `expires ${new Date(invite.expiresAt).toLocaleString([], { dateStyle: "medium", timeStyle: "short" })}` : "never expires";
  return `${uses}, ${until}`;
}

async function copy(text, status) {
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = "Link copied.";
  } catch {
    status.textContent = "Copy the link from the box (the browser did not allow copying).";
  }
}

/** The invites section of a group's settings (admins only): a container that draws itself and reloads on change. */
export function invitesSection(groupId, showError) {
  const list = el("ul", { className: "list invite-list", attrs: { "aria-label": "Live invite links" } });
  const status = el("p", { className: "muted invite-status", attrs: { role: "status" } });
  const expiry = el("select", { attrs: { "aria-label": "Invite expires after" } }, EXPIRIES.map(([label, hours]) => el("option", { text: label, attrs: { value: String(hours) } })));
  const uses = el("input", { attrs: { type: "number", min: "1", max: "1000", placeholder: "any", "aria-label": "Uses at most", inputmode: "numeric" } });

  async function reload() {
    try {
      const { items } = await chat.invites(groupId);
      list.replaceChildren(...items.map((invite) => {
        const link = inviteLink(invite.token);
        const box = el("input", { className: "invite-link", attrs: { readonly: true, value: link, "aria-label": "Invite link" } });
        return el("li", { className: "invite", attrs: { "data-testid": "invite" } }, [
          box,
          el("span", { className: "muted invite-info", text: expiryText(invite) }),
          el("span", { className: "invite-buttons" }, [
            el("button", { className: "secondary small", text: "Copy link", attrs: { type: "button" }, on: { click: () => { box.select(); copy(link, status); } } }),
            el("button", {
              className: "secondary small", text: "Revoke", attrs: { type: "button", "aria-label": "Revoke this invite" },
              on: { click: async () => {
                try {
                  await chat.revokeInvite(groupId, invite.token);
                  status.textContent = "Invite revoked.";
                  await reload();
                } catch (failure) {
                  showError(problemText(failure));
                }
              } },
            }),
          ]),
        ]);
      }));
    } catch (failure) {
      showError(problemText(failure));
    }
  }

  const create = el("button", {
    className: "secondary small", text: "Create invite link", attrs: { type: "button" },
    on: { click: async () => {
      const hours = Number(expiry.value);
      const max = Number(uses.value);
      const options = {};
      if (hours) options.expiresAt = new Date(Date.now() + hours * 3600 * 1000).toISOString();
      if (uses.value && Number.isInteger(max) && max > 0) options.maxUses = max;
      try {
        await chat.createInvite(groupId, options);
        status.textContent = "Invite link created.";
        uses.value = "";
        await reload();
      } catch (failure) {
        showError(problemText(failure));
      }
    } },
  });

  const section = el("section", { className: "settings-section", attrs: { "aria-labelledby": "invites-title" } }, [
    el("h3", { text: "Invite links", attrs: { id: "invites-title" } }),
    el("div", { className: "invite-create" }, [
      el("label", { className: "inline" }, [el("span", { text: "Expires after" }), expiry]),
      el("label", { className: "inline" }, [el("span", { text: "Uses" }), uses]),
      create,
    ]),
    list,
    status,
  ]);
  reload();
  return section;
}

export function mountInvites() {
  takeFromAddress();
  if (pendingToken()) {
    // Before sign-in: say why the page asks for it.
    const note = el("p", { className: "card invite-note", text: "Sign in or create an account to join the group you were invited to.", attrs: { role: "status" } });
    $("auth-view").querySelector(".auth-forms").before(note);
    store.subscribe("me", (me) => {
      if (me) note.remove();
    });
  }
}
