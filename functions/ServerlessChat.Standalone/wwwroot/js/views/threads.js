// Threads: the panel beside the conversation (a root, its replies oldest first, a reply box that can also post to
// the conversation), the reply count under a root that opens it, and the "Threads" list of the caller's threads
// with their unread replies (GET /api/threads). Replies kept in their thread never reach the conversation's
// messages: the store hands them here (state.tap) and they count only in their thread.
import { ApiError } from "../api.js";
import { target } from "../actions.js";
import * as chat from "../conversationApi.js";
import { $, el, time } from "../dom.js";
import * as store from "../state.js";
import { addMessagePart, refreshMessages, renderMessage } from "./messages.js";
import { openDialog } from "./dialogs.js";

// rootId → {conversationId, byId: Map, nextAfter}; nextAfter: undefined before the first page, null at the end.
const replies = new Map();
// The caller's threads: rootId → {root, unread, lastReplyAt}.
const mine = new Map();
// The open thread: {conversationId, rootId, root, returnTo}.
let open = null;
let hooks = { onOpenConversation: async () => {} };
let panel = null;
let listDialog = null;
let reloadTimer = null;

const problemText = (error) => (error instanceof ApiError ? error.message : "The server cannot be reached. Try again.");
const repliesText = (n) => `${n} ${n === 1 ? "reply" : "replies"}`;
const keptInThread = (m) => !!m.threadId && !m.alsoInConversation;

function repliesOf(rootId, conversationId) {
  let r = replies.get(rootId);
  if (!r) replies.set(rootId, (r = { conversationId, byId: new Map(), nextAfter: undefined }));
  return r;
}

const ordered = (r) => [...r.byId.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));

/** The root as this client knows it best: the conversation's copy (kept current by messageUpdated), else the list's. */
function rootOf(rootId, conversationId) {
  const t = conversationId && store.thread(conversationId);
  return (t && t.byId.get(rootId)) || (mine.get(rootId) || {}).root || (open && open.rootId === rootId ? open.root : null);
}

export const totalUnread = () => [...mine.values()].reduce((sum, item) => sum + (item.unread > 0 ? item.unread : 0), 0);

// ---- events ----------------------------------------------------------------------------------------------------

function onReply(m) {
  if (!m.threadId) return false;
  const r = repliesOf(m.threadId, m.conversationId);
  const isNew = !r.byId.has(m.id);
  r.byId.set(m.id, m);
  const me = store.me().id;
  const item = mine.get(m.threadId);
  if (item && (!item.lastReplyAt || m.createdAt > item.lastReplyAt)) item.lastReplyAt = m.createdAt;
  if (open && open.rootId === m.threadId) {
    renderReplies({ added: m });
    if (m.senderId !== me) markOpenRead();
  } else if (isNew && m.senderId !== me) {
    if (item) item.unread += 1;
    else {
      const root = rootOf(m.threadId, m.conversationId);
      if ((root && root.senderId === me) || (m.mentions || []).includes(me)) scheduleReload();
    }
  }
  if (m.senderId === me && !item) scheduleReload();
  renderAll();
  return keptInThread(m);
}

function onUpdate(m) {
  if (m.threadId) {
    const r = replies.get(m.threadId);
    if (r && r.byId.has(m.id)) {
      r.byId.set(m.id, m);
      if (open && open.rootId === m.threadId) renderReplies();
    }
    return keptInThread(m);
  }
  // A root: its summary (reply count, last reply) changed.
  const item = mine.get(m.id);
  if (item) item.root = m;
  if (open && open.rootId === m.id) {
    open.root = m;
    renderRoot();
  }
  if (item) renderList();
  return false;
}

function onDeleted({ id }) {
  for (const [rootId, r] of replies) {
    const current = r.byId.get(id);
    if (!current) continue;
    r.byId.set(id, { ...current, deleted: true, content: "", attachments: [], reactions: [], links: [] });
    if (open && open.rootId === rootId) renderReplies();
  }
  return false;
}

function onReactions({ messageId, reactions }) {
  for (const [rootId, r] of replies) {
    const current = r.byId.get(messageId);
    if (!current || current.deleted) continue;
    r.byId.set(messageId, { ...current, reactions });
    if (open && open.rootId === rootId) renderReplies();
  }
  return false;
}

