// Two users on @serverlesschat/client (installed from its packed tarball next to this file by JsClientSdkTests)
// against a real standalone host, each through a TCP proxy of its own that keeps dropping every socket (the
// hub's WebSocket and its HTTP requests), plus an outbox written while one of them is cut off. Checks that
// every stored-state change reached each client's handlers once (each change a fresh sync returns from where
// the client started is among those it got, none twice) and that each client's view equals a fresh read.
// With UPSTREAM_FILE, the host is also restarted once: the program prints RESTART, the test kills the host, starts
// it again on the same data and writes its new URL to that file, and both clients must come back on their own.
// Usage: HOST_URL=http://127.0.0.1:port [UPSTREAM_FILE=path] node flapping.mjs
// (exit 0 and a JSON summary as the last line, or exit 1 and why)
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import { ChatClient, API_VERSION } from "@serverlesschat/client";

const upstreamFile = process.env.UPSTREAM_FILE;
const upstream = () => (upstreamFile && existsSync(upstreamFile) ? readFileSync(upstreamFile, "utf8").trim() : "");
let host = new URL(upstream() || process.env.HOST_URL || "http://127.0.0.1:5000");
/** The host's address now: the upstream file's once the test restarted it elsewhere. */
const currentHost = () => (host = new URL(upstream() || host.href));
const rounds = Number(process.env.ROUNDS ?? 60);
const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const deadline = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms).unref());
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const within = (ms, what, promise) => Promise.race([promise, deadline(ms, what)]);
const failures = [];
const check = (ok, message) => ok || failures.push(message);

/** A loopback TCP proxy to the host that can drop every socket it carries, or refuse all (offline). */
class FlakyProxy {
  sockets = new Set();
  offline = false;
  drops = 0;

