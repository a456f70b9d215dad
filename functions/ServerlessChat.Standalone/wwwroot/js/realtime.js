// The live connection, all of it in the SDK: negotiate, reconnects (waits of at most 2 s with jitter), the sync
// after every `ready` with live events held, changes applied once by cursor, checkpoints, the presence
// heartbeat and the outbox. Here: the SDK's events into the store, and the connection state for the views.
import { api, chat } from "./api.js";
import * as store from "./state.js";

const STORED_EVENTS = ["newMessage", "messageUpdated", "messageDeleted", "messagesRead", "reactionsUpdated", "groupUpdated", "userUpdated"];
const PASSING_EVENTS = ["typing", "presence"];

let hooks = { onConnected: () => {}, onResync: () => {}, onSignal: () => {} };
let unsubscribe = [];

/**
 * Before the first load of conversations: the server's current cursor, so that the first sync replays whatever
 * changes between that load and the connection being ready. A reload in this tab resumes from the SDK's own.
 */
export async function primeSync() {
  const client = chat();
  if (client.cursor) return;
  try {
    const answer = await api("GET", "sync");
    if (answer && answer.cursor) client.resumeFrom(answer.cursor);
  } catch {
    // No sync here, or not now: the connection's ready is where it starts.
  }
}

/**
 * Connects through the SDK and stays connected until stop(). `onConnected` runs after every (re)connect, once
 * the SDK has synced, `onResync` when the cursor was too old to sync from, `onSignal` gets every callSignal.
 */
export function start(options) {
  hooks = { ...hooks, ...options };
  const client = chat();
  stopListening();
  for (const name of [...STORED_EVENTS, ...PASSING_EVENTS]) unsubscribe.push(client.on(name, (data) => store.apply(name, data)));
  unsubscribe.push(client.on("callSignal", (signal) => hooks.onSignal(signal)));
  unsubscribe.push(client.on("resync", () => hooks.onResync()));
  // A queued message the server refused for good (also one queued before a reload): Retry offers it again.
  unsubscribe.push(
    client.on("outboxFailed", ({ clientMessageId, request, error }) => {
      const me = store.me();
      if (!me) return;
      const conversationId = request.groupId ? store.groupConversationId(request.groupId) : store.directConversationId(me.id, request.receiverId);
      store.updatePending(conversationId, clientMessageId, { status: "failed", error: error && error.message ? error.message : "refused." });
    }),
  );
  unsubscribe.push(
    client.on("connectionState", (state) => {
      store.setConnectionState(state);
      if (state === "connected") hooks.onConnected();
    }),
  );
  store.setConnectionState(client.connectionState);
  client.connect().catch(() => {
    // Refused for good (401): the session has ended, and sessionEnded signs out.
  });
}

export function stop() {
  stopListening();
  chat().disconnect().catch(() => {});
  store.setConnectionState("disconnected");
}

function stopListening() {
  for (const off of unsubscribe) off();
  unsubscribe = [];
}
