// The outbox: queued sends go out in order, once each, and survive failures that say "not now".
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChatApiError, ChatClient, MemoryOutboxStore } from "../dist/index.js";
import { Outbox } from "../dist/outbox.js";

const item = (n, userId = "u1") => ({
  clientMessageId: `cm-${n}`,
  userId,
  request: { receiverId: "u2", content: `message ${n}`, clientMessageId: `cm-${n}` },
  queuedAt: n,
});

/** A fake server that stores each clientMessageId once; `down` makes requests fail as a network error does. */
function fakeSend() {
  const server = { stored: new Map(), requests: [], down: false, lostAnswers: 0 };
  server.send = async (queued) => {
    server.requests.push(queued.clientMessageId);
    await new Promise((r) => setTimeout(r, Math.random() * 3));
    if (server.down) throw new TypeError("fetch failed");
    if (!server.stored.has(queued.clientMessageId)) server.stored.set(queued.clientMessageId, { id: `m-${server.stored.size}`, content: queued.request.content });
    if (server.lostAnswers > 0) {
      server.lostAnswers -= 1;
      throw new TypeError("fetch failed: socket hang up");
    }
    return server.stored.get(queued.clientMessageId);
  };
  return server;
}

test("messages queued offline are sent on the next flush, in order, each stored once", async () => {
  const server = fakeSend();
  const outbox = new Outbox(new MemoryOutboxStore(), server.send, () => assert.fail("nothing fails"));
  server.down = true;
  const sent = [];
  for (let n = 0; n < 5; n += 1) sent.push((await outbox.enqueue(item(n))).sent);
  await outbox.flush("u1");
  assert.equal((await outbox.pending("u1")).length, 5, "nothing leaves the outbox while the server is away");
  server.down = false;
  await outbox.flush("u1");
  const messages = await Promise.all(sent);
  assert.deepEqual(messages.map((m) => m.content), ["message 0", "message 1", "message 2", "message 3", "message 4"]);
  assert.equal(server.stored.size, 5);
  assert.deepEqual(await outbox.pending("u1"), []);
});

test("a send whose answer was lost is sent again with its clientMessageId and resolves with the stored message", async () => {
  const server = fakeSend();
  const outbox = new Outbox(new MemoryOutboxStore(), server.send, () => {});
  const { sent } = await outbox.enqueue(item(1));
  server.lostAnswers = 1;
  await outbox.flush("u1");
  await outbox.flush("u1");
  assert.deepEqual(server.requests, ["cm-1", "cm-1"]);
  assert.equal(server.stored.size, 1);
  assert.equal((await sent).id, "m-0");
});

test("flushes asked for at once send each queued message once", async () => {
  for (let round = 0; round < 30; round += 1) {
    const server = fakeSend();
    const outbox = new Outbox(new MemoryOutboxStore(), server.send, () => {});
    const sent = [];
    for (let n = 0; n < 6; n += 1) sent.push((await outbox.enqueue(item(n))).sent);
    await Promise.all(Array.from({ length: 8 }, () => outbox.flush("u1")));
    await Promise.all(sent);
    assert.deepEqual(server.requests, ["cm-0", "cm-1", "cm-2", "cm-3", "cm-4", "cm-5"]);
  }
});

test("a message the server refuses for good leaves the outbox, rejects its send and is reported; the rest go on", async () => {
  const failed = [];
  const outbox = new Outbox(
    new MemoryOutboxStore(),
    async (queued) => {
      if (queued.clientMessageId === "cm-1") throw new ChatApiError(403, { type: "about:blank", title: "Forbidden", status: 403, traceId: "t" });
      return { id: queued.clientMessageId };
    },
    (queued, error) => failed.push([queued.clientMessageId, error.status]),
  );
  const sends = [];
  for (let n = 0; n < 3; n += 1) sends.push((await outbox.enqueue(item(n))).sent);
  await outbox.flush("u1");
  const results = await Promise.allSettled(sends);
  assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"]);
  assert.deepEqual(failed, [["cm-1", 403]]);
  assert.deepEqual(await outbox.pending("u1"), []);
});

test("a 429 or 503 keeps the message queued for later", async () => {
  let status = 429;
  const outbox = new Outbox(new MemoryOutboxStore(), async () => {
    if (status) throw new ChatApiError(status, null, 1);
    return { id: "m" };
  }, () => assert.fail("not a failure"));
  const { sent } = await outbox.enqueue(item(1));
  await outbox.flush("u1");
  status = 503;
  await outbox.flush("u1");
  assert.equal((await outbox.pending("u1")).length, 1);
  status = 0;
  await outbox.flush("u1");
  assert.equal((await sent).id, "m");
});

test("another user's queued messages are never sent", async () => {
  const server = fakeSend();
  const outbox = new Outbox(new MemoryOutboxStore(), server.send, () => {});
  await outbox.enqueue(item(1, "someone-else"));
  await outbox.flush("u1");
  assert.deepEqual(server.requests, []);
});

test("sendMessage while not connected waits in the outbox with a clientMessageId", async () => {
  const posted = [];
  const client = new ChatClient({
    baseUrl: "http://chat.test",
    outbox: "memory",
    tokenProvider: () => "t",
    fetch: async (request) => {
      posted.push(request.url);
      return Response.json({}, { status: 500 });
    },
  });
  const pending = client.sendMessage({ receiverId: "u2", content: "hi" });
  await new Promise((r) => setTimeout(r, 20));
  const queued = await client.pendingMessages();
  assert.equal(queued.length, 1);
  assert.match(queued[0].request.clientMessageId, /^[0-9a-f-]{36}$/);
  assert.equal(queued[0].request.content, "hi");
  assert.deepEqual(posted, [], "nothing is sent while not connected");
  void pending;
});