  async start() {
    this.server = net.createServer((client) => {
      if (this.offline) return client.destroy();
      const target = currentHost();
      const server = net.connect(Number(target.port), target.hostname);
      for (const [from, to] of [[client, server], [server, client]]) {
        this.sockets.add(from);
        from.on("error", () => to.destroy());
        from.on("close", () => {
          this.sockets.delete(from);
          to.destroy();
        });
        from.pipe(to);
      }
    });
    await new Promise((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${this.server.address().port}`;
  }

  drop() {
    this.drops += 1;
    for (const socket of this.sockets) socket.destroy();
  }

  stop() {
    this.drop();
    this.server.close();
  }
}

/** What one user's client saw: every stored-state change by cursor, and the messages view built from them. */
function watch(client, name) {
  const seen = { name, cursors: new Map(), sources: { live: 0, sync: 0, sent: 0 }, messages: new Map(), states: [], resyncs: 0 };
  const stored = ["newMessage", "messageUpdated", "messageDeleted", "messagesRead", "reactionsUpdated", "groupUpdated", "userUpdated"];
  for (const type of stored) {
    client.on(type, (data, change) => {
      seen.sources[change.source] += 1;
      if (change.cursor) seen.cursors.set(change.cursor, (seen.cursors.get(change.cursor) ?? 0) + 1);
      if (type === "newMessage" || type === "messageUpdated") {
        seen.messages.set(data.id, { conversationId: data.conversationId, content: data.content, deleted: data.deleted, editedAt: data.editedAt ?? null });
      } else if (type === "messageDeleted") {
        const known = seen.messages.get(data.id);
        if (known) seen.messages.set(data.id, { ...known, content: "", deleted: true });
      }
    });
  }
  client.on("connectionState", (state) => seen.states.push(state));
  client.on("resync", () => (seen.resyncs += 1));
  return seen;
}

async function direct(method, path, token, body) {
  const response = await fetch(new URL(path, currentHost()), {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: response.status === 204 ? null : await response.json().catch(() => null) };
}

/**
 * Every change since `since`, read page by page straight from the host, once nothing is held back: a write the
 * host's kill cut off leaves an entry that sync passes only when it is older than the settle window
 * (`settlesInMs` says when).
 */
async function syncedCursors(token, since) {
  for (;;) {
    const cursors = [];
    let from = since;
    let settlesInMs = null;
    for (;;) {
      const { status, body } = await direct("GET", `/api/sync?since=${encodeURIComponent(from)}&limit=500`, token);
      if (status !== 200) throw new Error(`sync answered ${status}`);
      cursors.push(...body.changes.map((c) => c.cursor));
      from = body.cursor;
      if (!body.hasMore) {
        settlesInMs = body.settlesInMs ?? null;
        break;
      }
    }
    if (settlesInMs === null) return cursors;
    await sleep(settlesInMs);
  }
}

async function freshRead(token, query) {
  const messages = new Map();
  let before = null;
  for (;;) {
    const { status, body } = await direct("GET", `/api/messages?${query}&limit=100${before ? `&before=${before}` : ""}`, token);
    if (status !== 200) throw new Error(`messages answered ${status}`);
    for (const m of body.items) messages.set(m.id, { conversationId: m.conversationId, content: m.content, deleted: m.deleted, editedAt: m.editedAt ?? null });
    if (!body.nextBefore) return messages;
    before = body.nextBefore;
  }
}

const proxies = [new FlakyProxy(), new FlakyProxy()];
const urls = await Promise.all(proxies.map((p) => p.start()));
const clients = urls.map((baseUrl) => new ChatClient({ baseUrl, outbox: "memory" }));
const [alice, bob] = clients;
const sessions = [];
for (const [i, client] of clients.entries()) {
  const name = `${i === 0 ? "alice" : "bob"}${tag}`;
  sessions.push(await client.register({ username: name, email: `${name}@sdk.test`, password: "correct horse battery" }));
}
const [a, b] = sessions;
const group = await direct("POST", "/api/groups", a.accessToken, { name: `sdk ${tag}`, memberIds: [b.user.id] });
check(group.status === 201, `creating the group answered ${group.status}`);
const views = clients.map((client, i) => watch(client, i === 0 ? "alice" : "bob"));

await within(30_000, "first connect", Promise.all(clients.map((c) => c.connect())));
const startCursors = clients.map((c) => c.cursor);

// Flapping: every 150-600 ms one user's proxy drops every socket it carries.
let flapping = true;
const flapper = (async () => {
  while (flapping) {
    await sleep(150 + Math.random() * 450);
    if (flapping) proxies[Math.floor(Math.random() * 2)].drop();
  }
})();

// Both users write while their connections flap: sends through the SDK (outbox), edits and deletes straight to the host.
const sends = [];
const sentIds = [];
for (let round = 0; round < rounds; round += 1) {
  const from = round % 2;
  const client = clients[from];
  const peer = sessions[1 - from].user.id;
  const request = round % 3 === 0 ? { groupId: group.body.id, content: `group ${round}` } : { receiverId: peer, content: `direct ${round}` };
  sends.push(client.sendMessage(request).then((m) => sentIds.push([from, m.id])));
  if (round % 5 === 4 && sentIds.length) {
    const [owner, id] = sentIds[Math.floor(Math.random() * sentIds.length)];
    if (Math.random() < 0.5) await direct("PATCH", `/api/messages/${id}`, sessions[owner].accessToken, { content: `edited in round ${round}` });
    else await direct("DELETE", `/api/messages/${id}`, sessions[owner].accessToken);
  }
  await sleep(40 + Math.random() * 120);
}
await within(60_000, "the flapping sends", Promise.all(sends));

// A host restart: killed without warning, started again on the same data at another port; the clients must find it
// through their proxies, and the messages written meanwhile must be stored once each.
let restarts = 0;
if (upstreamFile) {
  const before = upstream();
  console.log("RESTART");
  const whileDown = [alice.sendMessage({ receiverId: b.user.id, content: "while the host restarts (alice)" }),
    bob.sendMessage({ groupId: group.body.id, content: "while the host restarts (bob)" })];
  const waitedSince = Date.now();
  while (upstream() === before) {
    if (Date.now() - waitedSince > 90_000) throw new Error("timed out: the host restart");
    await sleep(50);
  }
  restarts += 1;
  await within(60_000, "the sends across the restart", Promise.all(whileDown));
}

// The outbox: bob is cut off, writes five messages, and comes back.
proxies[1].offline = true;
proxies[1].drop();
const offlineSince = Date.now();
while (bob.connectionState === "connected" && Date.now() - offlineSince < 10_000) await sleep(20);
const offlineSends = Array.from({ length: 5 }, (_, i) => bob.sendMessage({ receiverId: a.user.id, content: `offline ${i}` }));
await sleep(1500);
const queued = (await bob.pendingMessages()).length;
check(queued === 5, `bob's outbox held ${queued} messages while offline, not 5`);
proxies[1].offline = false;
const offlineMessages = await within(30_000, "the outbox after reconnecting", Promise.all(offlineSends));

flapping = false;
await flapper;
// Catch up: both connected, then one more sync each, so that everything stored so far has been applied.
await within(30_000, "reconnect after flapping", Promise.all(clients.map((c) => c.connect())));
await Promise.all(clients.map((c) => c.sync()));

for (const [i, client] of clients.entries()) {
  const view = views[i];
  const token = sessions[i].accessToken;
  const twice = [...view.cursors].filter(([, n]) => n > 1).map(([c]) => c);
  check(twice.length === 0, `${view.name} got ${twice.length} changes more than once: ${twice.slice(0, 5).join(", ")}`);
  const expected = await syncedCursors(token, startCursors[i]);
  // No more sync is asked for here: a client whose sync stopped at a held entry syncs again by itself.
  const since = Date.now();
  while (expected.some((c) => !view.cursors.has(c)) && Date.now() - since < 30_000) await sleep(50);
  const missing = expected.filter((c) => !view.cursors.has(c));
  check(missing.length === 0, `${view.name} never got ${missing.length} of ${expected.length} changes: ${missing.slice(0, 5).join(", ")}`);
  const fresh = new Map([
    ...(await freshRead(token, `with=${sessions[1 - i].user.id}`)),
    ...(await freshRead(token, `groupId=${group.body.id}`)),
  ]);
  check(fresh.size === view.messages.size, `${view.name} sees ${view.messages.size} messages, a fresh read ${fresh.size}`);
  // messageDeleted carries no editedAt (a delete stamps one on the stored message): compared for live messages only.
  const comparable = (m) => (m ? JSON.stringify(m.deleted ? { ...m, editedAt: null } : m) : String(m));
  for (const [id, stored] of fresh) {
    const shown = comparable(view.messages.get(id));
    check(shown === comparable(stored), `${view.name}: message ${id} is ${shown}, stored ${comparable(stored)}`);
  }
  void client;
}

const offlineFresh = await freshRead(a.accessToken, `with=${b.user.id}`);
for (const [i, message] of offlineMessages.entries()) {
  const copies = [...offlineFresh.values()].filter((m) => m.content === `offline ${i}`).length;
  check(copies === 1, `"offline ${i}" is stored ${copies} times`);
  check(message.content === `offline ${i}`, `sendMessage answered ${message.content} for "offline ${i}"`);
}

await Promise.all(clients.map((c) => c.disconnect()));
for (const p of proxies) p.stop();

const summary = {
  apiVersion: API_VERSION,
  drops: proxies.map((p) => p.drops),
  reconnects: views.map((v) => v.states.filter((s) => s === "reconnecting").length),
  changes: views.map((v) => v.cursors.size),
  sources: views.map((v) => v.sources),
  messages: views.map((v) => v.messages.size),
  resyncs: views.map((v) => v.resyncs),
  restarts,
  failures,
};
console.log(JSON.stringify(summary));
process.exit(failures.length ? 1 : 0);
