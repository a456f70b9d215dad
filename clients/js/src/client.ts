import { HubConnectionBuilder, LogLevel, type HubConnection } from "@microsoft/signalr";
import createClient, { type Client } from "openapi-fetch";
import { reconnectDelay } from "./backoff.js";
import { ChangeFeed } from "./changeFeed.js";
import { Credentials, type KeyValueStorage, type TokenProvider } from "./credentials.js";
import { ChatApiError, isTransient, retryAfterSeconds, type Problem } from "./errors.js";
import {
  STORED_EVENTS,
  TRANSIENT_EVENTS,
  type ChangeInfo,
  type ChatEventHandler,
  type ChatEventName,
  type ChatEvents,
  type ConnectionState,
  type Message,
  type SendMessageRequest,
  type Session,
  type StoredEventName,
} from "./events.js";
import type { paths } from "./generated/openapi.js";
import { defaultOutboxStore, IndexedDbOutboxStore, MemoryOutboxStore, Outbox, type OutboxItem, type OutboxStore } from "./outbox.js";

export interface ChatClientOptions {
  /** Where the API is: `https://chat.example.com` (its routes are under `/api`; a trailing `/api` is accepted too). */
  baseUrl: string;
  /** For users signed in elsewhere: supplies access tokens; `register`/`login`/`logout` are then not used. */
  tokenProvider?: TokenProvider;
  /** Keeps the session and the sync cursor across reloads (`localStorage`, `sessionStorage`, ...). Default: none. */
  storage?: KeyValueStorage;
  /** The outbox: `"indexeddb"`, `"memory"`, or a store of your own. Default: IndexedDB where it exists, else memory. */
  outbox?: "indexeddb" | "memory" | OutboxStore;
  /** The fetch to use (tests, proxies, Node agents). Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Log level of the SignalR client. Default: `LogLevel.None`. */
  signalRLogLevel?: LogLevel;
  /** How long a new connection may take to say `ready` before it is dropped and tried again. Default: 15000 ms. */
  readyTimeoutMs?: number;
  /** How often `POST /api/presence/heartbeat` keeps the user online while connected; 0 sends none. Default: 30000 ms. */
  presenceHeartbeatMs?: number;
}

type AnyHandler = (data: unknown, change?: ChangeInfo) => void;

const SYNC_PAGE = 200;
const CURSOR_KEY = "serverlesschat.cursor.";

/**
 * The ServerlessChat client: the typed REST API (`api`), the session, and the realtime connection with the
 * sync that makes every stored-state change reach the `on` handlers exactly once, in its conversation's order.
 */
export class ChatClient {
  /** Every route of the API, typed from its OpenAPI document: `client.api.GET("/api/messages", { params })`. */
  readonly api: Client<paths>;

