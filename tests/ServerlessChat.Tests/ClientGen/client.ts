// A small client written only against the types that openapi-typescript generates from /api/openapi.json
// (./api.ts, written next to a copy of this file by GeneratedClientTests). It must type-check with
// `tsc --strict` as it is: API.md's calls with every optional field left out, and problem details read typed.
import type { components, paths } from "./api";

// `never` is assignable to anything, so a missing body or answer becomes a type nothing real is assignable to.
type Present<T> = [T] extends [never] ? { notInTheDocument: true } : T;
type JsonRequest<O> = Present<O extends { requestBody: { content: { "application/json": infer B } } } ? B : never>;
type JsonAnswer<O, S extends number> = Present<O extends { responses: { [K in S]: { content: { "application/json": infer A } } } } ? A : never>;
type ProblemAnswer<O, S extends number> = Present<O extends { responses: { [K in S]: { content: { "application/problem+json": infer P } } } } ? P : never>;

type Problem = components["schemas"]["ProblemDetails"];
type Session = components["schemas"]["SessionDto"];
type Message = components["schemas"]["MessageDto"];
type Group = components["schemas"]["GroupDto"];

export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.title);
  }
}

export async function call<T>(base: string, method: string, path: keyof paths, body: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== undefined) {
    headers.authorization = `Bearer ${token}`;
  }
  const response = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.headers.get("content-type")?.startsWith("application/problem+json")) {
    throw new ProblemError((await response.json()) as Problem);
  }
  return (await response.json()) as T;
}

/** What a form shows for a failed request: the title and each field's messages. */
export function describe(problem: ProblemAnswer<paths["/api/auth/register"]["post"], 400>): string {
  const fields = Object.entries(problem.errors ?? {}).map(([field, messages]) => `${field}: ${messages.join(" ")}`);
  const status: number = problem.status;
  const title: string = problem.title;
  return [`${status} ${title}`, problem.detail ?? "", ...fields].join("\n");
}

export async function walkThrough(base: string, peerId: string): Promise<string[]> {
  // No displayName: API.md marks it optional.
  const register: JsonRequest<paths["/api/auth/register"]["post"]> = {
    username: "alice",
    email: "alice@example.com",
    password: "correct horse battery",
  };
  const session = await call<JsonAnswer<paths["/api/auth/register"]["post"], 201>>(base, "POST", "/api/auth/register", register);
  const copy: Session = session;
  const token = copy.accessToken;

  // Only receiverId and content: no groupId, no clientMessageId.
  const send: JsonRequest<paths["/api/messages"]["post"]> = { receiverId: peerId, content: "Hello" };
  const message = await call<JsonAnswer<paths["/api/messages"]["post"], 201>>(base, "POST", "/api/messages", send, token);
  const sent: Message = message;
  const receiver: string = sent.receiverId ?? "(group message)";

  // No memberIds.
  const create: JsonRequest<paths["/api/groups"]["post"]> = { name: "Team" };
  const group: Group = await call<JsonAnswer<paths["/api/groups"]["post"], 201>>(base, "POST", "/api/groups", create, token);

  // Only add, no remove.
  const members: JsonRequest<paths["/api/groups/{id}/members"]["put"]> = { add: [peerId] };
  const updated = await call<JsonAnswer<paths["/api/groups/{id}/members"]["put"], 200>>(base, "PUT", "/api/groups/{id}/members", members, token);

  const login: JsonRequest<paths["/api/auth/login"]["post"]> = { username: "alice", password: "correct horse battery" };
  const typing: JsonRequest<paths["/api/typing"]["post"]> = { groupId: group.id };

  // @ts-expect-error password is required by API.md, so the generated type must refuse a register without it.
  const incomplete: JsonRequest<paths["/api/auth/register"]["post"]> = { username: "bob", email: "bob@example.com" };

  // The problem answers are listed per route with their status codes: these would be `never` otherwise.
  const unauthorized: Problem = {} as ProblemAnswer<paths["/api/groups"]["post"], 401>;
  const rateLimited: Problem = {} as ProblemAnswer<paths["/api/messages"]["post"], 429>;
  const notFound: Problem = {} as ProblemAnswer<paths["/api/groups/{id}"]["get"], 404>;
  const taken: Problem = {} as ProblemAnswer<paths["/api/auth/register"]["post"], 409>;
  const tooLarge: Problem = {} as ProblemAnswer<paths["/api/messages"]["post"], 413>;
  const notJson: Problem = {} as ProblemAnswer<paths["/api/messages"]["post"], 415>;

  try {
    await call(base, "POST", "/api/auth/register", register);
  } catch (error) {
    if (error instanceof ProblemError) {
      return [describe(error.problem)];
    }
    throw error;
  }

  return [receiver, updated.members.join(","), login.username ?? "", typing.groupId ?? "", String(incomplete),
    ...[unauthorized, rateLimited, notFound, taken, tooLarge, notJson].map(p => p.title)];
}
