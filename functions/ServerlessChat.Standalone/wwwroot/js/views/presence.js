// The online dot, one helper for every place that shows a user's presence.
import { el } from "../dom.js";
import * as store from "../state.js";

export function presenceDot(userId, extra = {}) {
  const presence = userId && store.presenceOf(userId);
  const online = !!(presence && presence.online);
  // While this page is offline what it knows of others may be stale: the dot is grey and says so.
  const stale = document.getElementById("chat-view").dataset.offline === "true";
  const known = online ? "online" : presence && presence.lastSeenAt ? `last seen ${new Date(presence.lastSeenAt).toLocaleString()}` : "offline";
  const title = stale ? `${known} (not updated while you are offline)` : known;
  return el("span", {
    className: `dot ${online ? "online" : "offline"}${stale ? " stale" : ""}`,
    attrs: { title, "data-online": String(online), "data-stale": stale ? "true" : false, role: "img", "aria-label": title, ...extra },
  });
}

export const groupDot = (extra = {}) => el("span", { className: "dot group", attrs: { "aria-hidden": "true", ...extra } });
