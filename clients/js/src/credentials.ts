import { ChatApiError } from "./errors.js";
import type { Session } from "./events.js";

/** Where the client keeps its session and sync cursor: `localStorage`, `sessionStorage`, or anything of that shape. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * For apps whose users sign in elsewhere: returns an access token the API accepts. Called when the client has
 * none, and with `forceRefresh: true` after the API refused the last one (once per refusal, shared by every
 * request that was refused with it).
 */
export type TokenProvider = (options: { forceRefresh: boolean }) => string | Promise<string>;

const SESSION_KEY = "serverlesschat.session";
/** Refresh this long before the access token runs out, so a request does not start with a token about to expire. */
const EXPIRY_MARGIN_MS = 30_000;

interface Kept {
  session: Session;
  expiresAt: number;
}

/**
 * The access token and its refresh. One refresh at a time: presenting one refresh token twice counts as reuse
 * and revokes the whole login chain, so every request that finds the token stale (or gets a 401 with it)
 * waits for the same refresh.
 */
export class Credentials {
  private kept: Kept | null = null;
  private providedToken: string | null = null;
  private pending: Promise<boolean> | null = null;

  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch,
    private readonly storage: KeyValueStorage | null,
    private readonly tokenProvider: TokenProvider | null,
    private readonly onEnded: (reason: string) => void,
  ) {
    if (!tokenProvider && storage) {
      try {
        this.kept = JSON.parse(storage.getItem(SESSION_KEY) ?? "null") as Kept | null;
      } catch {
        this.kept = null;
      }
    }
  }

  get session(): Session | null {
    return this.kept?.session ?? null;
  }

  get signedIn(): boolean {
    return this.tokenProvider !== null || this.kept !== null;
  }

  adopt(session: Session): void {
    this.kept = { session, expiresAt: Date.now() + session.expiresIn * 1000 };
    this.storage?.setItem(SESSION_KEY, JSON.stringify(this.kept));
  }

  forget(): void {
    this.kept = null;
    this.providedToken = null;
    this.storage?.removeItem(SESSION_KEY);
  }

  /** A token to send now: refreshed first when it is about to run out. */
  async accessToken(): Promise<string | null> {
    if (this.tokenProvider) {
      if (this.providedToken === null) await this.renew(null);
      return this.providedToken;
    }
    const kept = this.kept;
    if (!kept) return null;
    if (kept.expiresAt - Date.now() < EXPIRY_MARGIN_MS) await this.renew(kept.session.accessToken);
    return this.kept?.session.accessToken ?? null;
  }

  /**
   * Replaces `stale` (the token a request was refused with) unless someone already did: true when there is a
   * newer token to retry with.
   */
  renew(stale: string | null): Promise<boolean> {
    const current = this.tokenProvider ? this.providedToken : (this.kept?.session.accessToken ?? null);
    if (stale !== null && current !== null && current !== stale) return Promise.resolve(true);
    if (!this.pending) {
      this.pending = (this.tokenProvider ? this.provide(stale !== null) : this.refresh()).finally(() => {
        this.pending = null;
      });
    }
    return this.pending;
  }

  /** fetch with the bearer token; a 401 is retried once with a renewed token. */
  readonly fetch = async (request: Request): Promise<Response> => {
    const retry = request.clone();
    const token = await this.accessToken();
    const response = await this.fetchImpl(withToken(request, token));
    if (response.status !== 401 || token === null) return response;
    if (!(await this.renew(token))) return response;
    return this.fetchImpl(withToken(retry, await this.accessToken()));
  };

  private async provide(forceRefresh: boolean): Promise<boolean> {
    const token = await this.tokenProvider!({ forceRefresh });
    this.providedToken = token || null;
    return this.providedToken !== null;
  }

  private async refresh(): Promise<boolean> {
    const kept = this.kept;
    if (!kept) return false;
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}/api/auth/refresh`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refreshToken: kept.session.refreshToken }),
      });
    } catch {
      // Offline: keep the session; the request fails as a network error and is tried again later.
      return false;
    }
    if (response.ok) {
      this.adopt((await response.json()) as Session);
      return true;
    }
    if (response.status === 400 || response.status === 401) {
      const error = await ChatApiError.from(response);
      if (this.kept === kept) {
        this.forget();
        this.onEnded(error.message);
      }
    }
    return false;
  }
}

function withToken(request: Request, token: string | null): Request {
  if (token === null) return request;
  const headers = new Headers(request.headers);
  headers.set("Authorization", `Bearer ${token}`);
  return new Request(request, { headers });
}
