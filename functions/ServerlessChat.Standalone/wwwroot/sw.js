// The service worker, at the app's root so its scope is the whole app. It shows one notification per push (the
// payload API.md "Push notifications" describes; text only: a notification renders no markup) and opens the app
// at that conversation when the notification is clicked. It never calls the API, so config.json's apiBase does not
// concern it: its URLs are the app's own (its registration scope).

const TITLE_LENGTH = 80;
const BODY_LENGTH = 200;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  event.waitUntil(showNotification(readPayload(event)));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  event.waitUntil(openApp(typeof data.conversationId === "string" ? data.conversationId : null));
});

function readPayload(event) {
  try {
    return event.data ? event.data.json() : null;
  } catch {
    return null;
  }
}

const text = (value, length) => (typeof value === "string" ? value.trim().slice(0, length) : "");

// A push must always show something (browsers require it of userVisibleOnly subscriptions), even one this
// version does not understand.
function showNotification(payload) {
  if (!payload || payload.type !== "newMessage" || typeof payload.conversationId !== "string") {
    return self.registration.showNotification("ServerlessChat", { body: "You have a new message." });
  }
  const sender = text(payload.senderName, TITLE_LENGTH) || "Someone";
  return self.registration.showNotification(sender, {
    body: text(payload.preview, BODY_LENGTH) || `New message from ${sender}`,
    // One notification per conversation: a burst replaces rather than piles up (as the push Topic does).
    tag: payload.conversationId,
    renotify: true,
    data: { conversationId: payload.conversationId, messageId: text(payload.messageId, 64) },
  });
}

// An open window of the app is focused and told which conversation to show; else a new one opens at it.
async function openApp(conversationId) {
  const url = new URL(self.registration.scope);
  if (conversationId) url.searchParams.set("conversation", conversationId);
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows.find((client) => client.url.startsWith(self.registration.scope));
  if (open) {
    if (conversationId) open.postMessage({ type: "openConversation", conversationId });
    return open.focus();
  }
  return self.clients.openWindow(url.href);
}
