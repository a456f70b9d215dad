import { test } from "node:test";
import assert from "node:assert/strict";
import { reconnectDelay, MAX_RECONNECT_DELAY_MS } from "../dist/index.js";

test("reconnect waits double from about 100 ms and never exceed 2 s, whatever the attempt or the draw", () => {
  assert.equal(MAX_RECONNECT_DELAY_MS, 2000);
  for (const attempt of [0, 1, 2, 3, 4, 5, 10, 50, 1000]) {
    const ceiling = Math.min(2000, 100 * 2 ** attempt);
    for (const draw of [0, 0.25, 0.5, 0.999999]) {
      const delay = reconnectDelay(attempt, null, () => draw);
      assert.ok(delay <= 2000, `attempt ${attempt}: ${delay} ms`);
      assert.ok(delay >= ceiling / 2, `attempt ${attempt}: ${delay} ms is below half of ${ceiling}`);
    }
  }
  assert.ok(reconnectDelay(0, null, () => 1) <= 100);
  assert.equal(reconnectDelay(30, null, () => 1), 2000);
});

test("reconnect waits are spread by jitter, so clients dropped together come back apart", () => {
  const delays = new Set(Array.from({ length: 200 }, () => reconnectDelay(6)));
  assert.ok(delays.size > 50, `only ${delays.size} distinct waits of 200`);
  for (const d of delays) assert.ok(d >= 1000 && d <= 2000);
});

test("a Retry-After from negotiate is waited out even beyond the 2 s cap", () => {
  for (const draw of [0, 0.5, 0.999]) {
    const delay = reconnectDelay(0, 5, () => draw);
    assert.ok(delay >= 5000 && delay <= 5250, `${delay} ms`);
  }
  // A Retry-After shorter than the backoff does not shorten it.
  assert.equal(reconnectDelay(10, 1, () => 1), 2000);
});
