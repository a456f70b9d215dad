// The HTTP API through the JS SDK (@serverlesschat/client, the checked-in bundle in ../sdk): where the API is
// (config.json), the session and its refresh, and problem+json errors. The SDK's ChatClient does the session,
// the single-flight refresh and the retry after a 401; `api()` is a thin wrapper over its typed REST client.
//
// One session for every tab of this browser, kept across restarts: the SDK keeps it in localStorage, and a
// refresh runs under a Web Lock shared by the tabs. Each refresh token works once (a second use revokes the whole
// login chain), so the tab that rotates it leaves the answer for the tabs still holding the old one: a tab that
// presents a token already rotated gets the newest session instead of a second refresh. Those answers are kept
// in IndexedDB, not localStorage: a localStorage write reaches other tabs' copies only some time later, while an
// IndexedDB transaction committed under the lock is what the next holder reads. Signing out removes the
// session from localStorage, which every other tab hears (the storage event) and signs out too.
import { ChatApiError, ChatClient } from "../sdk/serverlesschat-client.js";

// The SDK's key for the session in its storage; where the rotations made by any tab are kept.
const SESSION_KEY = "serverlesschat.session";
// When a tab of this browser last signed out: the other tabs, whose session the server ends with it, say why.
const SIGNED_OUT_KEY = "serverlesschat.signedOutAt";
const SIGNED_OUT_RECENT_MS = 30000;
const ROTATIONS_DB = "serverlesschat-session";
// As long as a refresh token lives (Auth:RefreshTokenDays' default): a tab asleep that long still finds its way.
const ROTATIONS_KEPT_MS = 30 * 24 * 60 * 60 * 1000;
const REFRESH_LOCK = "serverlesschat.refresh";

let base = new URL("/api", location.href).href;
let client = null;
// A sign-out under way: a sign-in waits for it, so the old session's end never forgets the new one.
let ending = Promise.resolve();
const endedListeners = new Set();

/**
 * Reads config.json next to index.html (one folder up from this module): `{"apiBase": "https://<function-app>/api"}`. Missing, empty or not
 * http(s): the API of this page's own origin. Then makes the one ChatClient of the page.
 */
export async function loadConfig() {
  try {
    const response = await fetch(new URL("../config.json", import.meta.url), { cache: "no-store" });
    if (response.ok) {
      const config = await response.json();
      const value = config && typeof config.apiBase === "string" ? config.apiBase.trim() : "";
      const url = value ? new URL(value, location.href) : null;
      if (url && (url.protocol === "http:" || url.protocol === "https:")) base = url.href.replace(/\/+$/, "");
    }
  } catch {
    // No configuration: same origin.
  }
  client = new ChatClient({ baseUrl: base, storage: localStorage, fetch: sharedRefreshFetch });
  window.addEventListener("storage", (event) => {
    if (event.storageArea !== localStorage || (event.key !== SESSION_KEY && event.key !== null)) return;
    const session = event.key === null ? null : event.newValue;
    if (!session && currentUser()) for (const listener of signedOutElsewhere) listener();
    // Signed in (or as someone else) in another tab: this one follows with that session.
    else if (session && !sameUser(session)) location.reload();
  });
  client.on("sessionEnded", () => {
    const signedOutAt = Number(localStorage.getItem(SIGNED_OUT_KEY));
    const elsewhere = signedOutAt && Date.now() - signedOutAt < SIGNED_OUT_RECENT_MS;
    for (const listener of endedListeners) listener(elsewhere ? SIGNED_OUT_ELSEWHERE : "Your session has ended. Sign in again.");
  });
}

const signedOutElsewhere = new Set();
export const SIGNED_OUT_ELSEWHERE = "You signed out in another tab.";

/** Another tab signed out (or its session was refused): this one signs out too, without asking the server again. */
export const onSignedOutElsewhere = (listener) => signedOutElsewhere.add(listener);

function sameUser(kept) {
  try {
    return JSON.parse(kept).session.user.id === (currentUser() || {}).id;
  } catch {
    return false;
  }
}

let rotationsDb = null;