  private readonly baseUrl: string;
  private readonly credentials: Credentials;
  private readonly anonymous: Client<paths>;
  private readonly handlers = new Map<ChatEventName, Set<AnyHandler>>();
  private readonly feed: ChangeFeed;
  private readonly outbox: Outbox;
  private readonly storage: KeyValueStorage | null;
  private state: ConnectionState = "disconnected";
  private wanted = false;
  private hub: HubConnection | null = null;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private syncing: Promise<void> | null = null;
  private outboxRetry: ReturnType<typeof setTimeout> | null = null;
  private settleRetry: ReturnType<typeof setTimeout> | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private connectedWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  constructor(private readonly options: ChatClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "").replace(/\/api$/, "");
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.storage = options.storage ?? null;
    this.credentials = new Credentials(this.baseUrl, fetchImpl, this.storage, options.tokenProvider ?? null, (reason) =>
      this.sessionEnded(reason),
    );
    this.api = createClient<paths>({ baseUrl: this.baseUrl, fetch: this.credentials.fetch });
    this.anonymous = createClient<paths>({ baseUrl: this.baseUrl, fetch: (request) => fetchImpl(request) });
    this.feed = new ChangeFeed((type, data, change) => this.deliver(type, data, change), this.readCursor(), (cursor) =>
      this.writeCursor(cursor),
    );
    const store =
      options.outbox === "memory"
        ? new MemoryOutboxStore()
        : options.outbox === "indexeddb"
          ? new IndexedDbOutboxStore()
          : (options.outbox ?? defaultOutboxStore());
    this.outbox = new Outbox(store, (item) => this.post(item.request), (item, error) =>
      this.emit("outboxFailed", { clientMessageId: item.clientMessageId, request: item.request, error }),
    );
  }

  // ---- the session ----------------------------------------------------------------------------------------

  /** The signed-in session (`session.user` is the caller); null when signed out or with a `tokenProvider`. */
  get session(): Session | null {
    return this.credentials.session;
  }

  /** The sync cursor the next (re)connect resumes from. */
  get cursor(): string | null {
    return this.feed.cursor;
  }

  /**
   * Where the first sync starts when this client has no cursor yet: the cursor of `GET /api/sync` read before
   * an app loads its first view (conversations, history), so that whatever changed between that load and the
   * connection's `ready` is replayed rather than missed. Ignored once the client has a cursor.
   */
  resumeFrom(cursor: string): void {
    if (this.feed.cursor === null && cursor) this.feed.restartFrom(cursor);
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  async register(body: { username: string; email: string; password: string; displayName?: string }): Promise<Session> {
    const { data, error, response } = await this.anonymous.POST("/api/auth/register", { body });
    return this.signedIn(data ?? failure(response, error));
  }

  async login(body: { username: string; password: string } | { email: string; password: string }): Promise<Session> {
    const { data, error, response } = await this.anonymous.POST("/api/auth/login", { body });
    return this.signedIn(data ?? failure(response, error));
  }

  /** Ends the session on the server and here: disconnects, forgets the cursor and drops the user's outbox. */
  async logout(): Promise<void> {
    const session = this.credentials.session;
    await this.disconnect();
    if (session) {
      await this.outbox.discard(session.user.id);
      await this.api.POST("/api/auth/logout", { body: { refreshToken: session.refreshToken } }).catch(() => undefined);
    }
    this.writeCursor(null);
    this.credentials.forget();
    this.feed.reset(null);
  }

  private async signedIn(data: Session | ChatApiError): Promise<Session> {
    if (data instanceof ChatApiError) throw data;
    const switched = this.credentials.session?.user.id !== data.user.id;
    if (switched) await this.disconnect();
    this.credentials.adopt(data);
    // Another user's view starts from that user's own cursor, if this storage kept one.
    if (switched) this.feed.reset(this.readCursor());
    return data;
  }

  private sessionEnded(reason: string): void {
    this.wanted = false;
    void this.hub?.stop().catch(() => undefined);
    this.emit("sessionEnded", { reason });
    this.rejectWaiters(new ChatApiError(401, null));
  }

  // ---- events -----------------------------------------------------------------------------------------------

  /** Calls `handler` for every `event`; returns a function that stops it. */
  on<K extends ChatEventName>(event: K, handler: ChatEventHandler<K>): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler as AnyHandler);
    return () => this.off(event, handler);
  }

  off<K extends ChatEventName>(event: K, handler: ChatEventHandler<K>): void {
    this.handlers.get(event)?.delete(handler as AnyHandler);
  }

  private emit<K extends ChatEventName>(event: K, data: ChatEvents[K], change?: ChangeInfo): void {
    for (const handler of [...(this.handlers.get(event) ?? [])]) {
      try {
        handler(data, change);
      } catch (error) {
        if (event !== "error" && this.handlers.get("error")?.size) this.emit("error", error instanceof Error ? error : new Error(String(error)));
        else console.error(error);
      }
    }
  }

  private deliver(type: StoredEventName, data: unknown, change: ChangeInfo): void {
    this.emit(type, data as ChatEvents[typeof type], change);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit("connectionState", state);
  }

  // ---- the connection -------------------------------------------------------------------------------------

  /**
   * Connects, and stays connected until `disconnect()`: every drop is followed by a new negotiate and
   * connection (waits of at most 2 s with jitter, longer only when negotiate answers `Retry-After`). Resolves
   * once connected and caught up (the first sync after `ready` applied).
   */
  connect(): Promise<void> {
    if (!this.credentials.signedIn) return Promise.reject(new ChatApiError(401, null));
    const connected = new Promise<void>((resolve, reject) => {
      if (this.state === "connected") resolve();
      else this.connectedWaiters.push({ resolve, reject });
    });
    if (!this.wanted) {
      this.wanted = true;
      this.loop ??= this.stayConnected().finally(() => {
        this.loop = null;
      });
    }
    return connected;
  }

  /** Closes the connection and stops reconnecting; queued messages stay queued. */
  async disconnect(): Promise<void> {
    this.wanted = false;
    this.wake?.();
    if (this.outboxRetry) clearTimeout(this.outboxRetry);
    this.outboxRetry = null;
    this.syncWhenSettled(null);
    this.stopHeartbeat();
    await this.hub?.stop().catch(() => undefined);
    await this.loop;
    this.rejectWaiters(new Error("Disconnected."));
    this.setState("disconnected");
  }

  private rejectWaiters(error: unknown): void {
    const waiters = this.connectedWaiters;
    this.connectedWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  private async stayConnected(): Promise<void> {
    let attempt = 0;
    let everConnected = false;
    while (this.wanted) {
      this.setState(everConnected ? "reconnecting" : "connecting");
      let retryAfter: number | null = null;
      try {
        const { hub, ready: readySaid, closed } = await this.open();
        const ready = await this.waitForReady(hub, readySaid, closed);
        if (ready) {
          everConnected = true;
          attempt = 0;
        }
        await closed;
        this.stopHeartbeat();
      } catch (error) {
        if (error instanceof ChatApiError) {
          if (error.status === 401 || error.status === 403) {
            this.wanted = false;
            this.rejectWaiters(error);
            break;
          }
          retryAfter = error.retryAfterSeconds;
        }
      } finally {
        this.hub = null;
      }
      if (!this.wanted) break;
      this.setState(everConnected ? "reconnecting" : "connecting");
      await this.sleep(reconnectDelay(attempt, retryAfter));
      attempt += 1;
    }
    this.setState("disconnected");
  }

  /** Negotiate (our route, so that its 401 refreshes and its Retry-After is read), then the hub itself. */
  private async open(): Promise<{ hub: HubConnection; ready: Promise<string>; closed: Promise<void> }> {
    const { data, error, response } = await this.api.POST("/api/negotiate");
    if (!data) throw failure(response, error);
    const hub = new HubConnectionBuilder()
      .withUrl(data.url, { accessTokenFactory: () => data.accessToken })
      .configureLogging(this.options.signalRLogLevel ?? LogLevel.None)
      .build();
    this.feed.connectionStarted();
    for (const name of STORED_EVENTS) {
      hub.on(name, (payload: { cursor?: string | null }) => {
        if (hub === this.hub) this.feed.live(name, payload ?? {});
      });
    }
    for (const name of TRANSIENT_EVENTS) {
      hub.on(name, (payload: ChatEvents[typeof name]) => {
        if (hub === this.hub) this.emit(name, payload);
      });
    }
    hub.on("checkpoint", (payload: { cursor?: string }) => {
      if (hub === this.hub && payload?.cursor) this.feed.checkpoint(payload.cursor);
    });
    // Registered before start: `ready` can arrive before start() returns. A later one (there should be none) syncs again.
    let readyCount = 0;
    const ready = new Promise<string>((resolve) => {
      hub.on("ready", (payload: { cursor?: string }) => {
        readyCount += 1;
        if (readyCount === 1) resolve(payload?.cursor ?? "");
        else if (hub === this.hub) void this.syncUntilDone(hub);
      });
    });
    const closed = new Promise<void>((resolve) => hub.onclose(() => resolve()));
    this.hub = hub;
    if (!this.wanted) throw new Error("Disconnected.");
    await hub.start();
    if (!this.wanted) {
      await hub.stop().catch(() => undefined);
      throw new Error("Disconnected.");
    }
    return { hub, ready, closed };
  }

  /** Waits for `ready` and the sync it starts; false when the connection closed or never said ready. */
  private async waitForReady(hub: HubConnection, ready: Promise<string>, closed: Promise<void>): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.options.readyTimeoutMs ?? 15_000);
    });
    const outcome = await Promise.race([ready.then((cursor) => ({ cursor })), closed.then(() => null), timeout]);
    clearTimeout(timer);
    if (!outcome) {
      await hub.stop().catch(() => undefined);
      return false;
    }
    if (this.feed.cursor === null && outcome.cursor) this.feed.restartFrom(outcome.cursor);
    if (!(await this.syncUntilDone(hub))) return false;
    this.setState("connected");
    this.startHeartbeat(hub);
    const waiters = this.connectedWaiters;
    this.connectedWaiters = [];
    for (const waiter of waiters) waiter.resolve();
    void this.flushOutbox();
    return true;
  }

  private startHeartbeat(hub: HubConnection): void {
    const every = this.options.presenceHeartbeatMs ?? 30_000;
    if (every <= 0) return;
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      if (hub === this.hub && this.state === "connected") void this.api.POST("/api/presence/heartbeat").catch(() => undefined);
    }, every);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /** Syncs, retrying a failed request while this connection stays up. */
  private async syncUntilDone(hub: HubConnection): Promise<boolean> {
    for (let attempt = 0; hub === this.hub && this.wanted; attempt += 1) {
      try {
        await this.sync();
        return true;
      } catch (error) {
        if (!isTransient(error)) {
          await hub.stop().catch(() => undefined);
          return false;
        }
        await this.sleep(reconnectDelay(attempt, error instanceof ChatApiError ? error.retryAfterSeconds : null));
      }
    }
    return false;
  }

  /**
   * Pages through GET /api/sync from the resume cursor with live changes held (see ChangeFeed). One sync at a
   * time; one asked for while another runs follows it. 410: the `resync` event, and changes from now on.
   */
  sync(): Promise<void> {
    const run = (this.syncing ?? Promise.resolve()).then(() => this.syncOnce());
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.syncing = settled;
    void settled.then(() => {
      if (this.syncing === settled) this.syncing = null;
    });
    return run;
  }

  private async syncOnce(): Promise<void> {
    this.feed.syncStarted();
    for (;;) {
      const since = this.feed.cursor;
      const { data, error, response } = await this.api.GET("/api/sync", {
        params: { query: since ? { since, limit: String(SYNC_PAGE) } : { limit: String(SYNC_PAGE) } },
      });
      if (response.status === 410) {
        const fresh = await this.api.GET("/api/sync", {});
        if (!fresh.data) throw failure(fresh.response, fresh.error);
        this.feed.restartFrom(fresh.data.cursor);
        this.feed.syncCompleted();
        this.emit("resync", { cursor: fresh.data.cursor });
        return;
      }
      if (!data) throw failure(response, error);
      this.feed.applyPage(data);
      if (!data.hasMore) {
        this.syncWhenSettled(data.settlesInMs ?? null);
        break;
      }
    }
    this.feed.syncCompleted();
  }

  /**
   * The answer stopped before changes still being written: while this connection lasts, sync again once they
   * have settled. A connected client usually has them live already; this fetches one whose write was cut off
   * before it was published (a crashed request that a retry completed, say).
   */
  private syncWhenSettled(ms: number | null): void {
    if (this.settleRetry) clearTimeout(this.settleRetry);
    this.settleRetry = null;
    const hub = this.hub;
    if (ms === null || !hub) return;
    this.settleRetry = setTimeout(() => {
      this.settleRetry = null;
      if (hub === this.hub && this.wanted) void this.syncUntilDone(hub);
    }, Math.max(0, ms));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  // ---- messages -------------------------------------------------------------------------------------------

  /**
   * Sends a message and returns it as stored. It goes through the outbox under a `clientMessageId` (yours, or
   * a new one): while the client is not connected, or when the send gets no answer, it waits there and is sent
   * after the next (re)connect, and the server stores it once however many times it is sent.
   */
  async sendMessage(request: SendMessageRequest): Promise<Message> {
    const userId = this.credentials.session?.user.id ?? "token";
    const item: OutboxItem = {
      clientMessageId: request.clientMessageId ?? crypto.randomUUID(),
      userId,
      request: { ...request, clientMessageId: request.clientMessageId ?? "" },
      queuedAt: Date.now(),
    };
    item.request.clientMessageId = item.clientMessageId;
    const { sent } = await this.outbox.enqueue(item);
    if (this.state === "connected") void this.flushOutbox();
    return sent;
  }

  /** Messages written but not yet stored, oldest first. */
  pendingMessages(): Promise<OutboxItem[]> {
    return this.outbox.pending(this.credentials.session?.user.id ?? "token");
  }

  /** Sends what is queued; while connected, a pass stopped by a transient failure is tried again after a wait. */
  private async flushOutbox(attempt = 0): Promise<void> {
    let drained: boolean;
    try {
      drained = await this.outbox.flush(this.credentials.session?.user.id ?? "token");
    } catch (error) {
      this.emit("error", error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (drained || this.state !== "connected" || this.outboxRetry) return;
    this.outboxRetry = setTimeout(() => {
      this.outboxRetry = null;
      if (this.state === "connected") void this.flushOutbox(attempt + 1);
    }, reconnectDelay(attempt));
  }

  private async post(body: SendMessageRequest): Promise<Message> {
    const { data, error, response } = await this.api.POST("/api/messages", { body });
    if (!data) throw failure(response, error);
    // The sender's own connection gets no newMessage for it: its answer is the change (once, by cursor).
    this.feed.live("newMessage", data, "sent");
    return data;
  }

  // ---- the cursor -------------------------------------------------------------------------------------------

  private cursorKey(): string {
    return CURSOR_KEY + (this.credentials?.session?.user.id ?? "token");
  }

  private readCursor(): string | null {
    return this.storage?.getItem(this.cursorKey()) ?? null;
  }

  private writeCursor(cursor: string | null): void {
    if (!this.storage) return;
    if (cursor) this.storage.setItem(this.cursorKey(), cursor);
    else this.storage.removeItem(this.cursorKey());
  }
}

/** openapi-fetch has read the body already: the error it parsed is the problem. */
function failure(response: Response, error: unknown): ChatApiError {
  const problem = error && typeof error === "object" ? (error as Problem) : null;
  return new ChatApiError(response.status, problem, retryAfterSeconds(response.headers));
}
