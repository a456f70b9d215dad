// Web Push for this browser (API.md "Push notifications"): the service worker (../sw.js), the subscription this
// browser holds and the server's copy of it, and the conversations the user muted. No DOM here: views/notifications.js.
import { api, ApiError } from "./api.js";

// Browsers here cannot always reach their vendor's push service; subscribe may then never settle.
const SUBSCRIBE_TIMEOUT_MS = 15000;
const WORKER_URL = new URL("../sw.js", import.meta.url).href;
const SCOPE = new URL("../", import.meta.url).href;

/** A reason to show the user as it is. */
export class PushError extends Error {}

let publicKey = null;
let loaded = false;
// The endpoint the server holds for this browser and user, for sign-out, which cannot wait for the browser.
let endpoint = null;
const muted = new Set();

export const browserSupportsPush = () =>
  window.isSecureContext && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

/** Whether this server sends pushes (it answers its VAPID key); false until `load` found out. */
export const serverPushes = () => publicKey !== null;

export const isMuted = (conversationId) => muted.has(conversationId);

/**
 * At sign-in: the server's key and the user's mutes. A subscription this browser already holds is stored again,
 * so it belongs to whoever signed in (the server moves an endpoint to the user who saves it).
 */
export async function load() {
  publicKey = null;
  loaded = false;
  muted.clear();
  try {
    ({ publicKey } = await api("GET", "push/vapid-public-key"));
    const { conversationIds } = await api("GET", "push/mutes");
    for (const id of conversationIds) muted.add(id);
  } catch (error) {
    // 404: push is off on this server, and so are the controls.
    if (!(error instanceof ApiError && error.status === 404)) console.warn("Loading push settings failed", error);
    if (!publicKey) return;
  }
  loaded = true;
  const subscription = await currentSubscription().catch(() => null);
  if (subscription && sameKey(subscription)) {
    await api("POST", "push/subscriptions", subscription.toJSON()).then(() => { endpoint = subscription.endpoint; }, () => {});
  }
}

export const ready = () => loaded;

/** This browser's subscription for the app, or null. */
export async function currentSubscription() {
  if (!browserSupportsPush()) return null;
  const registration = await navigator.serviceWorker.getRegistration(SCOPE);
  return registration ? registration.pushManager.getSubscription() : null;
}

/** Turns notifications on: permission, the worker, the browser's subscription, then the server's copy. */
export async function enable() {
  if (!browserSupportsPush()) throw new PushError("This browser cannot show notifications.");
  if (!publicKey) throw new PushError("This server does not send notifications.");
  if ((await Notification.requestPermission()) !== "granted") {
    throw new PushError("Notifications are blocked for this site. Allow them in the browser's site settings, then try again.");
  }
  await navigator.serviceWorker.register(WORKER_URL, { scope: SCOPE });
  const registration = await navigator.serviceWorker.ready;
  let subscription;
  try {
    subscription = await withTimeout(subscribe(registration.pushManager), SUBSCRIBE_TIMEOUT_MS);
  } catch (error) {
    const reason = error && error.message ? ` (${error.message})` : "";
    throw new PushError(`Notifications could not be turned on: this browser could not subscribe at its push service${reason}.`);
  }
  try {
    await api("POST", "push/subscriptions", subscription.toJSON());
    endpoint = subscription.endpoint;
  } catch (error) {
    await subscription.unsubscribe().catch(() => {});
    throw error;
  }
}

/** Turns notifications off: the server forgets the subscription, then the browser drops it. */
export async function disable() {
  const subscription = await currentSubscription();
  if (!subscription) return;
  await api("DELETE", `push/subscriptions?endpoint=${encodeURIComponent(subscription.endpoint)}`);
  endpoint = null;
  await subscription.unsubscribe();
}

/** At sign-out (while the session still works): nothing more is pushed to this browser for that user. */
export function forget() {
  const known = endpoint;
  publicKey = null;
  loaded = false;
  endpoint = null;
  muted.clear();
  if (!known) return;
  // api() sends at once, with the session that is about to end; the browser's copy goes after.
  api("DELETE", `push/subscriptions?endpoint=${encodeURIComponent(known)}`).catch(() => {});
  currentSubscription().then((s) => s && s.unsubscribe()).catch(() => {});
}

export async function setMuted(conversationId, on) {
  await api(on ? "PUT" : "DELETE", `conversations/${encodeURIComponent(conversationId)}/mute`);
  if (on) muted.add(conversationId);
  else muted.delete(conversationId);
}

async function subscribe(pushManager) {
  const existing = await pushManager.getSubscription();
  if (existing && sameKey(existing)) return existing;
  // Made with another server key (the server's was replaced): subscribe again.
  if (existing) await existing.unsubscribe();
  return pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlBytes(publicKey) });
}

function sameKey(subscription) {
  const key = subscription.options && subscription.options.applicationServerKey;
  if (!key || !publicKey) return false;
  const have = new Uint8Array(key);
  const want = base64UrlBytes(publicKey);
  return have.length === want.length && have.every((b, i) => b === want[i]);
}

function base64UrlBytes(value) {
  const base64 = value.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(value.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("the push service did not answer")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
