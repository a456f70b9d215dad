// Finding people: a search box with results as buttons. Used by the sidebar (open a direct conversation) and
// by the group dialogs (pick members).
import { ApiError } from "../api.js";
import { el } from "../dom.js";
import { searchUsers } from "../actions.js";
import * as store from "../state.js";
import { userAvatar } from "./avatar.js";

const SEARCH_DELAY_MS = 250;

/**
 * Wires `input` to list matches in `results`; `onPick(user)` runs for a chosen one. `exclude()` returns ids
 * not to offer. Escape clears the search.
 */
export function mountPeopleSearch({ input, results, onPick, exclude = () => [] }) {
  let timer = null;
  let generation = 0;

  const clear = () => {
    input.value = "";
    results.replaceChildren();
    results.hidden = true;
  };

  async function search() {
    const query = input.value.trim();
    const current = ++generation;
    if (!query) {
      clear();
      return;
    }
    let users;
    try {
      users = await searchUsers(query);
    } catch (error) {
      users = [];
      if (!(error instanceof ApiError)) console.warn("Search failed", error);
    }
    // An older, slower answer must not overwrite a newer one.
    if (current !== generation) return;
    const skip = new Set(exclude());
    const shown = users.filter((u) => !skip.has(u.id));
    results.replaceChildren(
      ...(shown.length
        ? shown.map((u) =>
            el("li", { attrs: { "data-testid": "search-result" } }, [
              el("button", { className: "search-item with-avatar", attrs: { type: "button" }, on: { click: () => { clear(); onPick(u); } } }, [
                userAvatar(u.id, { name: store.nameOf(u) }),
                el("span", { className: "search-text" }, [
                  el("span", { className: "conversation-name", text: store.nameOf(u) }),
                  el("span", { className: "conversation-preview", text: `@${u.username}` }),
                ]),
              ]),
            ]))
        : [el("li", { className: "empty", text: "No one found." })]),
    );
    results.hidden = false;
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, SEARCH_DELAY_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && input.value) {
      // Only the search: a dialog around it stays open.
      event.preventDefault();
      event.stopPropagation();
      clear();
    }
  });
  return { clear };
}
