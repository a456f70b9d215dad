// Initials avatars (until profiles bring pictures): the same letters and colour for a user everywhere. The
// letters are drawn by CSS from data-initials, so they never join the text of the name beside them.
import { el } from "../dom.js";
import * as store from "../state.js";

const COLOURS = 8;

export function initials(name) {
  const words = String(name || "").trim().split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
  if (!words.length) return "?";
  const first = [...words[0]].find((ch) => /[\p{L}\p{N}]/u.test(ch)) || "";
  const last = words.length > 1 ? [...words[words.length - 1]].find((ch) => /[\p{L}\p{N}]/u.test(ch)) || "" : "";
  return (first + last).toUpperCase();
}

function colour(id) {
  let hash = 0;
  for (const ch of String(id)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return hash % COLOURS;
}

/** A user's avatar; `name` when it is known better than the store knows it (a search result). */
export function userAvatar(userId, { name, small = false } = {}) {
  const text = name || store.userName(userId);
  return el("span", {
    className: `avatar c${colour(userId)}${small ? " small" : ""}`,
    attrs: { "data-initials": text === "…" ? "" : initials(text), "data-testid": "avatar", "aria-hidden": "true" },
  });
}

export function groupAvatar(group) {
  return el("span", {
    className: `avatar group c${colour(group ? group.id : "")}`,
    attrs: { "data-initials": initials(group && group.name), "data-testid": "avatar", "aria-hidden": "true" },
  });
}
