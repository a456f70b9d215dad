// The sync rules of API.md as ChangeFeed applies them: hold while a sync is out, skip by cursor, checkpoints.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChangeFeed } from "../dist/changeFeed.js";

function feed(cursor = "c0") {
  const seen = [];
  const cursors = [];
  const f = new ChangeFeed((type, data, change) => seen.push(`${type}:${data.id ?? data.upTo}:${change.cursor}:${change.source}`), cursor, (c) => cursors.push(c));
  return { f, seen, cursors };
}

const message = (id, cursor, content = "x") => ({ id, conversationId: "d:a:b", content, cursor });
const page = (changes, cursor, hasMore = false) => ({ changes: changes.map(([type, data]) => ({ type, data, cursor: data.cursor })), cursor, hasMore });

test("a live event that overtakes a sync answer waits for it, and the answer's older copy is applied first", () => {
  const { f, seen } = feed();
  f.connectionStarted();
  f.syncStarted();
  // The edit (c2) arrives live while the sync is out; the answer was read before it and holds the message (c1) only.
  f.live("messageUpdated", message("m1", "c2", "edited"));
  assert.deepEqual(seen, [], "held while the sync is out");
  f.applyPage(page([["newMessage", message("m1", "c1")]], "c1"));
  f.syncCompleted();
  assert.deepEqual(seen, ["newMessage:m1:c1:sync", "messageUpdated:m1:c2:live"]);
});

test("a change that came both live and through sync reaches the handlers once", () => {
  const { f, seen } = feed();
  f.connectionStarted();
  f.live("newMessage", message("m1", "c1"));
  f.live("newMessage", message("m2", "c2"));
  f.applyPage(page([["newMessage", message("m1", "c1")], ["newMessage", message("m2", "c2")]], "c2"));
  f.syncCompleted();
  f.live("newMessage", message("m2", "c2"));
  f.applyPage(page([["newMessage", message("m1", "c1")], ["newMessage", message("m3", "c3")]], "c3"));
  f.live("newMessage", message("m3", "c3"), "sent");
  assert.deepEqual(seen, ["newMessage:m1:c1:sync", "newMessage:m2:c2:sync", "newMessage:m3:c3:sync"]);
});

test("live events between connecting and the ready sync wait, so a missed older change comes first", () => {
  const { f, seen } = feed();
  f.connectionStarted();
  f.live("newMessage", message("m2", "c2"));
  f.syncStarted();
  f.applyPage(page([["newMessage", message("m1", "c1")]], "c1", true));
  assert.deepEqual(seen, ["newMessage:m1:c1:sync"]);
  f.applyPage(page([["newMessage", message("m2", "c2")]], "c2"));
  f.syncCompleted();
  assert.deepEqual(seen, ["newMessage:m1:c1:sync", "newMessage:m2:c2:sync"]);
  f.live("newMessage", message("m3", "c3"));
  assert.deepEqual(seen.at(-1), "newMessage:m3:c3:live", "after the sync, live changes apply at once");
});

test("the resume cursor moves with sync answers, and with checkpoints only after the ready sync, in their place", () => {
  const { f, cursors } = feed("c0");
  f.connectionStarted();
  f.checkpoint("k-early");
  assert.equal(f.cursor, "c0", "a checkpoint before the ready sync waits");
  f.applyPage(page([], "c5"));
  assert.equal(f.cursor, "c5");
  f.live("newMessage", message("m6", "c6"));
  f.checkpoint("k7");
  f.syncCompleted();
  assert.equal(f.cursor, "k7", "adopted after the events held before it");
  f.checkpoint("k9");
  assert.equal(f.cursor, "k9");
  f.live("newMessage", message("m10", "c10"));
  assert.equal(f.cursor, "k9", "live events never move the resume cursor");
  assert.deepEqual(cursors, ["c5", "k-early", "k7", "k9"]);
});

test("a checkpoint on a connection whose ready sync never completed is not adopted", () => {
  const { f } = feed("c0");
  f.connectionStarted();
  f.syncStarted();
  // The sync failed (no syncCompleted); a new connection starts.
  f.connectionStarted();
  assert.equal(f.isHolding, true);
  assert.equal(f.cursor, "c0");
});

test("events without a cursor are delivered, each time they come", () => {
  const { f, seen } = feed();
  f.connectionStarted();
  f.syncCompleted();
  f.live("groupUpdated", { id: "g1" });
  f.live("groupUpdated", { id: "g1" });
  assert.equal(seen.length, 2);
});

test("every change of a shuffled mix of live and sync deliveries arrives once, each conversation in its order", () => {
  for (let round = 0; round < 200; round += 1) {
    const changes = Array.from({ length: 40 }, (_, i) => ({ id: `m${i}`, conversationId: `c${i % 3}`, cursor: `k${String(i).padStart(3, "0")}` }));
    const { f, seen } = feed(null);
    f.connectionStarted();
    let next = 0;
    let live = 0;
    while (next < changes.length || live < changes.length) {
      // A sync reads up to some point, live events arrive meanwhile (some overtaking), then the next sync.
      f.syncStarted();
      const upTo = Math.min(changes.length, next + Math.floor(Math.random() * 8));
      while (live < changes.length && Math.random() < 0.5) f.live("newMessage", changes[live++]);
      f.applyPage(page(changes.slice(0, upTo).map((c) => ["newMessage", c]), changes[Math.max(0, upTo - 1)].cursor));
      next = upTo;
      f.syncCompleted();
      while (live < changes.length && Math.random() < 0.3) f.live("newMessage", changes[live++]);
      if (next >= changes.length) while (live < changes.length) f.live("newMessage", changes[live++]);
    }
    const ids = seen.map((s) => s.split(":")[1]);
    assert.equal(new Set(ids).size, ids.length, "no change twice");
    assert.equal(ids.length, changes.length, "no change missing");
    for (const conversation of ["c0", "c1", "c2"]) {
      const order = ids.filter((id) => changes[Number(id.slice(1))].conversationId === conversation).map((id) => Number(id.slice(1)));
      assert.deepEqual(order, [...order].sort((a, b) => a - b), `conversation ${conversation} out of order`);
    }
  }
});
