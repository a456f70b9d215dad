// The HTTP API through the JS SDK (@serverlesschat/client, the checked-in bundle in ../sdk): where the API is
// (config.json), the session and its refresh, and problem+json errors. The SDK's ChatClient does the session,
// the single-flight refresh and the retry after a 401; `api()` is a thin wrapper over its typed REST client.
//
// One session for every tab of this browser, kept across restarts: the SDK keeps it in localStorage, and a
// refresh runs under a Web Lock shared by the tabs. Each refresh token works once (a second use revokes the whole
// login chain), so the tab that rotates it leaves the answer for the tabs still holding the old one: a tab that
// presents a token already rotated gets the newest session instead of a second refresh. Signing out removes the
// session from localStorage, which every other tab hears (the storage event) and signs out too.
import { ChatApiError, ChatClient } from "../sdk/serverlesschat-client.js";

// The SDK's key for the session in its storage, and ours for the rotations made by any tab.
const SESSION_KEY = "serverlesschat.session";
const ROTATIONS_KEY = "serverlesschat.rotations";
const ROTATIONS_KEPT = 20;
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
    for (const listener of endedListeners) listener("Your session has ended. Sign in again.");
  });
}

const signedOutElsewhere = new Set();

/** Another tab signed out (or its session was refused): this one signs out too, without asking the server again. */
export const onSignedOutElsewhere = (listener) => signedOutElsewhere.add(listener);

function sameUser(kept) {
  try {
    return JSON.parse(kept).session.user.id === (currentUser() || {}).id;
  } catch {
    return false;
  }
}

function readRotations() {
  try {
    return JSON.parse(localStorage.getItem(ROTATIONS_KEY) || "[]");
  } catch {
    return [];
  }
}

/**
 * The SDK's fetch. POST auth/refresh runs under a Web Lock held across tabs: inside it, a refresh token that
 * another tab already rotated is answered with the newest session that rotation led to (following the chain),
 * and a real rotation is recorded before the lock is let go. Everything else is plain fetch.
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
    const rotations = readRotations();
    let newest = null;
    for (let token = presented, step = 0; step < ROTATIONS_KEPT; step += 1) {
      const next = rotations.find((r) => r.from === token);
      if (!next) break;
      newest = next;
      token = next.answer.refreshToken;
    }
    if (newest) {
      const expiresIn = Math.max(1, Math.floor(newest.answer.expiresIn - (Date.now() - newest.at) / 1000));
      return new Response(JSON.stringify({ ...newest.answer, expiresIn }), { status: 200, headers: { "Content-Type": "application/json" } });
    }
    const response = await fetch(input, init);
    if (response.ok) {
      const answer = await response.clone().json();
      const kept = [...rotations, { from: presented, answer, at: Date.now() }].slice(-ROTATIONS_KEPT);
      localStorage.setItem(ROTATIONS_KEY, JSON.stringify(kept));
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
  ending = ending
    .then(() => (logout ? current.logout() : current.disconnect()))
    .catch(() => {})
    .then(() => localStorage.removeItem(ROTATIONS_KEY));
  return ending;
}

/** Called when the server refuses the session (refresh failed): the app shows the sign-in again. */
export const onSessionEnded = (listener) => endedListeners.add(listener);
