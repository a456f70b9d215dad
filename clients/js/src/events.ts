import type { components } from "./generated/openapi.js";

type Schemas = components["schemas"];

export type User = Schemas["UserDto"];
export type Message = Schemas["MessageDto"];
export type Group = Schemas["GroupDto"];
export type Reaction = Schemas["ReactionDto"];
export type Presence = Schemas["PresenceDto"];
export type Session = Schemas["SessionDto"];
export type SendMessageRequest = Schemas["SendMessageRequest"];
export type SyncChange = Schemas["SyncChangeDto"];
export type SyncAnswer = Schemas["SyncAnswerDto"];

/** The realtime events whose objects the OpenAPI document has no schema for (API.md, "Realtime"). */
export interface MessageDeletedEvent {
  id: string;
  conversationId: string;
  cursor?: string | null;
}

export interface MessagesReadEvent {
  conversationId: string;
  readerId: string;
  upTo: string;
  cursor?: string | null;
}

export interface ReactionsUpdatedEvent {
  messageId: string;
  conversationId: string;
  reactions: Reaction[];
  cursor?: string | null;
}

export interface TypingEvent {
  conversationId: string;
  userId: string;
}

export interface CallSignalEvent {
  callId: string;
  fromUserId: string;
  type: string;
  payload?: unknown;
}

/** `userUpdated` carries the user and the change's cursor. */
export type UserUpdatedEvent = User & { cursor?: string | null };

export type ConnectionState = "disconnected" | "connecting" | "connected" | "reconnecting";

/** The events that change stored state: each carries a cursor, reaches handlers once, and sync replays it. */
export interface StoredEvents {
  newMessage: Message;
  messageUpdated: Message;
  messageDeleted: MessageDeletedEvent;
  messagesRead: MessagesReadEvent;
  reactionsUpdated: ReactionsUpdatedEvent;
  groupUpdated: Group;
  userUpdated: UserUpdatedEvent;
}

/** Events that pass by: never replayed, delivered only while connected. */
export interface TransientEvents {
  typing: TypingEvent;
  presence: Presence;
  callSignal: CallSignalEvent;
}

/** Events of the client itself. */
export interface ClientEvents {
  connectionState: ConnectionState;
  /** The sync cursor was older than the kept history: reload conversations, then changes follow from `cursor`. */
  resync: { cursor: string };
  /** The session ended (its refresh was refused): sign in again. */
  sessionEnded: { reason: string };
  /** A queued message the server refused for good (a 4xx); it is out of the outbox. */
  outboxFailed: { clientMessageId: string; request: SendMessageRequest; error: Error };
  /** A handler threw; the client went on with the next one. */
  error: Error;
}

export type ChatEvents = StoredEvents & TransientEvents & ClientEvents;
export type ChatEventName = keyof ChatEvents;
export type StoredEventName = keyof StoredEvents;

/** Where a stored-state change reached the client from. `sent`: the answer of this client's own sendMessage. */
export interface ChangeInfo {
  source: "live" | "sync" | "sent";
  cursor: string | null;
}

export type ChatEventHandler<K extends ChatEventName> = K extends StoredEventName
  ? (data: ChatEvents[K], change: ChangeInfo) => void
  : (data: ChatEvents[K]) => void;

export const STORED_EVENTS: readonly StoredEventName[] = [
  "newMessage",
  "messageUpdated",
  "messageDeleted",
  "messagesRead",
  "reactionsUpdated",
  "groupUpdated",
  "userUpdated",
];

export const TRANSIENT_EVENTS: readonly (keyof TransientEvents)[] = ["typing", "presence", "callSignal"];
