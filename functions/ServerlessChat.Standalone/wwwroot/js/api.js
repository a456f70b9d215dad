// The HTTP API: where it is (config.json), the session and its refresh, and problem+json errors.

const SESSION_KEY = "serverlesschat.session";

let base = new URL("/api", location.href).href;
let session = null;
let refreshing = null;
const endedListeners = new Set();
const sessionListeners = new Set();

/**
 * Reads config.json next to index.html (one folder up from this module): `{"apiBase": "https://<function-app>/api"}`. Missing, empty or not
 * http(s): the API of this page's own origin.
 */
export async function loadConfig() {
  try {
    const response = await fetch(new URL("../config.json", import.meta.url), { cache: "no-store" });
    if (!response.ok) return;
    const config = await response.json();
    const value = config && typeof config.apiBase === "string" ? config.apiBase.trim() : "";
    if (!value) return;
    const url = new URL(value, location.href);
    if (url.protocol === "http:" || url.protocol === "https:") base = url.href.replace(/\/+$/, "");
  } catch {
    // No configuration: same origin.
  }
}

/** The API root, e.g. https://host/api (the hub URL too: negotiate is under it). */
export const apiBase = () => base;

export class ApiError extends Error {
  constructor(status, problem) {
    super(describeProblem(status, problem));
    this.status = status;
    this.problem = problem;
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

function send(method, path, body, token) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(`${base}/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function readAnswer(response) {
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** A call that needs no token (sign in, sign up, reset). */
export async function anonymous(method, path, body) {
  return readAnswer(await send(method, path, body));
}

/** An authenticated call; a 401 gets one retry after a refresh, then ends the session. */
export async function api(method, path, body) {
  const current = session;
  if (!current) throw new ApiError(401, null);
  let response = await send(method, path, body, current.accessToken);
  if (response.status === 401 && (await refreshSession(current.accessToken))) {
    response = await send(method, path, body, session.accessToken);
  }
  if (response.status === 401 && session) {
    endSession();
    for (const listener of endedListeners) listener("Your session has ended. Sign in again.");
  }
  return readAnswer(response);
}

/**
 * Rotates the refresh token. Single-flight: presenting the same refresh token twice counts as reuse and
 * revokes the whole login chain, so concurrent 401s share one refresh.
 */
function refreshSession(staleAccessToken) {
  if (!session) return Promise.resolve(false);
  // Another request refreshed while this one was in flight.
  if (session.accessToken !== staleAccessToken) return Promise.resolve(true);
  if (!refreshing) {
    const { refreshToken } = session;
    refreshing = (async () => {
      try {
        const response = await send("POST", "auth/refresh", { refreshToken });
        if (!response.ok) return false;
        setSession(await response.json());
        return true;
      } catch {
        return false;
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}

/** For the hub's negotiate call: a token that will not expire in the middle of it. */
export async function freshAccessToken() {
  if (session && session.expiresAt - Date.now() < 30000) await refreshSession(session.accessToken);
  return session ? session.accessToken : "";
}

export function setSession(answer) {
  session = {
    user: answer.user,
    accessToken: answer.accessToken,
    refreshToken: answer.refreshToken,
    expiresAt: Date.now() + answer.expiresIn * 1000,
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  for (const listener of sessionListeners) listener(session);
}

/** The session saved in this tab, if any. */
export function restoreSession() {
  try {
    session = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  } catch {
    session = null;
  }
  if (!session) sessionStorage.removeItem(SESSION_KEY);
  return session;
}

export const currentUser = () => (session ? session.user : null);

/** Forgets the session here; with `logout`, the server revokes its refresh token too. */
export function endSession({ logout = false } = {}) {
  const ended = session;
  session = null;
  sessionStorage.removeItem(SESSION_KEY);
  if (logout && ended) send("POST", "auth/logout", { refreshToken: ended.refreshToken }, ended.accessToken).catch(() => {});
}

/** Called when the server refuses the session (refresh failed): the app shows the sign-in again. */
export const onSessionEnded = (listener) => endedListeners.add(listener);
