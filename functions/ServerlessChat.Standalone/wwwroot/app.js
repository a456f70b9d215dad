"use strict";

// The ServerlessChat web client: plain DOM, the HTTP API for everything the user does, the SignalR hub only to
// hear about what others do. Message content is stored verbatim and may contain markup, so every user-supplied
// string reaches the page through textContent, never through innerHTML.
(() => {
  const API = location.origin + "/api";
  const SESSION_KEY = "serverlesschat.session";
  // The server coalesces typing to one event per 2-second window; sending more often only costs requests.
  const TYPING_SEND_EVERY_MS = 2000;
  // There is no "stopped typing" event: the indicator fades unless another event renews it.
  const TYPING_SHOW_MS = 4000;
  const HEARTBEAT_MS = 30000;
  const SEARCH_DELAY_MS = 250;

  const state = {
    session: null,
    conversations: new Map(),
    presence: new Map(),
    // conversationId -> Map(userId -> timeout handle)
    typing: new Map(),
    active: null,
    connection: null,
    heartbeat: null,
    lastTypingSent: 0,
    // Counts sign-ins, so work started for one session does nothing after a sign-out.
    signIns: 0,
  };

  const $ = (id) => document.getElementById(id);

  /** Builds an element; text always goes through textContent. */
  function el(tag, options = {}, children = []) {
    const element = document.createElement(tag);
    if (options.className) element.className = options.className;
    if (options.text !== undefined) element.textContent = options.text;
    for (const [name, value] of Object.entries(options.attrs || {})) {
      if (value !== undefined && value !== null && value !== false) element.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child) element.append(child);
    }
    return element;
  }

  const nameOf = (user) => (user && (user.displayName || user.username)) || "Someone";
  const me = () => state.session.user;
  const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

  /** The API derives direct conversation ids from the ordered pair of user ids; so does the client. */
  const directConversationId = (a, b) => (a < b ? `d:${a}:${b}` : `d:${b}:${a}`);

  function randomId() {
    // crypto.randomUUID needs a secure context; getRandomValues works on plain http too.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // ---- HTTP -------------------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, problem) {
      super(describeProblem(status, problem));
      this.status = status;
      this.problem = problem;
    }
  }

  function describeProblem(status, problem) {
    if (problem && problem.errors) {
      const messages = Object.entries(problem.errors).map(([field, texts]) => `${field}: ${[].concat(texts).join(" ")}`);
      if (messages.length) return messages.join(" ");
    }
    if (status === 429) return "Too many requests; wait a moment.";
    return (problem && (problem.detail || problem.title)) || `The request failed (${status}).`;
  }

  async function send(method, path, body, token) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    return fetch(`${API}/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  async function readAnswer(response) {
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  /** An authenticated call; a 401 gets one retry after a refresh, then ends the session. */
  async function api(method, path, body) {
    const session = state.session;
    if (!session) throw new ApiError(401, null);
    let response = await send(method, path, body, session.accessToken);
    if (response.status === 401 && (await refreshSession(session.accessToken))) {
      response = await send(method, path, body, state.session.accessToken);
    }
    if (response.status === 401) {
      signOut({ callServer: false, message: "Your session has ended. Sign in again." });
    }
    return readAnswer(response);
  }

  let refreshing = null;

  /**
   * Rotates the refresh token. Single-flight: presenting the same refresh token twice counts as reuse and
   * revokes the whole login chain, so concurrent 401s share one refresh.
   */
  function refreshSession(staleAccessToken) {
    if (!state.session) return Promise.resolve(false);
    // Another request refreshed while this one was in flight.
    if (state.session.accessToken !== staleAccessToken) return Promise.resolve(true);
    if (!refreshing) {
      const refreshToken = state.session.refreshToken;
      refreshing = (async () => {
        try {
          const response = await send("POST", "auth/refresh", { refreshToken });
          if (!response.ok) return false;
          setSession(await response.json());
          return true;
        } catch {
          return false;
        } finally {
          refreshing = null;
        }
      })();
    }
    return refreshing;
  }

  /** For the hub's negotiate call: a token that will not expire in the middle of it. */
  async function freshAccessToken() {
    const session = state.session;
    if (session && session.expiresAt - Date.now() < 30000) await refreshSession(session.accessToken);
    return state.session ? state.session.accessToken : "";
  }

  function setSession(session) {
    state.session = {
      user: session.user,
      accessToken: session.accessToken,
      refreshToken: session.refreshToken,
      expiresAt: Date.now() + session.expiresIn * 1000,
    };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(state.session));
  }

  // ---- Sign in / sign up ------------------------------------------------------------------------------------

  function showFormMessage(form, selector, text) {
    const element = form.querySelector(selector);
    if (!element) return;
    element.textContent = text || "";
    element.hidden = !text;
  }

  function handleForm(form, action) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      showFormMessage(form, ".form-error", "");
      showFormMessage(form, ".form-info", "");
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        await action(form.elements);
      } catch (error) {
        showFormMessage(form, ".form-error", error instanceof ApiError ? error.message : "The server cannot be reached. Try again.");
      } finally {
        button.disabled = false;
      }
    });
  }

  handleForm($("signin-form"), async (fields) => {
    const login = fields.login.value.trim();
    const body = login.includes("@") ? { email: login } : { username: login };
    body.password = fields.password.value;
    setSession(await readAnswer(await send("POST", "auth/login", body)));
    enterChat();
  });

  handleForm($("signup-form"), async (fields) => {
    const body = {
      username: fields.username.value.trim(),
      email: fields.email.value.trim(),
      password: fields.password.value,
    };
    if (fields.displayName.value.trim()) body.displayName = fields.displayName.value.trim();
    setSession(await readAnswer(await send("POST", "auth/register", body)));
    enterChat();
  });

  handleForm($("forgot-form"), async (fields) => {
    await readAnswer(await send("POST", "auth/password-reset", { email: fields.email.value.trim() }));
    showFormMessage($("forgot-form"), ".form-info", "If that address has an account, a reset link is on its way.");
  });

  $("forgot-button").addEventListener("click", () => {
    $("forgot-form").hidden = false;
    $("forgot-form").elements.email.focus();
  });

  $("signout-button").addEventListener("click", () => signOut({ callServer: true }));

  function showAuth(message) {
    $("chat-view").hidden = true;
    $("auth-view").hidden = false;
    for (const form of document.querySelectorAll("#auth-view form")) form.reset();
    showFormMessage($("signin-form"), ".form-error", message);
  }

  function enterChat() {
    $("auth-view").hidden = true;
    $("chat-view").hidden = false;
    $("me").textContent = `${nameOf(me())} (@${me().username})`;
    // The API call first: a session restored with an expired access token is refreshed there, before the hub
    // negotiates with it.
    const signIn = ++state.signIns;
    loadConversations().then(() => state.signIns === signIn && state.session && startConnection());
  }

  async function signOut({ callServer, message }) {
    const session = state.session;
    if (!session) return;
    state.session = null;
    state.signIns += 1;
    sessionStorage.removeItem(SESSION_KEY);
    clearInterval(state.heartbeat);
    const connection = state.connection;
    state.connection = null;
    state.conversations.clear();
    state.presence.clear();
    state.typing.clear();
    state.active = null;
    $("me").textContent = "";
    $("conversations").replaceChildren();
    $("messages").replaceChildren();
    $("conversation-pane").hidden = true;
    $("no-selection").hidden = false;
    showAuth(message);
    if (connection) connection.stop().catch(() => {});
    if (callServer) send("POST", "auth/logout", { refreshToken: session.refreshToken }).catch(() => {});
  }

  // ---- Realtime ---------------------------------------------------------------------------------------------

  function setConnectionState(name, label) {
    const badge = $("connection-state");
    badge.dataset.state = name;
    badge.textContent = label;
  }

  async function startConnection() {
    const connection = new signalR.HubConnectionBuilder()
      .withUrl(location.origin + "/api", { accessTokenFactory: () => freshAccessToken() })
      .withAutomaticReconnect()
      .configureLogging(signalR.LogLevel.Warning)
      .build();
    state.connection = connection;

    connection.on("newMessage", onNewMessage);
    connection.on("messageUpdated", onMessageChanged);
    connection.on("messageDeleted", (deleted) => onMessageChanged({ ...deleted, deleted: true, content: "" }, true));
    connection.on("messagesRead", onMessagesRead);
    connection.on("typing", onTyping);
    connection.on("presence", onPresence);
    connection.on("groupUpdated", () => scheduleConversationReload());

    connection.onreconnecting(() => setConnectionState("reconnecting", "reconnecting…"));
    connection.onreconnected(() => {
      setConnectionState("connected", "live");
      catchUp();
    });
    connection.onclose(() => {
      if (state.connection !== connection) return;
      setConnectionState("disconnected", "offline");
      // Automatic reconnect gave up (the server was away for long); keep trying, slowly.
      setTimeout(() => state.connection === connection && connectWithRetry(connection), 15000);
    });

    clearInterval(state.heartbeat);
    state.heartbeat = setInterval(() => {
      if (connection.state === signalR.HubConnectionState.Connected) api("POST", "presence/heartbeat").catch(() => {});
    }, HEARTBEAT_MS);

    await connectWithRetry(connection);
  }

  async function connectWithRetry(connection) {
    setConnectionState("connecting", "connecting…");
    try {
      await connection.start();
      if (state.connection !== connection) return;
      setConnectionState("connected", "live");
      catchUp();
    } catch {
      if (state.connection !== connection) return;
      setConnectionState("disconnected", "offline");
      setTimeout(() => state.connection === connection && connectWithRetry(connection), 5000);
    }
  }

  /** Events missed while disconnected are not replayed; the API has the truth. */
  function catchUp() {
    loadConversations();
    if (state.active) loadHistory(state.active, { merge: true });
  }

  function onNewMessage(message) {
    const conversation = state.conversations.get(message.conversationId);
    const fromOther = message.senderId !== me().id;
    if (fromOther) stopTyping(message.conversationId, message.senderId);
    const viewing = state.active && state.active.conversationId === message.conversationId;
    if (viewing) {
      addMessages([message]);
      if (fromOther) markRead();
    }

    if (!conversation || conversation.localOnly) {
      // A conversation the list does not know yet: the server has its peer or group.
      scheduleConversationReload();
      return;
    }

    if (!conversation.lastMessage || conversation.lastMessage.id === message.id || message.createdAt >= conversation.lastMessage.createdAt) {
      conversation.lastMessage = message;
      conversation.updatedAt = message.createdAt;
    }
    if (fromOther && !(viewing && document.visibilityState === "visible")) conversation.unread += 1;
    renderConversations();
  }

  function onMessageChanged(change, isDeletion) {
    const conversation = state.conversations.get(change.conversationId);
    if (conversation && conversation.lastMessage && conversation.lastMessage.id === change.id) {
      conversation.lastMessage = isDeletion ? { ...conversation.lastMessage, deleted: true, content: "" } : change;
      renderConversations();
    }

    const active = state.active;
    if (active && active.conversationId === change.conversationId && active.byId.has(change.id)) {
      const current = active.byId.get(change.id);
      active.byId.set(change.id, isDeletion ? { ...current, deleted: true, content: "" } : change);
      renderMessages();
    }
  }

  function onMessagesRead(read) {
    const conversation = state.conversations.get(read.conversationId);
    if (read.readerId === me().id) {
      // Read on another of this user's devices.
      if (conversation && conversation.lastMessage && conversation.lastMessage.id === read.upTo) {
        conversation.unread = 0;
        renderConversations();
      }
      return;
    }
    // In a group, one reader does not make a message read by all; the next history load tells.
    if (!conversation || conversation.type !== "direct") return;

    const active = state.active;
    if (active && active.conversationId === read.conversationId) {
      // Kept, not just applied: the read can arrive before this page has the message itself (the answer to its
      // own send may come after the peer's read of it). Ids are ObjectIds, so they order like time.
      if (!active.peerReadUpTo || read.upTo > active.peerReadUpTo) active.peerReadUpTo = read.upTo;
      for (const message of orderedMessages(active)) {
        if (message.senderId === me().id && message.id <= active.peerReadUpTo && !message.isRead) {
          active.byId.set(message.id, { ...message, isRead: true });
        }
      }
      renderMessages();
    }
    if (conversation.lastMessage && conversation.lastMessage.id === read.upTo) {
      conversation.lastMessage = { ...conversation.lastMessage, isRead: true };
      renderConversations();
    }
  }

  function onTyping(typing) {
    if (typing.userId === me().id) return;
    let typists = state.typing.get(typing.conversationId);
    if (!typists) state.typing.set(typing.conversationId, (typists = new Map()));
    clearTimeout(typists.get(typing.userId));
    typists.set(typing.userId, setTimeout(() => stopTyping(typing.conversationId, typing.userId), TYPING_SHOW_MS));
    renderTyping();
    renderConversations();
  }

  function stopTyping(conversationId, userId) {
    const typists = state.typing.get(conversationId);
    if (!typists || !typists.has(userId)) return;
    clearTimeout(typists.get(userId));
    typists.delete(userId);
    if (!typists.size) state.typing.delete(conversationId);
    renderTyping();
    renderConversations();
  }

  function onPresence(presence) {
    state.presence.set(presence.userId, presence);
    renderConversations();
    renderHeader();
  }

  // ---- Conversations ----------------------------------------------------------------------------------------

  let reloadTimer = null;

  function scheduleConversationReload() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(loadConversations, 100);
  }

  async function loadConversations() {
    try {
      const { items } = await api("GET", "conversations");
      const localOnly = [...state.conversations.values()].filter((c) => c.localOnly);
      state.conversations.clear();
      for (const conversation of items) state.conversations.set(conversation.conversationId, conversation);
      // A conversation opened from the search has no message yet, so the server does not list it.
      for (const conversation of localOnly) {
        if (!state.conversations.has(conversation.conversationId)) state.conversations.set(conversation.conversationId, conversation);
      }
      if (state.active && state.conversations.has(state.active.conversationId)) {
        state.active.conversation = state.conversations.get(state.active.conversationId);
      }
      renderConversations();
      renderHeader();
      await loadPresence();
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) console.warn("Loading conversations failed", error);
    }
  }

  async function loadPresence() {
    const ids = [...new Set([...state.conversations.values()].filter((c) => c.peer && !c.localOnly).map((c) => c.peer.id))].slice(0, 100);
    if (!ids.length) return;
    const { items } = await api("GET", `presence?userIds=${ids.map(encodeURIComponent).join(",")}`);
    for (const presence of items) state.presence.set(presence.userId, presence);
    renderConversations();
    renderHeader();
  }

  const conversationTitle = (c) => (c.type === "group" ? (c.group && c.group.name) || "Group" : nameOf(c.peer));

  function typingText(conversationId) {
    const typists = state.typing.get(conversationId);
    if (!typists || !typists.size) return "";
    const conversation = state.conversations.get(conversationId);
    const names = [...typists.keys()].map((id) => (conversation && conversation.peer && conversation.peer.id === id ? nameOf(conversation.peer) : "Someone"));
    return `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…`;
  }

  function presenceDot(userId) {
    const presence = userId && state.presence.get(userId);
    const online = !!(presence && presence.online);
    const title = online ? "online" : presence && presence.lastSeenAt ? `last seen ${new Date(presence.lastSeenAt).toLocaleString()}` : "offline";
    return el("span", { className: `dot ${online ? "online" : "offline"}`, attrs: { title, "data-online": String(online), role: "img", "aria-label": title } });
  }

  function renderConversations() {
    const list = $("conversations");
    const conversations = [...state.conversations.values()].sort((a, b) => (b.updatedAt || "").localeCompare(a.updatedAt || ""));
    list.replaceChildren(
      ...conversations.map((c) => {
        const typing = typingText(c.conversationId);
        const last = c.lastMessage;
        const preview = typing || (last ? (last.deleted ? "Message deleted" : `${last.senderId === me().id ? "You: " : ""}${last.content}`) : "No messages yet");
        const button = el("button", { className: "conversation-item", attrs: { type: "button", "aria-current": state.active && state.active.conversationId === c.conversationId ? "true" : false } }, [
          c.type === "direct" ? presenceDot(c.peer && c.peer.id) : el("span", { className: "dot group", attrs: { "aria-hidden": "true" } }),
          el("span", { className: "conversation-text" }, [
            el("span", { className: "conversation-name", text: conversationTitle(c) }),
            el("span", { className: `conversation-preview${typing ? " typing" : ""}`, text: preview }),
          ]),
          c.unread > 0 ? el("span", { className: "badge", text: String(c.unread), attrs: { "aria-label": `${c.unread} unread` } }) : null,
        ]);
        button.addEventListener("click", () => selectConversation(c.conversationId));
        return el("li", { attrs: { "data-conversation-id": c.conversationId, "data-testid": "conversation" } }, [button]);
      }),
    );
    $("no-conversations").hidden = conversations.length > 0;
  }

  // ---- Search -----------------------------------------------------------------------------------------------

  let searchTimer = null;
  let searchGeneration = 0;

  $("user-search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(searchUsers, SEARCH_DELAY_MS);
  });

  $("user-search").addEventListener("keydown", (event) => {
    if (event.key === "Escape") clearSearch();
  });

  function clearSearch() {
    $("user-search").value = "";
    $("search-results").replaceChildren();
    $("search-results").hidden = true;
  }

  async function searchUsers() {
    const query = $("user-search").value.trim();
    const generation = ++searchGeneration;
    const results = $("search-results");
    if (!query) {
      clearSearch();
      return;
    }
    let items;
    try {
      ({ items } = await api("GET", `users?search=${encodeURIComponent(query)}&limit=10`));
    } catch (error) {
      items = [];
      if (!(error instanceof ApiError)) console.warn("Search failed", error);
    }
    // An older, slower answer must not overwrite a newer one.
    if (generation !== searchGeneration) return;
    const others = items.filter((u) => u.id !== me().id);
    results.replaceChildren(
      ...(others.length
        ? others.map((user) => {
            const button = el("button", { className: "search-item", attrs: { type: "button" } }, [
              el("span", { className: "conversation-name", text: nameOf(user) }),
              el("span", { className: "conversation-preview", text: `@${user.username}` }),
            ]);
            button.addEventListener("click", () => openDirect(user));
            return el("li", { attrs: { "data-testid": "search-result" } }, [button]);
          })
        : [el("li", { className: "empty", text: "No one found." })]),
    );
    results.hidden = false;
  }

  function openDirect(user) {
    clearSearch();
    const conversationId = directConversationId(me().id, user.id);
    if (!state.conversations.has(conversationId)) {
      state.conversations.set(conversationId, {
        conversationId,
        type: "direct",
        peer: user,
        group: null,
        lastMessage: null,
        unread: 0,
        updatedAt: new Date().toISOString(),
        localOnly: true,
      });
    }
    selectConversation(conversationId);
  }

  // ---- Messages ---------------------------------------------------------------------------------------------

  function target(active) {
    const c = active.conversation;
    return c.type === "group" ? { groupId: c.group.id } : { receiverId: c.peer.id };
  }

  function historyQuery(active) {
    const c = active.conversation;
    return c.type === "group" ? `groupId=${encodeURIComponent(c.group.id)}` : `with=${encodeURIComponent(c.peer.id)}`;
  }

  function selectConversation(conversationId) {
    const conversation = state.conversations.get(conversationId);
    if (!conversation) return;
    state.active = {
      conversationId,
      conversation,
      byId: new Map(),
      // clientMessageId -> message not yet confirmed by the server
      pending: new Map(),
      nextBefore: null,
      readUpTo: null,
    };
    $("no-selection").hidden = true;
    $("conversation-pane").hidden = false;
    $("message-input").value = "";
    renderHeader();
    renderMessages();
    renderConversations();
    loadHistory(state.active, { merge: false });
    $("message-input").focus();
  }

  async function loadHistory(active, { merge, before }) {
    if (active.conversation.localOnly) return;
    try {
      const page = await api("GET", `messages?${historyQuery(active)}&limit=50${before ? `&before=${encodeURIComponent(before)}` : ""}`);
      if (state.active !== active) return;
      if (!merge || before) active.nextBefore = page.nextBefore;
      addMessages(page.items, { keepScroll: !!before });
      markRead();
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) console.warn("Loading messages failed", error);
    }
  }

  $("older-button").addEventListener("click", () => {
    if (state.active && state.active.nextBefore) loadHistory(state.active, { merge: true, before: state.active.nextBefore });
  });

  function addMessages(messages, { keepScroll } = {}) {
    const active = state.active;
    for (const message of messages) {
      if (message.clientMessageId && message.senderId === me().id) active.pending.delete(message.clientMessageId);
      // A copy that arrives later (the send's own answer, a history reload) must not undo a read already seen.
      const read = message.isRead || active.byId.get(message.id)?.isRead
        || (message.senderId === me().id && !!active.peerReadUpTo && message.id <= active.peerReadUpTo);
      active.byId.set(message.id, read === message.isRead ? message : { ...message, isRead: !!read });
    }
    renderMessages({ keepScroll });
  }

  const orderedMessages = (active) =>
    [...active.byId.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));

  function renderMessages({ keepScroll } = {}) {
    const list = $("messages");
    const active = state.active;
    if (!active) return;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const fromBottom = list.scrollHeight - list.scrollTop;
    const items = [...orderedMessages(active), ...active.pending.values()];
    list.replaceChildren(...items.map(renderMessage));
    $("older-button").hidden = !active.nextBefore;
    if (keepScroll) list.scrollTop = list.scrollHeight - fromBottom;
    else if (atBottom || items.length && items[items.length - 1].senderId === me().id) list.scrollTop = list.scrollHeight;
  }

  function renderMessage(message) {
    const mine = message.senderId === me().id;
    const group = state.active.conversation.type === "group";
    let status = null;
    if (mine) {
      if (message.status === "failed") {
        const retry = el("button", { className: "link", text: "Retry", attrs: { type: "button" } });
        retry.addEventListener("click", () => postMessage(message));
        status = el("span", { className: "status failed" }, [el("span", { text: `Not sent: ${message.error} ` }), retry]);
      } else {
        const label = message.status === "sending" ? "sending…" : message.isRead ? "read" : "sent";
        status = el("span", { className: `status ${message.status || (message.isRead ? "read" : "sent")}`, text: label, attrs: { "data-testid": "message-status" } });
      }
    }
    return el("li", { className: `message ${mine ? "mine" : "theirs"}${message.deleted ? " deleted" : ""}`, attrs: { "data-message-id": message.id || false, "data-testid": "message" } }, [
      group && !mine ? el("span", { className: "sender", text: senderName(message.senderId) }) : null,
      el("div", { className: "content", text: message.deleted ? "Message deleted" : message.content }),
      el("div", { className: "meta" }, [
        el("time", { text: time(message.createdAt), attrs: { datetime: message.createdAt } }),
        message.editedAt && !message.deleted ? el("span", { text: "edited" }) : null,
        status,
      ]),
    ]);
  }

  function senderName(userId) {
    for (const c of state.conversations.values()) {
      if (c.peer && c.peer.id === userId) return nameOf(c.peer);
    }
    return "Member";
  }

  function renderHeader() {
    const active = state.active;
    if (!active) return;
    const c = active.conversation;
    $("conversation-title").textContent = conversationTitle(c);
    $("peer-presence").replaceWith(Object.assign(c.type === "direct" ? presenceDot(c.peer.id) : el("span", { className: "dot group" }), { id: "peer-presence" }));
    renderTyping();
  }

  function renderTyping() {
    const indicator = $("typing-indicator");
    indicator.textContent = state.active ? typingText(state.active.conversationId) : "";
  }

  async function markRead() {
    const active = state.active;
    if (!active || document.visibilityState !== "visible") return;
    const ordered = orderedMessages(active);
    const newest = ordered[ordered.length - 1];
    const conversation = active.conversation;
    if (!newest || newest.id === active.readUpTo || (newest.senderId === me().id && !(conversation.unread > 0))) return;
    active.readUpTo = newest.id;
    try {
      const body = conversation.type === "group" ? { groupId: conversation.group.id, upTo: newest.id } : { with: conversation.peer.id, upTo: newest.id };
      const result = await api("POST", "messages/read", body);
      conversation.unread = result.unread;
      renderConversations();
    } catch (error) {
      active.readUpTo = null;
      if (!(error instanceof ApiError)) console.warn("Marking read failed", error);
    }
  }

  document.addEventListener("visibilitychange", () => markRead());

  const input = $("message-input");

  input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter starts a new line.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });

  input.addEventListener("input", () => {
    const active = state.active;
    if (!active || !input.value.trim()) return;
    const now = Date.now();
    if (now - state.lastTypingSent < TYPING_SEND_EVERY_MS) return;
    state.lastTypingSent = now;
    api("POST", "typing", target(active)).catch(() => {});
  });

  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const active = state.active;
    const content = input.value.trim();
    if (!active || !content) return;
    input.value = "";
    state.lastTypingSent = 0;
    const message = {
      id: null,
      clientMessageId: randomId(),
      senderId: me().id,
      content,
      createdAt: new Date().toISOString(),
      status: "sending",
    };
    active.pending.set(message.clientMessageId, message);
    renderMessages();
    postMessage(message);
  });

  /** Sends, or re-sends after a failure: the same clientMessageId makes a repeat store nothing new. */
  async function postMessage(message) {
    const active = state.active;
    message.status = "sending";
    renderMessages();
    try {
      const stored = await api("POST", "messages", { ...target(active), content: message.content, clientMessageId: message.clientMessageId });
      if (state.active !== active) return;
      addMessages([stored]);
      const conversation = active.conversation;
      if (conversation.localOnly) {
        // The server lists it now, with its real summary.
        conversation.localOnly = false;
        scheduleConversationReload();
      } else {
        conversation.lastMessage = stored;
        conversation.updatedAt = stored.createdAt;
        renderConversations();
      }
    } catch (error) {
      if (state.active !== active || !active.pending.has(message.clientMessageId)) return;
      message.status = "failed";
      message.error = error instanceof ApiError ? error.message : "the server cannot be reached.";
      renderMessages();
    }
  }

  // ---- Start ------------------------------------------------------------------------------------------------

  const saved = sessionStorage.getItem(SESSION_KEY);
  if (saved) {
    try {
      state.session = JSON.parse(saved);
    } catch {
      sessionStorage.removeItem(SESSION_KEY);
    }
  }
  if (state.session) enterChat();
  else showAuth();
})();
