// Mentions: @ autocomplete among the group's members in the composer, @username highlighted in message text
// for the members the API says were mentioned, and the unread-mention count on a conversation.
import { searchUsers } from "../actions.js";
import { $, el } from "../dom.js";
import * as store from "../state.js";

const MAX_SUGGESTIONS = 8;
const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");

/** The message text as nodes: text, and <span class="mention"> for each @username of `message.mentions`. */
export function contentNodes(message) {
  const names = (message.mentions || []).map((id) => store.user(id)).filter((u) => u && u.username)
    .sort((a, b) => b.username.length - a.username.length);
  const text = message.content || "";
  if (!names.length) return [text];
  const byName = new Map(names.map((u) => [u.username.toLowerCase(), u]));
  const pattern = new RegExp(`@(${names.map((u) => escapeRegExp(u.username)).join("|")})(?![\\p{L}\\p{N}_])`, "giu");
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const mentioned = byName.get(match[1].toLowerCase());
    nodes.push(text.slice(last, match.index));
    nodes.push(el("span", {
      className: `mention${mentioned.id === store.me().id ? " me" : ""}`, text: match[0],
      attrs: { "data-testid": "mention", title: store.nameOf(mentioned) },
    }));
    last = match.index + match[0].length;
  }
  nodes.push(text.slice(last));
  return nodes.filter((node) => node !== "");
}

export function mentionBadge(c) {
  if (!(c.mentions > 0)) return null;
  return el("span", { className: "badge mention-badge", text: `@${c.mentions}`, attrs: { "aria-label": `${c.mentions} unread mentions`, "data-testid": "mention-badge" } });
}

function members() {
  const c = store.activeConversation();
  if (!c || c.type !== "group") return [];
  return store.othersIn(c).map((id) => store.user(id)).filter((u) => u && u.username);
}

export function mountMentions() {
  const input = $("message-input");
  const list = $("mention-suggestions");
  let start = -1;
  let active = 0;
  let shown = [];
  let generation = 0;

  const close = () => {
    start = -1;
    shown = [];
    list.hidden = true;
    list.replaceChildren();
  };

  const pick = (u) => {
    const caret = input.selectionStart;
    input.value = `${input.value.slice(0, start)}@${u.username} ${input.value.slice(caret)}`;
    const at = start + u.username.length + 2;
    input.setSelectionRange(at, at);
    close();
    input.focus();
  };

  const render = () => {
    list.replaceChildren(...shown.map((u, i) =>
      el("li", { attrs: { role: "option", "aria-selected": String(i === active), "data-testid": "mention-suggestion" } }, [
        el("button", { className: "search-item", attrs: { type: "button", tabindex: "-1" }, on: { mousedown: (e) => { e.preventDefault(); pick(u); } } }, [
          el("span", { className: "conversation-name", text: store.nameOf(u) }),
          el("span", { className: "conversation-preview", text: `@${u.username}` }),
        ]),
      ])));
    list.hidden = !shown.length;
  };

  input.addEventListener("input", () => {
    const before = input.value.slice(0, input.selectionStart);
    const match = /(^|\s)@([A-Za-z0-9_.-]*)$/.exec(before);
    if (!match) return close();
    start = before.length - match[2].length - 1;
    const prefix = match[2].toLowerCase();
    const current = ++generation;
    const matching = () => members().filter((u) => u.username.toLowerCase().startsWith(prefix) || store.nameOf(u).toLowerCase().startsWith(prefix)).slice(0, MAX_SUGGESTIONS);
    shown = matching();
    active = 0;
    render();
    // The API has no lookup by id: members this client has not met yet are found by the prefix typed.
    if (prefix && store.activeConversation() && store.activeConversation().type === "group") {
      searchUsers(prefix).then(() => {
        if (current !== generation || start < 0) return;
        shown = matching();
        active = Math.min(active, Math.max(0, shown.length - 1));
        render();
      }, () => {});
    }
  });
  // Capture: these keys choose a suggestion before the composer's Enter sends.
  input.addEventListener("keydown", (event) => {
    if (list.hidden || !shown.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      active = (active + (event.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
      render();
    } else if (event.key === "Enter" || event.key === "Tab") {
      pick(shown[active]);
    } else if (event.key === "Escape") {
      close();
    } else {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
  }, { capture: true });
  input.addEventListener("blur", close);
  store.subscribe("active", close);
}
