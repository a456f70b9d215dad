import { openDB, type IDBPDatabase } from "idb";
import { ChatApiError, isTransient } from "./errors.js";
import type { Message, SendMessageRequest } from "./events.js";

/** A message waiting to be sent; `request.clientMessageId` makes sending it twice store it once. */
export interface OutboxItem {
  clientMessageId: string;
  /** The user it was written by: another user signing in on this device never sends it. */
  userId: string;
  request: SendMessageRequest & { clientMessageId: string };
  queuedAt: number;
}

/** Where queued messages live between a send and its answer. */
export interface OutboxStore {
  list(userId: string): Promise<OutboxItem[]>;
  put(item: OutboxItem): Promise<void>;
  remove(clientMessageId: string): Promise<void>;
}

export class MemoryOutboxStore implements OutboxStore {
  private readonly items = new Map<string, OutboxItem>();

  async list(userId: string): Promise<OutboxItem[]> {
    return [...this.items.values()].filter((i) => i.userId === userId).sort((a, b) => a.queuedAt - b.queuedAt);
  }

  async put(item: OutboxItem): Promise<void> {
    this.items.set(item.clientMessageId, item);
  }

  async remove(clientMessageId: string): Promise<void> {
    this.items.delete(clientMessageId);
  }
}

/** The outbox in IndexedDB (through `idb`), so that messages written offline survive a reload. */
export class IndexedDbOutboxStore implements OutboxStore {
  private db: Promise<IDBPDatabase> | null = null;

  constructor(private readonly name = "serverlesschat-outbox") {}

  private open(): Promise<IDBPDatabase> {
    this.db ??= openDB(this.name, 1, {
      upgrade(db) {
        db.createObjectStore("outbox", { keyPath: "clientMessageId" }).createIndex("userId", "userId");
      },
    });
    return this.db;
  }

  async list(userId: string): Promise<OutboxItem[]> {
    const items = (await (await this.open()).getAllFromIndex("outbox", "userId", userId)) as OutboxItem[];
    return items.sort((a, b) => a.queuedAt - b.queuedAt);
  }

  async put(item: OutboxItem): Promise<void> {
    await (await this.open()).put("outbox", item);
  }

  async remove(clientMessageId: string): Promise<void> {
    await (await this.open()).delete("outbox", clientMessageId);
  }
}

/** IndexedDB where the runtime has it (browsers), memory elsewhere (Node). */
export function defaultOutboxStore(): OutboxStore {
  return typeof indexedDB !== "undefined" ? new IndexedDbOutboxStore() : new MemoryOutboxStore();
}

type Waiter = { resolve: (message: Message) => void; reject: (error: unknown) => void };

/**
 * Sends queued messages in the order they were written, one at a time, each until the server answers for it:
 * a transient failure (no answer, 408, 429, 5xx) stops the pass and leaves it queued for the next one, so a
 * message is sent again only with its `clientMessageId`, which the server stores once.
 */
export class Outbox {
  private readonly waiters = new Map<string, Waiter>();
  private flushing: Promise<boolean> | null = null;
  private again = false;

  constructor(
    readonly store: OutboxStore,
    private readonly send: (item: OutboxItem) => Promise<Message>,
    private readonly onFailed: (item: OutboxItem, error: Error) => void,
  ) {}

  /** Queues a message; `sent` settles with the stored message once some pass has sent it. */
  async enqueue(item: OutboxItem): Promise<{ sent: Promise<Message> }> {
    const sent = new Promise<Message>((resolve, reject) => this.waiters.set(item.clientMessageId, { resolve, reject }));
    await this.store.put(item);
    return { sent };
  }

  pending(userId: string): Promise<OutboxItem[]> {
    return this.store.list(userId);
  }

  /**
   * One pass at a time; a flush asked for during a pass runs another when it ends. True when the queue was
   * emptied, false when a transient failure left messages in it.
   */
  flush(userId: string): Promise<boolean> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      try {
        let drained: boolean;
        do {
          this.again = false;
          drained = await this.pass(userId);
        } while (this.again);
        return drained;
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  /** Drops a user's queue (sign-out), rejecting whoever waits on it. */
  async discard(userId: string): Promise<void> {
    for (const item of await this.store.list(userId)) {
      await this.store.remove(item.clientMessageId);
      this.settle(item.clientMessageId, undefined, new Error("Signed out before the message was sent."));
    }
  }

  private async pass(userId: string): Promise<boolean> {
    for (const item of await this.store.list(userId)) {
      let message: Message;
      try {
        message = await this.send(item);
      } catch (error) {
        // 401: the session ended; kept for when the user signs in again.
        if (isTransient(error) || (error instanceof ChatApiError && error.status === 401)) return false;
        await this.store.remove(item.clientMessageId);
        const failure = error instanceof Error ? error : new Error(String(error));
        this.settle(item.clientMessageId, undefined, failure);
        this.onFailed(item, failure);
        continue;
      }
      await this.store.remove(item.clientMessageId);
      this.settle(item.clientMessageId, message);
    }
    return true;
  }

  private settle(clientMessageId: string, message?: Message, error?: unknown): void {
    const waiter = this.waiters.get(clientMessageId);
    if (!waiter) return;
    this.waiters.delete(clientMessageId);
    if (message) waiter.resolve(message);
    else waiter.reject(error);
  }
}