function openRotations() {
  rotationsDb ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(ROTATIONS_DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore("rotations", { keyPath: "from" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return rotationsDb;
}

/** One IndexedDB transaction on the rotations; resolves with `work`'s request result once it has committed. */
async function rotations(mode, work) {
  const db = await openRotations();
  return new Promise((resolve, reject) => {
    const tx = db.transaction("rotations", mode);
    const request = work(tx.objectStore("rotations"));
    tx.oncomplete = () => resolve(request ? request.result : undefined);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

/**
 * The SDK's fetch. POST auth/refresh runs under a Web Lock held across tabs: inside it, a refresh token that
 * some tab already rotated is answered with the newest session of that login, and a real rotation is recorded
 * (committed) before the lock is let go. Everything else is plain fetch.
 */
function sharedRefreshFetch(input, init) {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  if (!/\/api\/auth\/refresh$/.test(new URL(url, location.href).pathname) || !navigator.locks) return fetch(input, init);
  return navigator.locks.request(REFRESH_LOCK, async () => {
    let presented = null;
    try {
      presented = JSON.parse(init.body).refreshToken;
    } catch {
      return fetch(input, init);
    }
    // Rotated before (by any tab): the newest session of that login, whatever rotations came after.
    const rotated = await rotations("readonly", (store) => store.get(presented));
    const latest = rotated && (await rotations("readonly", (store) => store.get("latest")));
    const newest = rotated && latest && latest.answer.user.id === rotated.answer.user.id && latest.at >= rotated.at ? latest : rotated;
    if (newest) {
      const expiresIn = Math.max(1, Math.floor(newest.answer.expiresIn - (Date.now() - newest.at) / 1000));
      return new Response(JSON.stringify({ ...newest.answer, expiresIn }), { status: 200, headers: { "Content-Type": "application/json" } });
    }
    const response = await fetch(input, init);
    if (response.ok) {
      const answer = await response.clone().json();
      const at = Date.now();
      await rotations("readwrite", (store) => {
        store.put({ from: presented, answer, at });
        store.put({ from: "latest", answer, at });
        store.openCursor().onsuccess = (event) => {
          const cursor = event.target.result;
          if (!cursor) return;
          if (cursor.value.at < at - ROTATIONS_KEPT_MS) cursor.delete();
          cursor.continue();
        };
        return null;
      });
    }
    return response;
  });
}

/** The page's ChatClient (after loadConfig). */
export const chat = () => client;

/** The API root, e.g. https://host/api. */
export const apiBase = () => base;

/** Every failed call: the SDK's ChatApiError, with a message written for people. */
export class ApiError extends ChatApiError {
  constructor(status, problem, retryAfterSeconds = null) {
    super(status, problem, retryAfterSeconds);
    this.message = describeProblem(status, problem);
  }
}

function describeProblem(status, problem) {
  if (problem && problem.errors) {
    const messages = Object.entries(problem.errors).map(([field, texts]) => `${field}: ${[].concat(texts).join(" ")}`);
    if (messages.length) return messages.join(" ");
  }
  if (status === 429) return "Too many requests; wait a moment.";
  return (problem && (problem.detail || problem.title)) || `The request failed (${status}).`;
}

const asApiError = (error) =>
  error instanceof ChatApiError && !(error instanceof ApiError) ? new ApiError(error.status, error.problem, error.retryAfterSeconds) : error;

/** A call that needs no token (password reset). */
export async function anonymous(method, path, body) {
  const headers = body === undefined ? {} : { "Content-Type": "application/json" };
  const response = await fetch(`${base}/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/**
 * An authenticated call, `api("GET", "messages?with=...")`: through the SDK's REST client, which refreshes the
 * token (one refresh for every concurrent request) and retries a 401 once; a refused refresh ends the session.
 */
export async function api(method, path, body) {
  if (!client || !client.session) throw new ApiError(401, null);
  const { data, error, response } = await client.api[method.toUpperCase()](`/api/${path}`, body === undefined ? {} : { body });
  if (!response.ok) {
    const retryAfter = Number(response.headers.get("retry-after"));
    throw new ApiError(response.status, error && typeof error === "object" ? error : null, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
  }
  return data === undefined ? null : data;
}

/** Signs in (`{username | email, password}`); the SDK keeps the session. */
export async function signIn(body) {
  await ending;
  try {
    return await client.login(body);
  } catch (error) {
    throw asApiError(error);
  }
}

/** Creates the account and signs in. */
export async function signUp(body) {
  await ending;
  try {
    return await client.register(body);
  } catch (error) {
    throw asApiError(error);
  }
}

/** The session kept in this tab's storage, if any (the SDK read it when it was made). */
export const restoreSession = () => (client ? client.session : null);

export const currentUser = () => (client && client.session ? client.session.user : null);

/** Forgets the session here; with `logout`, the server revokes its refresh token too (and the outbox is dropped). */
export function endSession({ logout = false } = {}) {
  if (!client) return Promise.resolve();
  const current = client;
  if (logout) {
    // The other tabs hear this first (the storage event), before the server's end of the session reaches them.
    localStorage.setItem(SIGNED_OUT_KEY, String(Date.now()));
    localStorage.removeItem(SESSION_KEY);
  }
  ending = ending
    .then(() => (logout ? current.logout() : current.disconnect()))
    .catch(() => {})
    .then(() => rotations("readwrite", (store) => store.clear()))
    .catch(() => {});
  return ending;
}

/** Called when the server refuses the session (refresh failed): the app shows the sign-in again. */
export const onSessionEnded = (listener) => endedListeners.add(listener);
