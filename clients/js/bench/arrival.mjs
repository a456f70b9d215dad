// Send-to-arrival latency through the SDK against the raw @microsoft/signalr client, in one run.
//
//   node bench/arrival.mjs <base URL> [users=1000] [workers=32] [seconds=10] [rounds=2]
//
// Registers `users` users, then for each round connects them all twice over: once with the raw client (the hub
// straight from /api/negotiate, `newMessage` handlers, nothing else), once with the SDK (`ChatClient` with a
// token provider: its negotiate, `ready`, sync, the change feed that applies each change once). The senders are
// the same in both: `workers` loops posting direct messages between random users over plain HTTP. Each arrival
// at the receiver's handler is timed from the start of its POST. Prints one JSON line per round and client, and
// a summary with the SDK's p99 against the raw client's. Build the SDK first (`npm run build`); run the host with
// generous rate limits and a cheap password hash (`Auth__BcryptWorkFactor=4`,
// `RateLimiting__PermitsPerMinute=1000000`, `RateLimiting__AuthPermitsPerMinute=1000000`).
import * as signalR from "@microsoft/signalr";
import { ChatClient } from "../dist/index.js";

const [base, usersArg = "1000", workersArg = "32", secondsArg = "10", roundsArg = "2"] = process.argv.slice(2);
if (!base) {
  console.error("usage: node bench/arrival.mjs <base URL> [users] [workers] [seconds] [rounds]");
  process.exit(2);
}
const [userCount, workerCount, seconds, rounds] = [usersArg, workersArg, secondsArg, roundsArg].map(Number);
const tag = Math.random().toString(36).slice(2, 8);

async function call(path, { method = "POST", body, token } = {}) {
  const response = await fetch(new URL(path, base), {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

async function inBatches(items, size, action) {
  const results = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(action))));
  return results;
}

const users = await inBatches([...Array(userCount).keys()], 20, async (i) => {
  const name = `arrival${i}_${tag}`;
  const { status, json } = await call("/api/auth/register", { body: { username: name, email: `${name}@bench.test`, password: "arrival-password-1" } });
  if (status !== 201) throw new Error(`register answered ${status}`);
  return { id: json.user.id, token: json.accessToken };
});

function percentile(sorted, p) {
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Connects every user with `kind`, runs the senders, and returns the arrival latencies. */
async function measure(kind) {
  const sentAt = new Map();
  const latencies = [];
  const arrived = (user) => (message) => {
    if (message?.receiverId !== user.id) return;
    const started = sentAt.get(message.content);
    if (started !== undefined) latencies.push(performance.now() - started);
  };
  const stops = await inBatches(users, 50, async (user) => {
    if (kind === "raw") {
      const { json } = await call("/api/negotiate", { token: user.token });
      const hub = new signalR.HubConnectionBuilder()
        .withUrl(json.url, { accessTokenFactory: () => json.accessToken, transport: signalR.HttpTransportType.WebSockets })
        .configureLogging(signalR.LogLevel.None)
        .build();
      hub.on("newMessage", arrived(user));
      await hub.start();
      return () => hub.stop();
    }
    const client = new ChatClient({ baseUrl: base, tokenProvider: async () => user.token, outbox: "memory", presenceHeartbeatMs: 0 });
    client.on("newMessage", arrived(user));
    await client.connect();
    return () => client.disconnect();
  });

  let acked = 0;
  let failed = 0;
  let sequence = 0;
  const end = performance.now() + seconds * 1000;
  const sender = async () => {
    while (performance.now() < end) {
      const from = users[Math.floor(Math.random() * users.length)];
      let to = users[Math.floor(Math.random() * users.length)];
      if (to === from) to = users[(users.indexOf(from) + 1) % users.length];
      const content = `${kind}-${sequence++}`;
      sentAt.set(content, performance.now());
      const { status } = await call("/api/messages", { body: { receiverId: to.id, content }, token: from.token }).catch(() => ({ status: 0 }));
      status === 201 ? acked++ : failed++;
    }
  };
  await Promise.all(Array.from({ length: workerCount }, sender));
  // Stragglers: arrivals still on their way when the senders stop.
  const settleUntil = performance.now() + 5000;
  while (latencies.length < acked && performance.now() < settleUntil) await new Promise((resolve) => setTimeout(resolve, 20));
  await Promise.all(stops.map((stop) => stop()));
  latencies.sort((a, b) => a - b);
  return { kind, acked, failed, arrived: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), latencies };
}

const all = { raw: [], sdk: [] };
for (let round = 1; round <= rounds; round++) {
  // Alternate which goes first, so neither always meets a warmer host.
  for (const kind of round % 2 === 1 ? ["raw", "sdk"] : ["sdk", "raw"]) {
    const result = await measure(kind);
    all[kind].push(...result.latencies);
    const { latencies: _, ...line } = result;
    console.log(JSON.stringify({ round, ...line, p50: Number(line.p50?.toFixed(2)), p99: Number(line.p99?.toFixed(2)) }));
  }
}
const p99 = (kind) => percentile(all[kind].sort((a, b) => a - b), 99);
console.log(JSON.stringify({ users: userCount, workers: workerCount, seconds, rounds, rawP99: Number(p99("raw").toFixed(2)), sdkP99: Number(p99("sdk").toFixed(2)), sdkOverRaw: Number((p99("sdk") / p99("raw")).toFixed(3)) }));
process.exit(0);
