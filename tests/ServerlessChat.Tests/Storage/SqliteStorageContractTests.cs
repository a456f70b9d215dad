using Microsoft.Data.Sqlite;
using MongoDB.Bson;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage.Sqlite;

namespace ServerlessChat.Tests.Storage;

public sealed class SqliteStorageContractTests(SqliteStorageFixture fixture)
    : StorageContractTests(fixture), IClassFixture<SqliteStorageFixture>
{
    private readonly SqliteStorageFixture _sqlite = fixture;

    [Fact]
    public async Task HistoryAndUnreadQueriesAreServedByTheConversationIndex()
    {
        var historyPlan = await ExplainAsync(SqliteMessageStore.PageSql);
        var unreadPlan = await ExplainAsync(SqliteMessageStore.CountUnreadSql);

        Assert.Contains("ix_messages_conversation_id", historyPlan);
        Assert.DoesNotContain("SCAN messages", historyPlan);
        Assert.DoesNotContain("TEMP B-TREE", historyPlan);
        Assert.Contains("ix_messages_conversation_id", unreadPlan);
        Assert.DoesNotContain("SCAN messages", unreadPlan);
    }

    [Fact]
    public async Task AttachmentLookupsByMessageAndTheSweepAreServedByTheirIndexes()
    {
        var byMessage = await ExplainAsync(SqliteAttachmentStore.ForMessagesSql);
        var unattached = await ExplainAsync(SqliteAttachmentStore.UnattachedSql);

        Assert.Contains("ix_attachments_message_id", byMessage);
        Assert.DoesNotContain("SCAN attachments", byMessage);
        Assert.Contains("ix_attachments_unattached", unattached);
        Assert.DoesNotContain("SCAN attachments", unattached);
    }

    [Fact]
    public async Task ConversationListIsServedByIndexesOnly()
    {
        var plan = await ExplainAsync(SqliteConversationStore.ListSql);

        Assert.Contains("ix_conversations_participant_a", plan);
        Assert.Contains("ix_conversations_participant_b", plan);
        Assert.Contains("ix_conversations_group_id", plan);
        Assert.DoesNotContain("SCAN conversations", plan);
    }

    [Fact]
    public async Task EverythingWrittenIsReadBackAfterReopeningTheFile()
    {
        var directory = Path.Combine(_sqlite.Directory, "reopen");
        var settings = SqliteStorageFixture.Settings(Path.Combine("reopen", "data", "chat.db"));
        var t = Now();
        var user = NewUser();
        var (a, b) = (user.Id, ObjectId.GenerateNewId().ToString());
        var group = new GroupRecord(NewId(), "Kept", [a, b], [a], a, t, t, 1);
        var token = new RefreshTokenRecord("hash-" + NewId(), a, "family", t, t.AddHours(1), null, null);
        var messages = new List<MessageRecord>();

        await using (var first = await StorageTestHost.StartAsync(_sqlite.Directory, settings))
        {
            Assert.Equal(Core.Storage.CreateUserOutcome.Created, await first.Users.CreateAsync(user, default));
            // Concurrent writes share transactions; every one of them must still be on disk afterwards.
            var inserts = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => first.Messages.InsertAsync(
                new MessageRecord(NewId(), ConversationIds.Direct(a, b), a, b, null, $"m{i}", t, null, false, $"c{i}"), default)));
            messages.AddRange(inserts.Select(r => r.Message));
            await first.Groups.CreateAsync(group, default);
            await first.Tokens.InsertRefreshTokenAsync(token, default);
            await first.Conversations.AdvanceReadMarkerAsync(ConversationIds.Direct(a, b), a, messages.Max(m => m.Id)!, default);
        }
        Assert.True(File.Exists(Path.Combine(directory, "data", "chat.db")));

        await using var second = await StorageTestHost.StartAsync(_sqlite.Directory, settings);
        Assert.Equal(user, await second.Users.FindByIdAsync(user.Id, default));
        var page = await second.Messages.GetPageAsync(ConversationIds.Direct(a, b), null, 500, default);
        Assert.Equal(messages.OrderByDescending(m => m.Id, StringComparer.Ordinal), page);
        Assert.Equal([a, b], (await second.Groups.FindByIdAsync(group.Id, default))?.Members);
        Assert.Equal(token, await second.Tokens.FindRefreshTokenAsync(token.TokenHash, default));
        Assert.Equal(messages.Max(m => m.Id), (await second.Conversations.GetReadMarkersAsync(ConversationIds.Direct(a, b), default))[a]);
    }

    [Fact]
    public async Task TheChangeLogContinuesFromItsStoredLastEntryAfterReopening()
    {
        var settings = SqliteStorageFixture.Settings(Path.Combine("changes-reopen", "chat.db"));
        var conversationId = ConversationIds.Direct(NewId(), NewId());
        var appended = new List<ChangeRecord>();
        await using (var first = await StorageTestHost.StartAsync(_sqlite.Directory, settings))
        {
            appended.AddRange(await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => first.Changes.AppendAsync(conversationId, "reactionsUpdated", NewId(), default))));
        }

        await using (var second = await StorageTestHost.StartAsync(_sqlite.Directory, settings))
        {
            appended.AddRange(await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => second.Changes.AppendAsync(conversationId, "reactionsUpdated", NewId(), default))));
            var stored = await second.Changes.ReadAfterAsync(conversationId, 0, 100, default);
            Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), stored.Select(c => c.Seq));
            Assert.True(stored.Zip(stored.Skip(1)).All(p => p.First.At < p.Second.At));
            Assert.Equal(appended.OrderBy(c => c.Seq), stored);
        }
    }

    [Fact]
    public async Task TwoHostsOnOneFileAppendToOneConversationWithoutAGapOrAClash()
    {
        // Two instances may share the file (as with Redis): each writer remembers the last entry it wrote, and
        // must notice the other's.
        var settings = SqliteStorageFixture.Settings(Path.Combine("changes-shared", "chat.db"));
        await using var a = await StorageTestHost.StartAsync(_sqlite.Directory, settings);
        await using var b = await StorageTestHost.StartAsync(_sqlite.Directory, settings);
        var conversationId = ConversationIds.Direct(NewId(), NewId());

        for (var i = 0; i < 10; i++)
        {
            await a.Changes.AppendAsync(conversationId, "reactionsUpdated", NewId(), default);
            await b.Changes.AppendAsync(conversationId, "reactionsUpdated", NewId(), default);
        }
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? a : b).Changes.AppendAsync(conversationId, "reactionsUpdated", NewId(), default)));

        var stored = await a.Changes.ReadAfterAsync(conversationId, 0, 100, default);
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), stored.Select(c => c.Seq));
        Assert.True(stored.Zip(stored.Skip(1)).All(p => p.First.At < p.Second.At));
    }

    [Fact]
    public async Task SendsWrittenInOneBatchAreAllSearchableAndAFailedOperationLeavesNoSearchEntry()
    {
        var writer = _sqlite.Host.Get<SqliteWriter>();
        var factory = _sqlite.Host.Get<SqliteConnectionFactory>();
        var (a, b) = (NewId(), NewId());
        var conversationId = ConversationIds.Direct(a, b);
        // Letters only, so that the indexed word is the tag itself.
        var tag = new string(NewId().Select(c => (char)('a' + Convert.ToInt32(c.ToString(), 16))).ToArray());
        const int Rounds = 5;
        const int Sends = 20;

        for (var round = 0; round < Rounds; round++)
        {
            // Sends and failing operations in flight together, so that they share the writer's batches: the full-text
            // entries are written at the end of a batch, and a failed operation's must go with it, never another's.
            var sends = Enumerable.Range(0, Sends).Select(i => _sqlite.Host.Messages.InsertAsync(
                new MessageRecord(NewId(), conversationId, a, b, null, $"{tag} r{round} n{i}", DateTimeOffset.UtcNow, null, false, null, null, []), default)).ToList();
            var failures = Enumerable.Range(0, 5).Select(i => writer.ExecuteAtomicAsync<int>(w =>
            {
                w.IndexLater(1_000_000_000L + round * 10 + i, "ghost" + tag);
                throw new InvalidOperationException("undone");
            }, default)).ToList();
            await Task.WhenAll(sends);
            foreach (var failure in failures)
            {
                await Assert.ThrowsAsync<InvalidOperationException>(() => failure);
            }
        }

        async Task<long> CountAsync(string word) => await factory.ScalarAsync<long>(
            "SELECT COUNT(*) FROM message_search WHERE message_search MATCH @q", p => p.Bind("@q", $"\"{word}\""), default);
        Assert.Equal(Rounds * Sends, await CountAsync(tag));
        Assert.Equal(0, await CountAsync("ghost" + tag));
        var found = await _sqlite.Host.Search.SearchAsync([conversationId], [tag], null, 100, default);
        Assert.Equal(Rounds * Sends, found.Messages.Count);
    }

    [Fact]
    public async Task AChangeUndoneWithItsWriteLeavesNoGapInTheSequence()
    {
        var writer = _sqlite.Host.Get<SqliteWriter>();
        var changes = _sqlite.Host.Get<SqliteChangeLog>();
        var conversationId = ConversationIds.Direct(NewId(), NewId());

        for (var i = 0; i < 5; i++)
        {
            var first = await changes.AppendAsync(conversationId, "reactionsUpdated", NewId(), default);
            // An operation that appends and then fails is rolled back whole, its change included.
            await Assert.ThrowsAsync<InvalidOperationException>(() => writer.ExecuteAtomicAsync<ChangeRecord>(w =>
            {
                changes.Append(w, conversationId, "reactionsUpdated", NewId());
                throw new InvalidOperationException("undone");
            }, default));
            var next = await changes.AppendAsync(conversationId, "reactionsUpdated", NewId(), default);
            Assert.Equal(first.Seq + 1, next.Seq);
        }

        var stored = await changes.ReadAfterAsync(conversationId, 0, 100, default);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), stored.Select(c => c.Seq));
    }

    [Fact]
    public async Task TheSchemaRecordsItsVersion()
    {
        await using var connection = new SqliteConnection($"Data Source={_sqlite.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version; ";
        Assert.Equal((long)SqliteSchema.Migrations.Count, await command.ExecuteScalarAsync());
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", await command.ExecuteScalarAsync());
    }

    private async Task<string> ExplainAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_sqlite.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        // Any values will do: the plan depends on the statement, not on the bound values.
        foreach (var name in new[] { "@conversationId", "@before", "@after", "@limit", "@userId", "@groupIds", "@messageIds", "@cutoff" })
        {
            if (sql.Contains(name, StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue(name, name == "@limit" ? 50 : name is "@groupIds" or "@messageIds" ? "[]" : name == "@cutoff" ? 0 : "x");
            }
        }
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(3));
        }
        return string.Join("\n", lines);
    }
}
