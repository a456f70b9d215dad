// The online dot, one helper for every place that shows a user's presence.
import { el } from "../dom.js";
import * as store from "../state.js";

export function presenceDot(userId, extra = {}) {
  const presence = userId && store.presenceOf(userId);
  const online = !!(presence && presence.online);
  const title = online ? "online" : presence && presence.lastSeenAt ? `last seen ${new Date(presence.lastSeenAt).toLocaleString()}` : "offline";
  return el("span", {
    className: `dot ${online ? "online" : "offline"}`,
    attrs: { title, "data-online": String(online), role: "img", "aria-label": title, ...extra },
  });
}

export const groupDot = (extra = {}) => el("span", { className: "dot group", attrs: { "aria-hidden": "true", ...extra } });
