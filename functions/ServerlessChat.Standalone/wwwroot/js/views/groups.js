// Groups: the new-group dialog (a name and people found by search) and the members dialog (who is in it and
// online, admins add and remove, anyone leaves; removing and leaving ask first).
import { ApiError } from "../api.js";
import { $, el, showText } from "../dom.js";
import * as actions from "../actions.js";
import * as store from "../state.js";
import { confirmAction, openDialog } from "./dialogs.js";
import { mountPeopleSearch } from "./people.js";
import { presenceDot } from "./presence.js";
import { userAvatar } from "./avatar.js";

const problemText = (error) => (error instanceof ApiError ? error.message : "The server cannot be reached. Try again.");

function mountNewGroup({ onCreated }) {
  const dialog = $("group-dialog");
  const form = $("group-form");
  const picked = new Map();

  const renderPicked = () => {
    $("group-picked").replaceChildren(...[...picked.values()].map((u) =>
      el("li", { attrs: { "data-testid": "picked-member" } }, [
        el("span", { text: store.nameOf(u) }),
        el("button", {
          text: "×",
          attrs: { type: "button", "aria-label": `Remove ${store.nameOf(u)}` },
          on: { click: () => { picked.delete(u.id); renderPicked(); $("group-people-search").focus(); } },
        }),
      ])));
  };

  mountPeopleSearch({
    input: $("group-people-search"),
    results: $("group-people-results"),
    exclude: () => [...picked.keys()],
    onPick: (u) => {
      picked.set(u.id, u);
      renderPicked();
      $("group-people-search").focus();
    },
  });

  $("new-group-button").addEventListener("click", () => {
    form.reset();
    picked.clear();
    renderPicked();
    showText(form.querySelector(".form-error"), "");
    openDialog(dialog, form.elements.name);
  });
  dialog.querySelector(".dialog-cancel").addEventListener("click", () => dialog.close());

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = form.elements.name.value.trim();
    const error = form.querySelector(".form-error");
    if (!name) {
      showText(error, "Give the group a name.");
      form.elements.name.focus();
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const conversationId = await actions.createGroup(name, [...picked.keys()]);
      dialog.close();
      onCreated(conversationId);
    } catch (failure) {
      showText(error, problemText(failure));
    } finally {
      button.disabled = false;
    }
  });
}

function mountMembers() {
  const dialog = $("members-dialog");
  const error = dialog.querySelector(".form-error");
  let groupId = null;

  const group = () => {
    const c = groupId && store.conversation(store.groupConversationId(groupId));
    return c ? c.group : null;
  };

  const change = async (changes) => {
    showText(error, "");
    try {
      await actions.changeMembers(groupId, changes);
    } catch (failure) {
      showText(error, problemText(failure));
    }
  };

  function render() {
    if (!dialog.open) return;
    const g = group();
    if (!g) {
      dialog.close();
      return;
    }
    const me = store.me().id;
    const admin = g.admins.includes(me);
    $("members-dialog-title").textContent = `${g.name}: ${g.members.length} members`;
    $("members-list").replaceChildren(...g.members.map((id) =>
      el("li", { attrs: { "data-testid": "member", "data-user-id": id } }, [
        userAvatar(id, { small: true }),
        id === me ? el("span", { className: "dot online", attrs: { "aria-hidden": "true" } }) : presenceDot(id),
        el("span", { className: "member-name", text: id === me ? `${store.userName(id)} (you)` : store.userName(id) }),
        g.admins.includes(id) ? el("span", { className: "role", text: "admin" }) : null,
        admin && id !== me
          ? el("button", {
              className: "secondary small", text: "Remove",
              attrs: { type: "button", "aria-label": `Remove ${store.userName(id)}` },
              on: { click: async () => {
                if (await confirmAction(`Remove ${store.userName(id)} from ${g.name}?`, "Remove")) await change({ remove: [id] });
              } },
            })
          : null,
      ])));
    $("members-add").hidden = !admin;
  }

  mountPeopleSearch({
    input: $("members-people-search"),
    results: $("members-people-results"),
    exclude: () => (group() ? group().members : []),
    onPick: (u) => change({ add: [u.id] }).then(() => $("members-people-search").focus()),
  });

  $("members-button").addEventListener("click", () => {
    const c = store.activeConversation();
    if (!c || c.type !== "group") return;
    groupId = c.group.id;
    showText(error, "");
    openDialog(dialog, dialog.querySelector(".dialog-cancel"));
    render();
  });
  $("leave-group-button").addEventListener("click", async () => {
    showText(error, "");
    const g = group();
    if (!g || !(await confirmAction(`Leave ${g.name}? You will stop getting its messages.`, "Leave"))) return;
    try {
      await actions.leaveGroup(groupId);
      dialog.close();
    } catch (failure) {
      showText(error, problemText(failure));
    }
  });
  dialog.querySelector(".dialog-cancel").addEventListener("click", () => dialog.close());
  store.subscribe("conversations", render);
  store.subscribe("presence", render);
}

export function mountGroups({ onCreated }) {
  mountNewGroup({ onCreated });
  mountMembers();
}
