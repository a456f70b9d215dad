// Wiring: configuration, session, store, realtime and views. No logic of its own beyond the order of things.
import { ApiError, currentUser, endSession, loadConfig, onSessionEnded, onSignedOutElsewhere, restoreSession, SIGNED_OUT_ELSEWHERE } from "./api.js";
import * as actions from "./actions.js";
import * as realtime from "./realtime.js";
import * as store from "./state.js";
import { $ } from "./dom.js";
import { hideAuth, mountAuth, showAuth } from "./views/auth.js";
import { mountComposer, resetComposer } from "./views/composer.js";
import { mountConversationList } from "./views/conversations.js";
import { mountMessages } from "./views/messages.js";
import { mountPeopleSearch } from "./views/people.js";
import { mountTopbar } from "./views/topbar.js";
import { mountDialogs, promptEdit, confirmAction } from "./views/dialogs.js";
import { mountGroups } from "./views/groups.js";
import { mountCallView } from "./views/call.js";
import * as calls from "./calls.js";
import { hasReadyUploads, mountAttachments, takeUploads, uploading, clearUploads } from "./views/attachments.js";
import { loadBlocked, mountBlocking } from "./views/blocking.js";
import { mountMentions } from "./views/mentions.js";
import { mountReplies, takeReply } from "./views/replies.js";
import { mountMessageSearch } from "./views/search.js";
import * as push from "./push.js";
import { mountNotifications, renderSetting, takeOpenedConversation } from "./views/notifications.js";
import { mountTitle } from "./views/title.js";
import { mountOfflineBanner } from "./views/offline.js";
import { mountUsers } from "./users.js";
import { clearAddress, closeInAddress, conversationInAddress, mountAddress } from "./address.js";
import { loadMyThreads, mountThreads } from "./views/threads.js";
import { mountPins } from "./views/pins.js";
import { mountGroupSettings } from "./views/groupSettings.js";
import { mountInvites, showPendingInvite } from "./views/invites.js";
import { mountSeenBy } from "./views/seenBy.js";
import { mountPreviews } from "./views/previews.js";
import { mountVoice } from "./views/voice.js";
import { mountProfiles } from "./views/profile.js";
import { mountSettings } from "./views/settings.js";
import { mountReports } from "./views/report.js";
import { mountModeration, renderModerationButton } from "./views/moderation.js";

// Counts sign-ins, so work started for one session does nothing after a sign-out.
let signIns = 0;
// The conversation a clicked notification opened this window at, or the address names (a reload), shown once
// the conversations are loaded.
let openedConversation = null;

function select(conversationId) {
  store.setActive(conversationId);
  resetComposer();
  const t = store.thread(conversationId);
  if (t && t.nextBefore === undefined) actions.loadHistory(conversationId);
  else actions.markRead(conversationId);
}

async function enterChat() {
  const signIn = ++signIns;
  store.signedIn(currentUser());
  hideAuth();
  // The API calls first: a session restored with an expired access token is refreshed there, before the hub
  // negotiates with it. The sync cursor is taken before the conversations are loaded, so nothing in between is lost.
  await realtime.primeSync();
  await Promise.all([actions.loadConversations(), loadBlocked(), push.load().then(renderSetting), loadMyThreads()]);
  if (signIn !== signIns || !currentUser()) return;
  // Messages written before a reload that the SDK's outbox still holds: shown as pending until it sends them.
  await actions.showQueuedMessages();
  if (openedConversation) {
    openConversation(openedConversation);
    openedConversation = null;
  }
  showPendingInvite({ onJoined: openConversation });
  const reload = () => {
    actions.loadConversations();
    loadMyThreads();
    const id = store.activeId();
    if (id) actions.loadHistory(id);
  };
  realtime.start({
    // Each (re)connect reads the list, the threads, the open history and presence again: the SDK's sync brought
    // every stored change, but the counts are the server's, and presence passes without being stored.
    onConnected: reload,
    // The cursor was older than the kept history: what changed is read again.
    onResync: reload,
    onSignal: (signal) => calls.handleSignal(signal).catch((error) => console.warn("Call signal failed", error)),
  });
}

async function openConversation(conversationId) {
  if (!store.conversation(conversationId)) await actions.loadConversations();
  if (store.conversation(conversationId)) select(conversationId);
}

