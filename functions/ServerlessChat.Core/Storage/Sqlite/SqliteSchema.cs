using Microsoft.Data.Sqlite;

namespace ServerlessChat.Core.Storage.Sqlite;

/// <summary>
/// Creates and migrates the schema. PRAGMA user_version holds the number of migrations applied; a later version
/// appends a script to <see cref="Migrations"/> and never edits a shipped one.
/// </summary>
internal sealed class SqliteSchema(SqliteConnectionFactory factory) : IStorageInitializer
{
    internal static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE users (
            id TEXT NOT NULL PRIMARY KEY,
            username TEXT NOT NULL,
            username_lower TEXT NOT NULL,
            email TEXT NOT NULL,
            email_lower TEXT NOT NULL,
            display_name TEXT NOT NULL,
            display_name_lower TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            is_assistant INTEGER NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX ux_users_username_lower ON users (username_lower);
        CREATE UNIQUE INDEX ux_users_email_lower ON users (email_lower);
        CREATE INDEX ix_users_display_name_lower ON users (display_name_lower);

        CREATE TABLE messages (
            id TEXT NOT NULL PRIMARY KEY,
            conversation_id TEXT NOT NULL,
            sender_id TEXT NOT NULL,
            receiver_id TEXT,
            group_id TEXT,
            content TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            edited_at INTEGER,
            deleted INTEGER NOT NULL DEFAULT 0,
            client_message_id TEXT
        );
        CREATE INDEX ix_messages_conversation_id ON messages (conversation_id, id);
        CREATE UNIQUE INDEX ux_messages_client_message_id ON messages (conversation_id, sender_id, client_message_id)
            WHERE client_message_id IS NOT NULL;

        CREATE TABLE conversations (
            conversation_id TEXT NOT NULL PRIMARY KEY,
            participant_a TEXT,
            participant_b TEXT,
            group_id TEXT,
            last_message_id TEXT NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX ix_conversations_participant_a ON conversations (participant_a, updated_at);
        CREATE INDEX ix_conversations_participant_b ON conversations (participant_b, updated_at);
        CREATE INDEX ix_conversations_group_id ON conversations (group_id);

        CREATE TABLE read_markers (
            conversation_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            up_to TEXT NOT NULL,
            PRIMARY KEY (conversation_id, user_id)
        ) WITHOUT ROWID;

        CREATE TABLE "groups" (
            id TEXT NOT NULL PRIMARY KEY,
            name TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            version INTEGER NOT NULL
        );
        CREATE TABLE group_members (
            group_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            is_admin INTEGER NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (group_id, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX ix_group_members_user_id ON group_members (user_id);

        CREATE TABLE refresh_tokens (
            token_hash TEXT NOT NULL PRIMARY KEY,
            user_id TEXT NOT NULL,
            family_id TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            used_at INTEGER,
            revoked_at INTEGER
        );
        CREATE INDEX ix_refresh_tokens_family_id ON refresh_tokens (family_id);
        CREATE INDEX ix_refresh_tokens_user_id ON refresh_tokens (user_id);
        CREATE INDEX ix_refresh_tokens_expires_at ON refresh_tokens (expires_at);

        CREATE TABLE reset_tokens (
            token_hash TEXT NOT NULL PRIMARY KEY,
            user_id TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            used_at INTEGER
        );
        CREATE INDEX ix_reset_tokens_expires_at ON reset_tokens (expires_at);

        CREATE TABLE rate_limits (
            "key" TEXT NOT NULL PRIMARY KEY,
            window_end INTEGER NOT NULL,
            "count" INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX ix_rate_limits_window_end ON rate_limits (window_end);

        CREATE TABLE presence (
            user_id TEXT NOT NULL PRIMARY KEY,
            connections INTEGER NOT NULL,
            last_seen_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        -- Only users with open connections can expire; the partial index holds just those.
        CREATE INDEX ix_presence_online ON presence (last_seen_at) WHERE connections > 0;
        """,
        """
        CREATE TABLE attachments (
            id TEXT NOT NULL PRIMARY KEY,
            uploader_id TEXT NOT NULL,
            file_name TEXT NOT NULL,
            declared_type TEXT NOT NULL,
            sniffed_type TEXT,
            declared_size INTEGER NOT NULL,
            stored_size INTEGER,
            state TEXT NOT NULL,
            message_id TEXT,
            width INTEGER,
            height INTEGER,
            thumbnail_key TEXT,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX ix_attachments_message_id ON attachments (message_id, id) WHERE message_id IS NOT NULL;
        -- The sweep of uploads never attached, and the restart of unfinished processing.
        CREATE INDEX ix_attachments_unattached ON attachments (created_at) WHERE message_id IS NULL;
        CREATE INDEX ix_attachments_processing ON attachments (id) WHERE state = 'Processing';
        -- The change log behind sync: one row per change per conversation, never per recipient.
        CREATE TABLE changes (
            conversation_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            at INTEGER NOT NULL,
            type TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            PRIMARY KEY (conversation_id, seq)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX ux_changes_conversation_at ON changes (conversation_id, at);
        CREATE INDEX ix_changes_at ON changes (at);
        ALTER TABLE messages ADD COLUMN reply_to_id TEXT;
        -- The mentioned user ids as a JSON array (NULL for none), returned with the message.
        ALTER TABLE messages ADD COLUMN mentions TEXT;

        -- One row per mention, so that a user's unread mentions of a conversation are a range on the primary key.
        CREATE TABLE message_mentions (
            conversation_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            PRIMARY KEY (conversation_id, user_id, message_id)
        ) WITHOUT ROWID;

        -- seq (the rowid) orders reactions as they were made: emoji by first use, users by reacting.
        CREATE TABLE reactions (
            seq INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL,
            emoji TEXT NOT NULL,
            user_id TEXT NOT NULL
        );
        CREATE UNIQUE INDEX ux_reactions ON reactions (message_id, emoji, user_id);

        CREATE TABLE blocks (
            blocker_id TEXT NOT NULL,
            blocked_id TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (blocker_id, blocked_id)
        ) WITHOUT ROWID;

        -- Full-text index of undeleted messages, rowid = messages.rowid. The stored document is the message's
        -- words as SearchText normalizes them (NFKD, no nonspacing marks, lower case); the tokenizer's own folding
        -- is the same on that text. Written in the same transaction as the message (SqliteMessageStore).
        CREATE VIRTUAL TABLE message_search USING fts5(words, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
        INSERT INTO message_search (rowid, words) SELECT rowid, content FROM messages WHERE deleted = 0;
        """,
        """
        -- Web Push: one row per browser subscription (the endpoint is unique), found by user.
        CREATE TABLE push_subscriptions (
            endpoint TEXT NOT NULL PRIMARY KEY,
            user_id TEXT NOT NULL,
            p256dh TEXT NOT NULL,
            auth TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX ix_push_subscriptions_user_id ON push_subscriptions (user_id, created_at);

        CREATE TABLE conversation_mutes (
            user_id TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            PRIMARY KEY (user_id, conversation_id)
        ) WITHOUT ROWID;
        """,
        """
        -- Rate-limit windows moved to the process's memory (ProcessRateLimitCounterStore).
        DROP TABLE rate_limits;
        """,
        """
        -- Sessions (login chains): the refresh token that may be traded next, and when the chain ended. A refresh
        -- is one conditional UPDATE on the row, so a reuse ends the whole chain, tokens issued concurrently too.
        CREATE TABLE sessions (
            id TEXT NOT NULL PRIMARY KEY,
            user_id TEXT NOT NULL,
            current_token_hash TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            last_used_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            user_agent TEXT,
            ended_at INTEGER
        );
        CREATE INDEX ix_sessions_user_id ON sessions (user_id, last_used_at);
        CREATE INDEX ix_sessions_ended_at ON sessions (ended_at) WHERE ended_at IS NOT NULL;
        CREATE INDEX ix_sessions_expires_at ON sessions (expires_at);
        """,
        """
        -- A user has one live reset token: a new one ends the older ones, found by user.
        CREATE INDEX ix_reset_tokens_user_id ON reset_tokens (user_id, created_at);
        """,
        """
        -- Who took part in a conversation (sent a message in it), and who may add a user to groups (0 contacts,
        -- 1 everyone, NULL the operator's default).
        CREATE TABLE conversation_speakers (
            conversation_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            PRIMARY KEY (conversation_id, user_id)
        ) WITHOUT ROWID;
        INSERT OR IGNORE INTO conversation_speakers (conversation_id, user_id) SELECT DISTINCT conversation_id, sender_id FROM messages;
        ALTER TABLE users ADD COLUMN group_adds INTEGER;
        """,
        """
        -- The conversations a user took part in, from the user's side (the audience of its presence).
        CREATE INDEX ix_conversation_speakers_user_id ON conversation_speakers (user_id, conversation_id);
        """,
        """
        -- Pinned messages, at most a cap per conversation (counted inside the write), listed latest pin first.
        CREATE TABLE pins (
            conversation_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            pinned_by TEXT NOT NULL,
            pinned_at INTEGER NOT NULL,
            PRIMARY KEY (conversation_id, message_id)
        ) WITHOUT ROWID;

        -- The earlier versions of edited messages, numbered per message; they go with the message's deletion.
        CREATE TABLE message_edits (
            message_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            content TEXT NOT NULL,
            edited_at INTEGER NOT NULL,
            PRIMARY KEY (message_id, seq)
        ) WITHOUT ROWID;
        """,
        """
        -- Group administration: a description, frozen (only admins send), muted members as a JSON array of
        -- [userId, until in unix ms or null]; invite links by token, listed per group.
        ALTER TABLE "groups" ADD COLUMN description TEXT NOT NULL DEFAULT '';
        ALTER TABLE "groups" ADD COLUMN frozen INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE "groups" ADD COLUMN muted TEXT;
        CREATE TABLE group_invites (
            token TEXT NOT NULL PRIMARY KEY,
            group_id TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER,
            max_uses INTEGER,
            uses INTEGER NOT NULL DEFAULT 0,
            revoked INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX ix_group_invites_group_id ON group_invites (group_id, created_at);
        """,
        """
        -- When each read marker last moved (unix ms, the time of its change-log entry), for "seen by".
        ALTER TABLE read_markers ADD COLUMN read_at INTEGER;
        """,
        """
        -- Moderation: reports (one open report per target, later reporters join it), suspensions, roles, audit log.
        CREATE TABLE reports (
            id TEXT NOT NULL PRIMARY KEY,
            target_type TEXT NOT NULL,
            target_key TEXT NOT NULL,
            message_id TEXT,
            user_id TEXT NOT NULL,
            conversation_id TEXT,
            snapshot TEXT NOT NULL,
            reason TEXT NOT NULL,
            note TEXT,
            reporter_ids TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            open INTEGER NOT NULL,
            resolution_action TEXT,
            resolution_note TEXT,
            resolved_by TEXT,
            resolved_at INTEGER
        );
        CREATE UNIQUE INDEX ux_reports_open_target ON reports (target_key) WHERE open = 1;
        CREATE INDEX ix_reports_open_id ON reports (open, id);
        CREATE TABLE suspensions (
            user_id TEXT NOT NULL PRIMARY KEY,
            until INTEGER,
            reason TEXT NOT NULL,
            actor_id TEXT NOT NULL,
            at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE roles (
            user_id TEXT NOT NULL PRIMARY KEY,
            role TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE audit_log (
            id TEXT NOT NULL PRIMARY KEY,
            actor_id TEXT NOT NULL,
            action TEXT NOT NULL,
            target_type TEXT NOT NULL,
            target_id TEXT NOT NULL,
            note TEXT,
            at INTEGER NOT NULL
        ) WITHOUT ROWID;
        -- Who deleted a message when it was not its sender ("moderation").
        ALTER TABLE messages ADD COLUMN deleted_by TEXT;
        """,
        """
        -- Account erasure: when it was asked for (kept), and whether it is done; the partial index lists the
        -- erasures a stopped process left unfinished.
        ALTER TABLE users ADD COLUMN erasure_requested_at INTEGER;
        ALTER TABLE users ADD COLUMN erased INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX ix_users_erasing ON users (erasure_requested_at) WHERE erasure_requested_at IS NOT NULL AND erased = 0;
        """,
        """
        -- A user's status: its text, emoji and end (unix ms; NULL: no end); no text, no status.
        ALTER TABLE users ADD COLUMN status_text TEXT;
        ALTER TABLE users ADD COLUMN status_emoji TEXT;
        ALTER TABLE users ADD COLUMN status_expires_at INTEGER;
        """,
        """
        -- External identities: the issuer and subject of an external sign-in, or the id the server API gave the
        -- user; unique where set (SQLite lets any number of NULLs through a unique index).
        ALTER TABLE users ADD COLUMN external_id TEXT;
        CREATE UNIQUE INDEX ux_users_external_id ON users (external_id);
        """,
        """
        -- Where each consumer of the change log (a webhook, Event Grid) has delivered to.
        CREATE TABLE change_consumers (
            name TEXT NOT NULL PRIMARY KEY,
            state TEXT NOT NULL,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
        """
        -- Threads: a reply names its root, and one kept only in its thread is out of the history (in_conversation = 0).
        -- A root keeps its replies' count, latest time and repliers (a JSON array), written by each reply's own write.
        ALTER TABLE messages ADD COLUMN thread_id TEXT;
        ALTER TABLE messages ADD COLUMN in_conversation INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE messages ADD COLUMN thread_replies INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE messages ADD COLUMN thread_last_reply_at INTEGER;
        ALTER TABLE messages ADD COLUMN thread_participants TEXT;
        -- Only replies are in it: top-level messages cost it nothing.
        CREATE INDEX ix_messages_thread_id ON messages (thread_id, id) WHERE thread_id IS NOT NULL;
        """,
        """
        -- Link previews: a message's (a JSON array, set after the send) and the pages' kept by URL until expires_at.
        ALTER TABLE messages ADD COLUMN links TEXT;
        CREATE TABLE link_previews (
            url TEXT NOT NULL PRIMARY KEY,
            title TEXT,
            description TEXT,
            site_name TEXT,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
        """
        -- Who takes part in which thread (the root's sender, repliers, those mentioned), and where each has read it to.
        CREATE TABLE thread_members (
            user_id TEXT NOT NULL,
            root_id TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            read_up_to TEXT,
            PRIMARY KEY (user_id, root_id)
        ) WITHOUT ROWID;
        """,
        """
        -- Avatars: the id of a user's or a group's square thumbnail in the blob store (avatars/{id}); NULL: none.
        ALTER TABLE users ADD COLUMN avatar_id TEXT;
        ALTER TABLE "groups" ADD COLUMN avatar_id TEXT;
        """,
        """
        -- System messages (group changes, calls): what each records, as JSON; null for a message a user wrote.
        ALTER TABLE messages ADD COLUMN system_notice TEXT;
        """,
    ];

    public Task InitializeAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        using var connection = factory.OpenWrite();

        // Persistent: set once, every later connection to the file is in WAL mode. It cannot change inside a transaction.
        Execute(connection, "PRAGMA journal_mode = WAL;");

        // IMMEDIATE takes the write lock before reading the version, so two processes starting together
        // cannot both apply the same migration.
        using var transaction = connection.BeginTransaction(deferred: false);
        var applied = Convert.ToInt32(Scalar(connection, transaction, "PRAGMA user_version;"), System.Globalization.CultureInfo.InvariantCulture);
        if (applied > Migrations.Count)
        {
            throw new InvalidOperationException(
                $"The database '{factory.Path}' has schema version {applied}; this build knows up to {Migrations.Count}.");
        }
        for (var version = applied; version < Migrations.Count; version++)
        {
            ct.ThrowIfCancellationRequested();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Migrations[version];
            command.ExecuteNonQuery();
        }
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            // PRAGMA takes no parameters; the value is our own integer.
            command.CommandText = $"PRAGMA user_version = {Migrations.Count};";
            command.ExecuteNonQuery();
        }
        transaction.Commit();

        // After the schema (and WAL mode) exist: the read connections are opened once, before any request.
        factory.OpenReaders();
        return Task.CompletedTask;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
