// Token refresh: one refresh for many concurrent 401s, one retry per request, and the tokenProvider alternative.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChatClient } from "../dist/index.js";

const user = { id: "u1", username: "ann", displayName: "Ann", createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z" };
const session = (n, expiresIn = 900) => ({ user, accessToken: `access-${n}`, refreshToken: `refresh-${n}`, expiresIn });

/** A fake API: tokens named access-N are valid when N is the current generation. */
function fakeServer({ refreshDelayMs = 20 } = {}) {
  const server = { generation: 1, refreshes: [], calls: [] };
  server.fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const path = new URL(request.url).pathname;
    if (path === "/api/auth/refresh") {
      const { refreshToken } = await request.json();
      server.refreshes.push(refreshToken);
      await new Promise((r) => setTimeout(r, refreshDelayMs));
      if (refreshToken !== `refresh-${server.generation}`) return Response.json({ status: 401, title: "Unauthorized" }, { status: 401 });
      server.generation += 1;
      return Response.json(session(server.generation));
    }
    const auth = request.headers.get("authorization");
    server.calls.push(auth);
    if (auth !== `Bearer access-${server.generation}`) return new Response(null, { status: 401 });
    return Response.json({ items: [], nextBefore: null });
  };
  return server;
}

function signedInClient(server, storage) {
  const kept = new Map([["serverlesschat.session", JSON.stringify({ session: session(1), expiresAt: Date.now() + 600_000 })]]);
  storage ??= { getItem: (k) => kept.get(k) ?? null, setItem: (k, v) => kept.set(k, v), removeItem: (k) => kept.delete(k) };
  return new ChatClient({ baseUrl: "http://chat.test", fetch: server.fetch, storage, outbox: "memory" });
}

test("concurrent requests refused with a stale access token share one refresh and each retries once", async () => {
  for (let round = 0; round < 20; round += 1) {
    const server = fakeServer();
    const client = signedInClient(server);
    // The server no longer takes this access token (expired early, or its session was refreshed elsewhere).
    client["credentials"].adopt({ ...session(1), accessToken: "access-0" });
    const answers = await Promise.all(Array.from({ length: 12 }, () => client.api.GET("/api/messages", { params: { query: { with: "u2" } } })));
    assert.deepEqual(answers.map((a) => a.response.status), Array(12).fill(200));
    assert.deepEqual(server.refreshes, ["refresh-1"], "exactly one refresh for all the concurrent 401s");
    assert.equal(client.session.accessToken, "access-2");
    assert.equal(server.calls.length, 24, "each request sent twice: the 401 and its one retry");
  }
});

test("a request refused again after the refresh is answered 401, without a second refresh", async () => {
  const server = fakeServer();
  const client = new ChatClient({
    baseUrl: "http://chat.test",
    outbox: "memory",
    // Refresh works; every other route refuses every token.
    fetch: async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      return new URL(request.url).pathname === "/api/auth/refresh" ? server.fetch(request) : new Response(null, { status: 401 });
    },
  });
  client["credentials"].adopt({ ...session(1), accessToken: "access-0" });
  const answer = await client.api.GET("/api/conversations");
  assert.equal(answer.response.status, 401);
  assert.deepEqual(server.refreshes, ["refresh-1"]);
});

test("a refused refresh ends the session once and tells the app", async () => {
  const server = fakeServer();
  const client = signedInClient(server);
  client["credentials"].adopt({ ...session(1), accessToken: "access-0", refreshToken: "refresh-stolen" });
  const ended = [];
  client.on("sessionEnded", (e) => ended.push(e.reason));
  const answers = await Promise.all(Array.from({ length: 5 }, () => client.api.GET("/api/conversations")));
  assert.deepEqual(answers.map((a) => a.response.status), Array(5).fill(401));
  assert.equal(server.refreshes.length, 1);
  assert.equal(ended.length, 1);
  assert.equal(client.session, null);
});

test("an access token about to expire is refreshed before the request, once for concurrent requests", async () => {
  const server = fakeServer();
  const kept = new Map([["serverlesschat.session", JSON.stringify({ session: session(1), expiresAt: Date.now() + 5_000 })]]);
  const storage = { getItem: (k) => kept.get(k) ?? null, setItem: (k, v) => kept.set(k, v), removeItem: (k) => kept.delete(k) };
  const client = signedInClient(server, storage);
  const answers = await Promise.all(Array.from({ length: 8 }, () => client.api.GET("/api/conversations")));
  assert.deepEqual(answers.map((a) => a.response.status), Array(8).fill(200));
  assert.deepEqual(server.refreshes, ["refresh-1"]);
  assert.equal(server.calls.filter((c) => c !== "Bearer access-2").length, 0, "no request went out with the old token");
  assert.equal(JSON.parse(kept.get("serverlesschat.session")).session.accessToken, "access-2", "the new session is kept in storage");
});

test("with a tokenProvider, concurrent 401s ask it once for a fresh token", async () => {
  let valid = "t1";
  const asked = [];
  const client = new ChatClient({
    baseUrl: "http://chat.test",
    outbox: "memory",
    tokenProvider: async ({ forceRefresh }) => {
      asked.push(forceRefresh);
      await new Promise((r) => setTimeout(r, 10));
      return forceRefresh ? "t2" : "t1";
    },
    fetch: async (request) => (request.headers.get("authorization") === `Bearer ${valid}` ? Response.json({ items: [] }) : new Response(null, { status: 401 })),
  });
  assert.equal((await client.api.GET("/api/conversations")).response.status, 200);
  valid = "t2";
  const answers = await Promise.all(Array.from({ length: 6 }, () => client.api.GET("/api/conversations")));
  assert.deepEqual(answers.map((a) => a.response.status), Array(6).fill(200));
  assert.deepEqual(asked, [false, true]);
  assert.equal(client.session, null);
});
