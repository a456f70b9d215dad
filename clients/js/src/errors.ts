import type { components } from "./generated/openapi.js";

/** An `application/problem+json` answer (RFC 9457) as the API sends it. */
export type Problem = components["schemas"]["ProblemDetails"];

/** Every failed API call: the HTTP status and, when the server sent one, its problem details. */
export class ChatApiError extends Error {
  override readonly name = "ChatApiError";

  constructor(
    readonly status: number,
    readonly problem: Problem | null,
    /** From `Retry-After` (429, 503), in seconds. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(describe(status, problem));
  }

  get title(): string | undefined {
    return this.problem?.title;
  }

  get detail(): string | undefined {
    return this.problem?.detail ?? undefined;
  }

  /** Field name to messages, for a 400 that failed validation. */
  get errors(): Record<string, string[]> | undefined {
    return (this.problem?.errors as Record<string, string[]> | null | undefined) ?? undefined;
  }

  /** Reads the problem body of a failed response. */
  static async from(response: Response): Promise<ChatApiError> {
    const problem = (await response.json().catch(() => null)) as Problem | null;
    return new ChatApiError(response.status, problem, retryAfterSeconds(response.headers));
  }
}

function describe(status: number, problem: Problem | null): string {
  const text = problem?.detail || problem?.title;
  return text ? `${status}: ${text}` : `The request failed with status ${status}.`;
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date); null when absent or unreadable. */
export function retryAfterSeconds(headers: Headers, now = Date.now()): number | null {
  const value = headers.get("retry-after");
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

/** A request that got no answer at all (offline, connection refused or reset): worth sending again later. */
export function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError || (error instanceof Error && error.name === "FetchError");
}

/** An answer that says "not now" rather than "never": retry later with the same request. */
export function isTransient(error: unknown): boolean {
  if (isNetworkError(error)) return true;
  return error instanceof ChatApiError && (error.status === 408 || error.status === 429 || error.status >= 500);
}