function signOut({ logout, message, elsewhere = false } = {}) {
  signIns += 1;
  calls.hangUp();
  calls.dismiss();
  realtime.stop();
  // Before the session goes: the server forgets this browser's subscription for this user (the tab that signed
  // out did that for the whole browser).
  if (!elsewhere) push.forget();
  renderSetting();
  endSession({ logout });
  clearAddress();
  store.reset();
  store.signedIn(null);
  clearUploads();
  showAuth(message);
}

async function main() {
  await loadConfig();
  mountTopbar({ onSignOut: () => signOut({ logout: true }) });
  mountOfflineBanner();
  mountUsers();
  mountTitle();
  mountAddress({ onNavigate: (id) => (id ? currentUser() && openConversation(id) : store.setActive(null)) });
  mountAuth({ onSignedIn: () => enterChat() });
  mountDialogs();
  mountGroups({ onCreated: select });
  mountCallView();
  mountConversationList({ onSelect: select });
  mountPeopleSearch({
    input: $("user-search"),
    results: $("search-results"),
    onPick: (user) => select(store.openDirect(user)),
  });
  const editMessage = async (message) => {
    const content = await promptEdit(message.content);
    if (content === null || content === message.content) return;
    await actions.editMessage(message.conversationId, message.id, content).catch(report);
  };
  mountMessages({
    onOlder: () => store.activeId() && actions.loadHistory(store.activeId(), { older: true }),
    onRetry: (draft) => actions.postMessage(store.activeId(), draft),
    onEdit: editMessage,
    onDelete: async (message) => {
      if (!(await confirmAction("Delete this message for everyone?", "Delete"))) return;
      await actions.deleteMessage(message.conversationId, message.id).catch(report);
    },
  });
  // Mentions first: its keydown (capture) picks a suggestion before the composer's Enter sends.
  mountMentions();
  mountComposer({
    onEditLast: () => {
      const id = store.activeId();
      const mine = id ? store.orderedMessages(id).filter((m) => m.id && !m.deleted && m.senderId === store.me().id && m.content) : [];
      if (mine.length) editMessage(mine[mine.length - 1]);
    },
    onSend: (content) => {
      if (!store.activeId()) return;
      if (uploading()) {
        alertText("Wait until the files have uploaded.");
        return;
      }
      actions.sendMessage(store.activeId(), content, { attachments: takeUploads(), replyTo: takeReply() });
    },
    onTyping: () => store.activeId() && actions.typing(store.activeId()),
    canSendEmpty: hasReadyUploads,
  });
  mountAttachments();
  mountReplies();
  mountThreads({ onOpenConversation: openConversation });
  mountPins();
  mountGroupSettings();
  mountInvites();
  mountSeenBy();
  mountPreviews();
  mountVoice();
  mountBlocking();
  mountMessageSearch({ onOpen: openConversation });
  mountProfiles({ onMe: renderModerationButton });
  mountSettings({ onAccountDeleted: (message) => signOut({ message }) });
  mountReports();
  mountModeration();
  openedConversation = takeOpenedConversation() || conversationInAddress();
  mountNotifications({ onOpen: (id) => currentUser() && openConversation(id), onError: report });
  store.subscribe("active", (id) => { if (!id) clearUploads(); });
  $("back-button").addEventListener("click", () => {
    store.setActive(null);
    closeInAddress();
  });

  store.subscribe("messages", ({ conversationId }) => {
    if (conversationId === store.activeId()) actions.markRead(conversationId);
  });
  store.subscribe("unknownConversation", scheduleConversationReload);
  document.addEventListener("visibilitychange", () => store.activeId() && actions.markRead(store.activeId()));
  onSessionEnded((message) => signOut({ message }));
  onSignedOutElsewhere(() => signOut({ logout: true, elsewhere: true, message: SIGNED_OUT_ELSEWHERE }));

  if (restoreSession()) enterChat();
  else showAuth();
}

let reloadTimer = null;
function scheduleConversationReload() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => actions.loadConversations(), 100);
}

function report(error) {
  alertText(error instanceof ApiError ? error.message : "The server cannot be reached. Try again.");
}

function alertText(text) {
  const notice = $("notice");
  notice.textContent = text;
  notice.hidden = false;
}

main();
