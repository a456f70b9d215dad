// The client's connection loop and sync against a fake API (no hub is reached: negotiate and sync only).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChatApiError, ChatClient } from "../dist/index.js";

function clientWith(route) {
  return new ChatClient({
    baseUrl: "http://chat.test/api/",
    outbox: "memory",
    tokenProvider: () => "token",
    fetch: async (request) => route(new URL(request.url), request),
  });
}

test("a negotiate answered 429 with Retry-After is tried again only after that many seconds", async () => {
  const negotiates = [];
  const client = clientWith((url) => {
    assert.equal(url.pathname, "/api/negotiate");
    negotiates.push(Date.now());
    if (negotiates.length === 1) {
      return Response.json({ type: "about:blank", title: "Too many", status: 429, traceId: "t" }, { status: 429, headers: { "Retry-After": "1" } });
    }
    return new Response(null, { status: 401 });
  });
  const states = [];
  client.on("connectionState", (s) => states.push(s));
  await assert.rejects(client.connect(), (error) => error instanceof ChatApiError && error.status === 401);
  assert.equal(negotiates.length, 3, "the 401 is retried once with a fresh token, then ends the attempts");
  assert.ok(negotiates[1] - negotiates[0] >= 1000, `tried again after ${negotiates[1] - negotiates[0]} ms`);
  assert.deepEqual(states, ["connecting", "disconnected"]);
});

test("a sync cursor older than the kept history (410) starts again from the server's cursor and says resync", async () => {
  const asked = [];
  const client = clientWith((url) => {
    asked.push(url.search);
    if (url.searchParams.get("since") === "ancient") return Response.json({ type: "about:blank", title: "Gone", status: 410, traceId: "t" }, { status: 410 });
    if (!url.searchParams.has("since")) return Response.json({ changes: [], cursor: "now", hasMore: false });
    return Response.json({ changes: [], cursor: url.searchParams.get("since"), hasMore: false });
  });
  client["feed"].restartFrom("ancient");
  const resyncs = [];
  client.on("resync", (e) => resyncs.push(e.cursor));
  await client.sync();
  assert.deepEqual(resyncs, ["now"]);
  assert.equal(client.cursor, "now");
  await client.sync();
  assert.deepEqual(asked.at(-1), "?since=now&limit=200");
});

test("sync pages through hasMore, delivering each change once even when pages overlap", async () => {
  const message = (id, cursor) => ({ type: "newMessage", cursor, data: { id, conversationId: "d:a:b", content: id, cursor } });
  const pages = {
    c0: { changes: [message("m1", "c1"), message("m2", "c2")], cursor: "c2", hasMore: true },
    c2: { changes: [message("m2", "c2"), message("m3", "c3")], cursor: "c3", hasMore: false },
  };
  const client = clientWith((url) => Response.json(pages[url.searchParams.get("since")]));
  client["feed"].restartFrom("c0");
  const seen = [];
  client.on("newMessage", (m, change) => seen.push(`${m.id}:${change.source}`));
  await client.sync();
  assert.deepEqual(seen, ["m1:sync", "m2:sync", "m3:sync"]);
  assert.equal(client.cursor, "c3");
});

test("a handler that throws does not stop the others, and is reported as an error event", async () => {
  const client = clientWith(() =>
    Response.json({ changes: [{ type: "messagesRead", cursor: "c1", data: { conversationId: "d:a:b", readerId: "a", upTo: "m1" } }], cursor: "c1", hasMore: false }),
  );
  client["feed"].restartFrom("c0");
  const calls = [];
  client.on("messagesRead", () => {
    throw new Error("broken view");
  });
  client.on("messagesRead", (e) => calls.push(e.upTo));
  client.on("error", (e) => calls.push(e.message));
  const off = client.on("messagesRead", () => calls.push("removed"));
  off();
  await client.sync();
  assert.deepEqual(calls, ["broken view", "m1"]);
});
