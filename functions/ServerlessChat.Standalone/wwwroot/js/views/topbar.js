// The top bar: who is signed in, whether the page is live, sign out.
import { $ } from "../dom.js";
import * as store from "../state.js";

const LABELS = { connected: "live", connecting: "connecting…", reconnecting: "reconnecting…", disconnected: "offline" };

export function mountTopbar({ onSignOut }) {
  store.subscribe("me", (me) => {
    $("me").textContent = me ? `${store.nameOf(me)} (@${me.username})` : "";
  });
  store.subscribe("connection", (name) => {
    const badge = $("connection-state");
    badge.dataset.state = name;
    badge.textContent = LABELS[name] || name;
  });
  $("signout-button").addEventListener("click", () => onSignOut());
}
