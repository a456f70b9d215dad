// Avatars: the user's (or group's) picture when it has one, a signed thumbnail URL from the API, else initials
// with the same letters and colour everywhere. The letters are drawn by CSS from data-initials, so they never join
// the text of the name beside them.
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

function draw({ id, name, url, size, group = false }) {
  const className = `avatar c${colour(id || "")}${size ? ` ${size}` : ""}${group ? " group" : ""}`;
  if (url) return el("img", { className, attrs: { src: url, alt: "", "data-testid": "avatar" } });
  return el("span", {
    className,
    attrs: { "data-initials": name === "…" ? "" : initials(name), "data-testid": "avatar", "aria-hidden": "true" },
  });
}

/** A user object's avatar. `size`: "small", "large" or none. */
export function avatar(user, size) {
  return draw({ id: user && user.id, name: user ? store.nameOf(user) : "?", url: user && user.avatarUrl, size });
}

/** A user's avatar by id (looked up when this page has not met the user); `name` when it is known better than the store knows it (a search result). */
export function userAvatar(userId, { name, small = false, size } = {}) {
  const known = store.user(userId);
  return draw({ id: userId, name: name || store.userName(userId), url: known && known.avatarUrl, size: size || (small ? "small" : "") });
}

export function groupAvatar(group, size) {
  return draw({ id: group ? group.id : "", name: group && group.name, url: group && group.avatarUrl, size, group: true });
}
