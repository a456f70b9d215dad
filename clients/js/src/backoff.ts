/** No reconnect waits longer than this, unless the server asked for longer with `Retry-After`. */
export const MAX_RECONNECT_DELAY_MS = 2000;
const FIRST_DELAY_MS = 100;

/**
 * How long to wait before reconnect attempt `attempt` (0 for the first retry): doubling from 100 ms up to
 * 2 s, each drawn between half and all of that ceiling so that clients dropped together do not come back
 * together. A `Retry-After` from negotiate (429 at the user's connection cap, 503 from a full or draining
 * host) is a floor, with up to a quarter second of jitter on top.
 */
export function reconnectDelay(attempt: number, retryAfterSeconds: number | null = null, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RECONNECT_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, Math.min(attempt, 16)));
  const delay = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  if (retryAfterSeconds == null || retryAfterSeconds <= 0) return delay;
  return Math.max(delay, retryAfterSeconds * 1000 + Math.round(random() * 250));
}
