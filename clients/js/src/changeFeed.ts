import type { ChangeInfo, StoredEventName, SyncAnswer } from "./events.js";

export type Deliver = (type: StoredEventName, data: { cursor?: string | null }, change: ChangeInfo) => void;

type Held = { kind: "change"; type: StoredEventName; data: { cursor?: string | null }; source: "live" | "sent" } | { kind: "checkpoint"; cursor: string };

/** How many applied cursors are remembered: far more than a resume (a checkpoint plus the settle window) replays. */
const REMEMBERED = 20000;

/**
 * API.md's "Never miss a change" as a small state machine with no I/O, so its rules can be tested alone.
 * - Every stored-state change goes through `deliver` once: a cursor already applied is skipped, from wherever it
 *   came (live, a sync page, a send's answer).
 * - While held (a connection that has not finished the sync its `ready` started, or any sync out), live
 *   changes wait, and are applied after the sync's pages in arrival order: a sync answer read just before a live
 *   event would otherwise bring an older state of that entity after it.
 * - The resume cursor moves only with a sync answer that was applied, or a `checkpoint` that arrived on a
 *   connection whose ready-sync was applied, in its place among the held events.
 */
export class ChangeFeed {
  private readonly applied = new Set<string>();
  private held: Held[] = [];
  private holding = true;
  private readySynced = false;

  constructor(
    private readonly deliver: Deliver,
    private resumeCursor: string | null = null,
    private readonly onCursor: (cursor: string | null) => void = () => {},
  ) {}

  get cursor(): string | null {
    return this.resumeCursor;
  }

  get isHolding(): boolean {
    return this.holding;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** A new connection: hold live changes until the sync that its `ready` starts has been applied. */
  connectionStarted(): void {
    this.holding = true;
    this.readySynced = false;
  }

  /** A sync request is about to go out. */
  syncStarted(): void {
    this.holding = true;
  }

  live(type: StoredEventName, data: { cursor?: string | null }, source: "live" | "sent" = "live"): void {
    if (this.holding) this.held.push({ kind: "change", type, data, source });
    else this.apply(type, data, source);
  }

  /** A `checkpoint({cursor})`: the resume cursor, once everything before it on this connection is applied. */
  checkpoint(cursor: string): void {
    if (this.holding) this.held.push({ kind: "checkpoint", cursor });
    else if (this.readySynced) this.setCursor(cursor);
  }

  /** One page of GET /api/sync, applied in its order; its cursor becomes the resume cursor. */
  applyPage(answer: SyncAnswer): void {
    for (const change of answer.changes) {
      const data = (change.data ?? {}) as { cursor?: string | null };
      this.apply(change.type as StoredEventName, { ...data, cursor: change.cursor }, "sync");
    }
    this.setCursor(answer.cursor);
  }

  /** The sync (all its pages) was applied: release what waited, in the order it came. */
  syncCompleted(): void {
    this.readySynced = true;
    this.holding = false;
    const waiting = this.held;
    this.held = [];
    for (const item of waiting) {
      if (item.kind === "change") this.apply(item.type, item.data, item.source);
      else this.setCursor(item.cursor);
    }
  }

  /** 410: the cursor is older than the kept history; start again from the server's current one. */
  restartFrom(cursor: string): void {
    this.setCursor(cursor);
  }

  /** Forgets everything and resumes from `cursor` (another user signed in, or the same one signed out). */
  reset(cursor: string | null): void {
    this.applied.clear();
    this.held = [];
    this.holding = true;
    this.readySynced = false;
    this.resumeCursor = cursor;
  }

  private apply(type: StoredEventName, data: { cursor?: string | null }, source: ChangeInfo["source"]): void {
    const cursor = data.cursor ?? null;
    if (cursor !== null) {
      if (this.applied.has(cursor)) return;
      this.applied.add(cursor);
      if (this.applied.size > REMEMBERED) this.applied.delete(this.applied.values().next().value as string);
    }
    this.deliver(type, data, { source, cursor });
  }

  private setCursor(cursor: string | null): void {
    if (cursor === this.resumeCursor) return;
    this.resumeCursor = cursor;
    this.onCursor(cursor);
  }
}
