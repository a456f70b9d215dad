// An app written against @serverlesschat/client as installed from its packed tarball. JsClientSdkTests checks it
// with `tsc --strict` and never runs it: it must compile as it is, and the @ts-expect-error lines must stay errors
// (events and REST calls are typed from the OpenAPI document, not `any`).
import {
  API_VERSION,
  ChatApiError,
  ChatClient,
  MemoryOutboxStore,
  reconnectDelay,
  type ChangeInfo,
  type ConnectionState,
  type KeyValueStorage,
  type Message,
  type Session,
  type TokenProvider,
} from "@serverlesschat/client";

const storage: KeyValueStorage = new Map<string, string>() as unknown as KeyValueStorage;
const tokenProvider: TokenProvider = async ({ forceRefresh }) => (forceRefresh ? "fresh" : "cached");

export async function app(): Promise<string> {
  const client = new ChatClient({ baseUrl: "https://chat.example.com", storage, outbox: new MemoryOutboxStore() });
  const session: Session = await client.login({ username: "ann", password: "correct horse battery" });
  await client.login({ email: "ann@example.com", password: "correct horse battery" });
  const me: string = session.user.displayName;

  const stop = client.on("newMessage", (message: Message, change: ChangeInfo) => {
    const text: string = message.content;
    const where: "live" | "sync" | "sent" = change.source;
    // @ts-expect-error a Message has no such field
    void message.notAField;
    void text;
    void where;
  });
  client.on("messageDeleted", ({ id, conversationId }) => void [id.length, conversationId.length]);
  client.on("messagesRead", ({ readerId, upTo }) => void [readerId, upTo]);
  client.on("reactionsUpdated", ({ reactions }) => void reactions.map((r) => r.emoji + r.count));
  client.on("groupUpdated", (group) => void group.members.length);
  client.on("userUpdated", (user) => void user.username);
  client.on("typing", ({ conversationId, userId }) => void [conversationId, userId]);
  client.on("presence", ({ userId, online }) => void [userId, online]);
  client.on("callSignal", ({ callId, type }) => void [callId, type]);
  client.on("connectionState", (state: ConnectionState) => void state);
  client.on("resync", ({ cursor }) => void cursor.length);
  client.on("sessionEnded", ({ reason }) => void reason);
  client.on("outboxFailed", ({ clientMessageId, error }) => void [clientMessageId, error.message]);
  // @ts-expect-error not an event of the API
  client.on("newMesage", () => {});
  stop();

  await client.connect();
  const sent: Message = await client.sendMessage({ receiverId: "u2", content: "hello" });
  const page = await client.api.GET("/api/messages", { params: { query: { with: "u2", limit: "20" } } });
  const first: string | undefined = page.data?.items[0]?.id;
  // @ts-expect-error the route takes no such query parameter
  await client.api.GET("/api/messages", { params: { query: { wiht: "u2" } } });
  // @ts-expect-error the body needs a content of type string
  await client.api.PATCH("/api/messages/{id}", { params: { path: { id: sent.id } }, body: { content: 42 } });

  try {
    await client.register({ username: "ann", email: "ann@example.com", password: "correct horse battery" });
  } catch (error) {
    if (error instanceof ChatApiError && error.status === 409) return error.problem?.title ?? "taken";
  }

  const pending = await client.pendingMessages();
  const other = new ChatClient({ baseUrl: "https://chat.example.com", tokenProvider });
  await other.disconnect();
  await client.logout();
  return `${API_VERSION} ${me} ${first ?? ""} ${pending.length} ${reconnectDelay(3)} ${client.session === null}`;
}
