// The hub connection: events into the store, reconnects, and the sync that follows every (re)connect and
// every `ready`. The SignalR browser client is a classic script (lib/signalr) that defines `signalR`.
import { api, apiBase, ApiError, freshAccessToken } from "./api.js";
import * as store from "./state.js";

const HEARTBEAT_MS = 30000;
// The server closes every connection when its token expires (plus up to a minute) and the client reconnects at
// once; the "reconnecting" label shows only when that takes longer than this.
const QUIET_RECONNECT_MS = 3000;
const SYNC_PAGE = 200;
const STORED_EVENTS = ["newMessage", "messageUpdated", "messageDeleted", "messagesRead", "reactionsUpdated", "typing", "presence", "groupUpdated", "userUpdated"];

let connection = null;
let heartbeat = null;
let hooks = { onConnected: () => {}, onSignal: () => {} };
// true / false once GET /api/sync answered; null before.
let syncAvailable = null;
let syncing = null;
// Stored-state events that arrived while a sync was out, applied after its answer (see sync()).
let held = [];
// Whether the sync that followed this connection's latest `ready` has been applied: only then does a
// `checkpoint` (a resume cursor covering what the connection brought since `ready`) become the sync cursor.
let readySynced = false;
// Counts readys and drops: a sync that completes after a newer ready or a drop does not put the client in step.
let readyGeneration = 0;

/**
 * Connects. `onConnected` runs after every (re)connect (to reload what the API has, when sync cannot tell),
 * `onSignal` gets every callSignal.
 */
export async function start(options) {
  hooks = { ...hooks, ...options };
  const signalR = window.signalR;
  const current = new signalR.HubConnectionBuilder()
    .withUrl(apiBase(), { accessTokenFactory: () => freshAccessToken() })
    .withAutomaticReconnect()
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  connection = current;

  // Handlers return nothing: a value returned would be taken for a client result the server never asked for.
  for (const name of STORED_EVENTS) {
    current.on(name, (data) => {
      if (syncing && data && data.cursor != null) held.push([name, data]);
      else store.apply(name, data);
    });
  }
  current.on("callSignal", (signal) => {
    hooks.onSignal(signal);
  });
  current.on("ready", (ready) => {
    readySynced = false;
    const generation = ++readyGeneration;
    sync(ready && ready.cursor).then((complete) => {
      if (connection === current && complete && generation === readyGeneration) readySynced = true;
    });
  });
  // A checkpoint while a sync is out would be overwritten by the older cursor of its answer: it is left out, and
  // the next one (within a minute while changes come) is taken.
  current.on("checkpoint", (checkpoint) => {
    if (connection === current && readySynced && !syncing && checkpoint && checkpoint.cursor) store.setSyncCursor(checkpoint.cursor);
  });

  let reconnectingLabel = null;
  current.onreconnecting(() => {
    readySynced = false;
    readyGeneration += 1;
    clearTimeout(reconnectingLabel);
    reconnectingLabel = setTimeout(() => {
      if (connection === current && current.state === signalR.HubConnectionState.Reconnecting) store.setConnectionState("reconnecting");
    }, QUIET_RECONNECT_MS);
  });
  current.onreconnected(() => {
    clearTimeout(reconnectingLabel);
    connected(current);
  });
  current.onclose(() => {
    readySynced = false;
    readyGeneration += 1;
    if (connection !== current) return;
    store.setConnectionState("disconnected");
    // Automatic reconnect gave up (the server was away for long); keep trying, slowly.
    setTimeout(() => connection === current && connectWithRetry(current), 15000);
  });

  clearInterval(heartbeat);
  heartbeat = setInterval(() => {
    if (current.state === signalR.HubConnectionState.Connected) api("POST", "presence/heartbeat").catch(() => {});
  }, HEARTBEAT_MS);

  await connectWithRetry(current);
}

export function stop() {
  const current = connection;
  connection = null;
  clearInterval(heartbeat);
  syncAvailable = null;
  store.setConnectionState("disconnected");
  if (current) current.stop().catch(() => {});
}

async function connectWithRetry(current) {
  store.setConnectionState("connecting");
  try {
    await current.start();
    if (connection !== current) return;
    connected(current);
  } catch {
    if (connection !== current) return;
    store.setConnectionState("disconnected");
    setTimeout(() => connection === current && connectWithRetry(current), 5000);
  }
}

function connected(current) {
  if (connection !== current) return;
  store.setConnectionState("connected");
  hooks.onConnected();
  sync();
}

/**
 * Before the first load of conversations: the server's current cursor, so that a later sync replays whatever
 * changed between that load and the connection being ready. 404: this API has no sync.
 */
export async function primeSync() {
  if (store.syncCursor()) return;
  try {
    const answer = await api("GET", "sync");
    syncAvailable = true;
    store.setSyncCursor(answer.cursor);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) syncAvailable = false;
  }
}

/**
 * Pages through GET /api/sync from the last applied cursor, each change through the store (which skips what it
 * has applied). 404: this API has no sync, and the reload in onConnected is all there is. 410: the cursor is
 * older than the kept history; start again from now (onConnected has reloaded the conversations).
 * Without a cursor yet, the server's current one (from `ready`, or sync without since) is the start.
 * An answer may have been read before a live event that reaches the page first, and would bring back the older
 * state under a cursor not yet applied; so live events wait for the answer, and then the store skips those it
 * covered (by cursor) and applies the newer ones.
 * Resolves to true once the client is in step with the server (the last answer had no more to come).
 */
export function sync(readyCursor) {
  if (syncAvailable === false) return Promise.resolve(false);
  if (syncing) return syncing.then(() => sync(readyCursor));
  syncing = (async () => {
    try {
      let since = store.syncCursor();
      if (!since && readyCursor) {
        store.setSyncCursor(readyCursor);
        return true;
      }
      for (let page = 0; page < 50; page += 1) {
        const query = since ? `?since=${encodeURIComponent(since)}&limit=${SYNC_PAGE}` : `?limit=${SYNC_PAGE}`;
        const answer = await api("GET", `sync${query}`);
        syncAvailable = true;
        store.applySyncPage(answer);
        since = answer.cursor;
        if (!answer.hasMore) return true;
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) syncAvailable = false;
      else if (error instanceof ApiError && error.status === 410) {
        store.setSyncCursor(null);
        hooks.onConnected();
      } else if (!(error instanceof ApiError && error.status === 401)) console.warn("Sync failed", error);
    } finally {
      syncing = null;
      const waiting = held;
      held = [];
      for (const [name, data] of waiting) store.apply(name, data);
    }
    return false;
  })();
  return syncing;
}
