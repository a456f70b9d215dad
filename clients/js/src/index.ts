export { ChatClient, type ChatClientOptions } from "./client.js";
export { ChatApiError, type Problem } from "./errors.js";
export { reconnectDelay, MAX_RECONNECT_DELAY_MS } from "./backoff.js";
export type { KeyValueStorage, TokenProvider } from "./credentials.js";
export { MemoryOutboxStore, IndexedDbOutboxStore, type OutboxItem, type OutboxStore } from "./outbox.js";
export { API_VERSION } from "./generated/apiVersion.js";
export type { paths, components, operations } from "./generated/openapi.js";
export type * from "./events.js";
export { LogLevel } from "@microsoft/signalr";