function onRead({ threadId, readerId }) {
  if (!threadId) return false;
  // Read on another of this user's devices (the server sends a thread's read to its reader only).
  if (readerId === store.me().id && mine.has(threadId)) {
    mine.get(threadId).unread = 0;
    renderAll();
  }
  return true;
}

// ---- loading ---------------------------------------------------------------------------------------------------

export async function loadMyThreads() {
  if (!store.me()) return;
  try {
    const { items } = await chat.myThreads();
    mine.clear();
    for (const item of items) mine.set(item.root.id, { root: item.root, unread: item.unread, lastReplyAt: item.lastReplyAt });
    if (open && mine.has(open.rootId)) mine.get(open.rootId).unread = 0;
    renderAll();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) console.warn("Loading threads failed", error);
  }
}

function scheduleReload() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(loadMyThreads, 250);
}

async function loadPage(rootId, conversationId) {
  const r = repliesOf(rootId, conversationId);
  if (r.nextAfter === null) return;
  const page = await chat.threadPage(rootId, r.nextAfter);
  for (const m of page.items) r.byId.set(m.id, m);
  r.nextAfter = page.nextAfter;
}

async function markOpenRead() {
  if (!open || document.visibilityState !== "visible") return;
  const { rootId, conversationId } = open;
  const c = store.conversation(conversationId);
  const r = replies.get(rootId);
  if (!c || !r) return;
  const all = ordered(r);
  const upTo = all.length ? all[all.length - 1].id : rootId;
  try {
    const answer = await chat.markThreadRead(target(c), rootId, upTo);
    const item = mine.get(rootId);
    if (item) item.unread = answer.unread;
    renderAll();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) console.warn("Marking the thread read failed", error);
  }
}

// ---- the panel -------------------------------------------------------------------------------------------------

/** Opens the thread of `root` (a top-level message) in the panel; `returnTo` gets the focus back on close. */
export async function openThread(conversationId, root, returnTo = document.activeElement) {
  if (store.activeId() !== conversationId) await hooks.onOpenConversation(conversationId);
  if (store.activeId() !== conversationId) return;
  open = { conversationId, rootId: root.id, root, returnTo };
  panel.hidden = false;
  document.querySelector(".chat").dataset.thread = "open";
  showError("");
  renderRoot();
  renderReplies();
  panel.querySelector("textarea").focus();
  try {
    const r = repliesOf(root.id, conversationId);
    r.nextAfter = undefined;
    await loadPage(root.id, conversationId);
    if (!open || open.rootId !== root.id) return;
    renderReplies();
    await markOpenRead();
  } catch (error) {
    showError(problemText(error));
  }
}

export function closeThread({ focus = true } = {}) {
  if (!open) return;
  const { returnTo, rootId } = open;
  open = null;
  panel.hidden = true;
  delete document.querySelector(".chat").dataset.thread;
  if (!focus) return;
  // The button that opened the panel may have been drawn again since (a new reply re-renders the list).
  const root = document.querySelector(`#messages [data-message-id="${CSS.escape(rootId)}"]`);
  const again = root && (root.querySelector("[data-testid=thread-button]") || root.querySelector("[aria-label='Reply in thread']"));
  const next = returnTo && returnTo.isConnected ? returnTo : again || $("message-input");
  next.focus();
}

function showError(text) {
  const error = panel.querySelector(".form-error");
  error.textContent = text;
  error.hidden = !text;
}

function renderRoot() {
  if (!open) return;
  const c = store.conversation(open.conversationId);
  const root = rootOf(open.rootId, open.conversationId) || open.root;
  const box = panel.querySelector(".thread-root");
  box.replaceChildren(c && root ? renderMessage(root, c, { inThread: true, root: true }) : el("p", { className: "muted", text: "The first message is not loaded." }));
  const count = root && root.thread ? root.thread.replyCount : 0;
  panel.querySelector(".thread-count").textContent = count ? repliesText(count) : "No replies yet";
}

function renderReplies({ added = null } = {}) {
  if (!open) return;
  const c = store.conversation(open.conversationId);
  const list = panel.querySelector(".thread-replies");
  const r = replies.get(open.rootId);
  const items = r && c ? ordered(r) : [];
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren(...items.map((m) => renderMessage(m, c, { inThread: true })));
  panel.querySelector(".thread-more").hidden = !(r && r.nextAfter);
  if (atBottom || (added && added.senderId === store.me().id)) list.scrollTop = list.scrollHeight;
  renderRoot();
}

