// Searching messages (GET /api/search/messages): results with the matched ranges marked, built from text
// nodes and <mark> elements; a click opens the conversation at that message.
import { api, ApiError } from "../api.js";
import { $, el, time } from "../dom.js";
import * as store from "../state.js";
import { userNameNode } from "../users.js";
import { showMessage } from "./reactions.js";

const SEARCH_DELAY_MS = 300;

/** `content` with every [start, end) range of `highlights` (UTF-16 offsets) in a <mark>. */
export function highlightedNodes(content, highlights) {
  const ranges = (highlights || [])
    .map(([start, end]) => [Math.max(0, start), Math.min(content.length, end)])
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  const nodes = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (start < at) continue;
    if (start > at) nodes.push(document.createTextNode(content.slice(at, start)));
    nodes.push(el("mark", { text: content.slice(start, end) }));
    at = end;
  }
  if (at < content.length) nodes.push(document.createTextNode(content.slice(at)));
  return nodes;
}

/** Where, who (a name that fills itself in once looked up) and when. */
function resultTitle(message) {
  const c = store.conversation(message.conversationId);
  const where = c ? store.conversationTitle(c) : "A conversation";
  return [`${where} · `, userNameNode(message.senderId), ` · ${time(message.createdAt)}`];
}

export function mountMessageSearch({ onOpen }) {
  const input = $("message-search");
  const results = $("message-results");
  let timer = null;
  let generation = 0;

  const clear = () => {
    results.replaceChildren();
    results.hidden = true;
  };

  async function search() {
    const query = input.value.trim();
    const current = ++generation;
    if (!query) return clear();
    let answer;
    try {
      answer = await api("GET", `search/messages?q=${encodeURIComponent(query)}&limit=20`);
    } catch (error) {
      if (current !== generation) return;
      results.replaceChildren(el("li", { className: "empty", text: error instanceof ApiError ? error.message : "Search failed." }));
      results.hidden = false;
      return;
    }
    if (current !== generation) return;
    const items = answer.items.map(({ message, highlights }) =>
      el("li", { attrs: { "data-testid": "message-search-result" } }, [
        el("button", {
          className: "search-item", attrs: { type: "button" },
          on: { click: async () => { clear(); input.value = ""; await onOpen(message.conversationId); await showMessage(message.conversationId, message.id); } },
        }, [
          el("span", { className: "conversation-preview" }, resultTitle(message)),
          el("span", { className: "search-snippet" }, highlightedNodes(message.content, highlights)),
        ]),
      ]));
    if (!items.length) items.push(el("li", { className: "empty", text: "No messages found." }));
    if (!answer.complete) {
      items.push(el("li", { className: "empty search-incomplete", text: "Not every message could be searched; there may be more.", attrs: { "data-testid": "search-incomplete" } }));
    }
    results.replaceChildren(...items);
    results.hidden = false;
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, SEARCH_DELAY_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      input.value = "";
      clear();
    }
  });
  store.subscribe("me", clear);
}
