// Names and faces of users this page has not met (a group member who never wrote to you, a search hit's
// sender): GET /api/users/{id}, asked once per user and kept in the store; userUpdated keeps them current.
import { api, ApiError } from "./api.js";
import * as store from "./state.js";
import { el } from "./dom.js";

// Lookups that failed for a passing reason are asked again after this long.
const RETRY_MS = 30000;
const asked = new Map();
let waiting = new Set();
let scheduled = false;

function lookup(id) {
  const at = asked.get(id);
  if (at !== undefined && (at === Infinity || Date.now() - at < RETRY_MS)) return;
  asked.set(id, Date.now());
  waiting.add(id);
  if (!scheduled) {
    scheduled = true;
    // Every name one render asks for goes out together, after it.
    setTimeout(fetchWaiting, 0);
  }
}

async function fetchWaiting() {
  scheduled = false;
  const ids = [...waiting];
  waiting = new Set();
  if (!store.me()) return;
  const found = [];
  await Promise.all(ids.map(async (id) => {
    try {
      found.push(await api("GET", `users/${encodeURIComponent(id)}`));
      asked.set(id, Infinity);
    } catch (error) {
      // 404: not someone the caller shares a conversation with (any more); shown as such, not asked again.
      if (error instanceof ApiError && error.status === 404) {
        asked.set(id, Infinity);
        found.push({ id, displayName: "Unknown user" });
      }
    }
  }));
  if (found.length && store.me()) store.learnUsers(found);
}

/** A name that updates itself once the user is looked up or changes (for lists rendered once). */
export function userNameNode(id) {
  return el("span", { className: "user-name", text: store.userName(id), attrs: { "data-name-of": id } });
}

export function mountUsers() {
  store.setUserLookup(lookup);
  store.subscribe("users", () => {
    for (const node of document.querySelectorAll("[data-name-of]")) node.textContent = store.userName(node.dataset.nameOf);
  });
  store.subscribe("me", (me) => {
    if (!me) asked.clear();
  });
}