function mountPanel() {
  const close = el("button", {
    className: "secondary small", text: "×",
    attrs: { type: "button", "aria-label": "Close thread" }, on: { click: () => closeThread() },
  });
  const input = el("textarea", { attrs: { rows: "1", maxlength: "4000", placeholder: "Reply…", "aria-label": "Reply in thread" } });
  const also = el("input", { attrs: { type: "checkbox", id: "thread-also" } });
  const form = el("form", { className: "thread-composer" }, [
    input,
    el("div", { className: "thread-composer-row" }, [
      el("label", { className: "thread-also", attrs: { for: "thread-also" } }, [also, el("span", { text: " Also send to the conversation" })]),
      el("button", { text: "Reply", attrs: { type: "submit" } }),
    ]),
  ]);
  panel = el("aside", { className: "thread-panel", attrs: { id: "thread-panel", "aria-labelledby": "thread-title", hidden: true } }, [
    el("header", { className: "thread-header" }, [el("h2", { text: "Thread", attrs: { id: "thread-title" } }), el("span", { className: "spacer" }), close]),
    el("div", { className: "thread-scroll" }, [
      el("div", { className: "thread-root", attrs: { "data-testid": "thread-root" } }),
      el("p", { className: "thread-count muted", attrs: { "data-testid": "thread-count" } }),
      el("ol", { className: "messages thread-replies", attrs: { "aria-label": "Replies", "aria-live": "polite", "data-testid": "thread-replies" } }),
      el("button", { className: "link thread-more", text: "Load more replies", attrs: { type: "button", hidden: true }, on: { click: more } }),
    ]),
    el("p", { className: "form-error", attrs: { role: "alert", hidden: true } }),
    form,
  ]);
  document.querySelector(".conversation").append(panel);

  async function more() {
    if (!open) return;
    try {
      await loadPage(open.rootId, open.conversationId);
      renderReplies();
    } catch (error) {
      showError(problemText(error));
    }
  }

  panel.addEventListener("keydown", (event) => {
    // Esc inside a menu or the mention list is theirs.
    if (event.key === "Escape" && !event.defaultPrevented) {
      event.preventDefault();
      closeThread();
    }
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const content = input.value.trim();
    const c = open && store.conversation(open.conversationId);
    if (!content || !c) return;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    showError("");
    try {
      const stored = await chat.sendThreadReply(target(c), open.rootId, content, also.checked);
      input.value = "";
      also.checked = false;
      store.apply("newMessage", stored);
    } catch (error) {
      showError(problemText(error));
    } finally {
      button.disabled = false;
      input.focus();
    }
  });
}

// ---- the reply count under a root, and "Reply in thread" -------------------------------------------------------

function threadSummary(message, c, options) {
  if (options.inThread || message.threadId || message.deleted || !message.id) {
    if (!options.inThread && message.threadId && !message.deleted) {
      // A reply that was also sent to the conversation: a way into its thread.
      return el("button", {
        className: "link thread-link", text: "Replied in a thread",
        attrs: { type: "button", "data-testid": "in-thread" },
        on: { click: (event) => {
          const root = rootOf(message.threadId, c.conversationId);
          if (root) openThread(c.conversationId, root, event.currentTarget);
        } },
      });
    }
    return null;
  }
  const summary = message.thread;
  if (!summary || !summary.replyCount) return null;
  const unread = (mine.get(message.id) || {}).unread || 0;
  const label = `${repliesText(summary.replyCount)}${unread ? `, ${unread} unread` : ""}, last ${time(summary.lastReplyAt)}: open the thread`;
  return el("button", {
    className: "link thread-link",
    attrs: { type: "button", "data-testid": "thread-button", "aria-label": label },
    on: { click: (event) => openThread(c.conversationId, message, event.currentTarget) },
  }, [
    el("span", { text: repliesText(summary.replyCount) }),
    unread ? el("span", { className: "badge", text: String(unread), attrs: { "data-testid": "thread-unread" } }) : null,
    el("span", { className: "thread-last", text: ` · ${time(summary.lastReplyAt)}` }),
  ]);
}

function replyInThreadButton(message, c, options) {
  if (options.inThread || message.threadId || message.senderId === "system") return null;
  return el("button", {
    className: "link", text: "Thread",
    attrs: { type: "button", "aria-label": "Reply in thread" },
    on: { click: (event) => openThread(c.conversationId, message, event.currentTarget) },
  });
}

