using System.Globalization;
using Microsoft.Data.Sqlite;
using MongoDB.Bson;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Search;

/// <summary>
/// Seeds the history of one direct conversation straight into a SQLite file whose schema the store has already
/// created: the rows the store writes for a send (the message, its search entry, its change-log entry) in large
/// transactions with prepared statements and no fsync. Through <c>IMessageStore</c> every message is its own
/// operation in the writer's group commit (batches of at most 256), far too slow for 10,000,000. Only seeding
/// takes this path; pages, sends and start-up are measured through the host.
/// </summary>
internal static class HistorySeeder
{
    private const int RowsPerTransaction = 100_000;

    /// <summary>Writes <paramref name="count"/> messages alternating between the two users, oldest first;
    /// returns the ids of <paramref name="sample"/> of them picked at random (page cursors) and the newest id.</summary>
    public static (List<string> Sample, string Last) Seed(string dbPath, string conversationId, string userA, string userB, int count, int sample)
    {
        var random = new Random(7);
        var picked = new HashSet<int>(Enumerable.Range(0, sample).Select(_ => random.Next(count)));
        var cursors = new List<string>(picked.Count);

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = dbPath, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;");

        // Spread over the last count milliseconds, so that creation times and change-log times keep increasing.
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - count;
        var last = "";
        var index = 0;
        while (index < count)
        {
            using var transaction = connection.BeginTransaction();
            using var message = Prepare(connection, transaction, """
                INSERT INTO messages (id, conversation_id, sender_id, receiver_id, group_id, content, created_at, edited_at, deleted, client_message_id, reply_to_id, mentions)
                VALUES ($id, $conversation, $sender, $receiver, NULL, $content, $at, NULL, 0, NULL, NULL, NULL)
                """, "$id", "$conversation", "$sender", "$receiver", "$content", "$at");
            using var search = Prepare(connection, transaction, "INSERT INTO message_search (rowid, words) VALUES (last_insert_rowid(), $words)", "$words");
            using var change = Prepare(connection, transaction, """
                INSERT INTO changes (conversation_id, seq, at, type, entity_id) VALUES ($conversation, $seq, $at, $type, $id)
                """, "$conversation", "$seq", "$at", "$type", "$id");
            change.Parameters["$type"].Value = ChatHub.NewMessage;
            message.Parameters["$conversation"].Value = conversationId;
            change.Parameters["$conversation"].Value = conversationId;

            for (var end = Math.Min(count, index + RowsPerTransaction); index < end; index++)
            {
                // Generated in order on one thread: increasing, as the ids of messages sent one after another.
                var id = ObjectId.GenerateNewId().ToString();
                var content = string.Create(CultureInfo.InvariantCulture, $"seeded message {index}");
                var at = start + index;
                message.Parameters["$id"].Value = id;
                message.Parameters["$sender"].Value = index % 2 == 0 ? userA : userB;
                message.Parameters["$receiver"].Value = index % 2 == 0 ? userB : userA;
                message.Parameters["$content"].Value = content;
                message.Parameters["$at"].Value = at;
                message.ExecuteNonQuery();
                search.Parameters["$words"].Value = SearchText.IndexDocument(content);
                search.ExecuteNonQuery();
                change.Parameters["$seq"].Value = index + 1L;
                change.Parameters["$at"].Value = at;
                change.Parameters["$id"].Value = id;
                change.ExecuteNonQuery();
                if (picked.Contains(index))
                {
                    cursors.Add(id);
                }

                last = id;
            }

            transaction.Commit();
        }

        // The full-text index was written in large transactions, a segment each; left so, every later send would
        // carry on merging them (FTS5 merges incrementally on each write) and a send at 10M would cost far more
        // than one on a history that grew message by message. Merged into one segment here, as at rest.
        Execute(connection, "INSERT INTO message_search (message_search) VALUES ('optimize');");

        // Leave the file as the store would find it after a clean shutdown: WAL copied back, statistics current.
        Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA optimize;");
        return (cursors, last);
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