// ---- the "Threads" list ----------------------------------------------------------------------------------------

function mountList() {
  // A row above the conversations, as Slack and Teams have it.
  const button = el("button", {
    className: "conversation-item threads-item", attrs: { type: "button", id: "threads-button", "aria-haspopup": "dialog" },
    on: { click: () => { renderList(); openDialog(listDialog, listDialog.querySelector(".dialog-close")); loadMyThreads(); } },
  }, [
    el("span", { className: "conversation-text" }, [el("span", { className: "conversation-name", text: "Threads" })]),
    el("span", { className: "badge", attrs: { id: "threads-unread", "data-testid": "threads-unread", hidden: true } }),
  ]);
  document.querySelector(".sidebar .list-header").before(button);

  listDialog = el("dialog", { attrs: { id: "threads-dialog", "aria-labelledby": "threads-title" } }, [
    el("div", { className: "dialog-form" }, [
      el("h2", { text: "Threads", attrs: { id: "threads-title" } }),
      el("ul", { className: "list thread-list", attrs: { "aria-label": "Your threads, latest reply first" } }),
      el("p", { className: "muted thread-list-empty", text: "No threads yet. Reply in a thread to start one.", attrs: { hidden: true } }),
      el("div", { className: "dialog-buttons" }, [
        el("button", { className: "secondary dialog-close", text: "Close", attrs: { type: "button" }, on: { click: () => listDialog.close() } }),
      ]),
    ]),
  ]);
  document.body.append(listDialog);
}

function renderList() {
  const total = totalUnread();
  const badge = $("threads-unread");
  if (badge) {
    badge.textContent = String(total);
    badge.hidden = !total;
    badge.setAttribute("aria-label", `${total} unread`);
  }
  if (!listDialog) return;
  const items = [...mine.values()].sort((a, b) => (b.lastReplyAt || "").localeCompare(a.lastReplyAt || ""));
  listDialog.querySelector(".thread-list-empty").hidden = items.length > 0;
  listDialog.querySelector(".thread-list").replaceChildren(...items.map((item) => {
    const c = store.conversation(item.root.conversationId);
    const title = c ? store.conversationTitle(c) : "Conversation";
    const count = item.root.thread ? item.root.thread.replyCount : 0;
    return el("li", { attrs: { "data-testid": "thread-item" } }, [
      el("button", {
        className: "search-item",
        attrs: { type: "button" },
        on: { click: () => {
          listDialog.close();
          openThread(item.root.conversationId, item.root, $("threads-button"));
        } },
      }, [
        el("span", { className: "conversation-name", text: title }),
        el("span", { className: "search-snippet", text: `${store.userName(item.root.senderId)}: ${item.root.content || "Message deleted"}` }),
        el("span", { className: "muted" }, [
          el("span", { text: `${repliesText(count)} · ${time(item.lastReplyAt)}` }),
          item.unread > 0 ? el("span", { className: "badge", text: String(item.unread), attrs: { "data-testid": "thread-item-unread" } }) : null,
        ]),
      ]),
    ]);
  }));
}

function renderAll() {
  renderList();
  // The reply counts and unread badges under the roots of the open conversation.
  refreshMessages();
}

// ---- wiring ----------------------------------------------------------------------------------------------------

/** `onOpenConversation(id)`: opens a conversation (the thread list can lead to another one). */
export function mountThreads(options) {
  hooks = { ...hooks, ...options };
  mountPanel();
  mountList();
  addMessagePart("after", threadSummary);
  addMessagePart("actions", replyInThreadButton);
  store.tap("newMessage", onReply);
  store.tap("messageUpdated", onUpdate);
  store.tap("messageDeleted", onDeleted);
  store.tap("reactionsUpdated", onReactions);
  store.tap("messagesRead", onRead);
  store.subscribe("me", () => {
    replies.clear();
    mine.clear();
    closeThread({ focus: false });
    renderList();
  });
  store.subscribe("active", (id) => {
    if (open && open.conversationId !== id) closeThread({ focus: false });
  });
  store.subscribe("messages", ({ conversationId }) => {
    if (open && open.conversationId === conversationId) renderRoot();
  });
  document.addEventListener("visibilitychange", () => open && markOpenRead());
}
