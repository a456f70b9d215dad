using Microsoft.Data.Sqlite;

namespace ServerlessChat.Core.Storage.Sqlite;

internal sealed class SqlitePushStore(SqliteConnectionFactory factory, SqliteWriter writer) : IPushStore
{
    private const string Columns = "user_id, endpoint, p256dh, auth, created_at";

    public Task SaveSubscriptionAsync(PushSubscriptionRecord subscription, int maxPerUser, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerUser, 1);
        var user = StorageIds.Require(subscription.UserId, nameof(subscription.UserId));
        // Both statements in one writer operation: the writer is the only writer, so the cap holds under a burst.
        return writer.ExecuteAtomicAsync(w =>
        {
            w.Execute(
                """
                INSERT INTO push_subscriptions (endpoint, user_id, p256dh, auth, created_at) VALUES (@endpoint, @user, @p256dh, @auth, @at)
                ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at
                """,
                p => p.Bind("@endpoint", subscription.Endpoint).Bind("@user", user).Bind("@p256dh", subscription.P256dh)
                    .Bind("@auth", subscription.Auth).BindTime("@at", subscription.CreatedAt));
            // The index (user_id, created_at) serves the newest-first range; at most maxPerUser + 1 rows are left to look at.
            return w.Execute(
                """
                DELETE FROM push_subscriptions WHERE user_id = @user AND endpoint NOT IN (
                    SELECT endpoint FROM push_subscriptions WHERE user_id = @user ORDER BY created_at DESC, endpoint DESC LIMIT @max)
                """,
                p => p.Bind("@user", user).Bind("@max", maxPerUser));
        }, ct);
    }

    public Task DeleteSubscriptionAsync(string userId, string endpoint, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(userId, out var user))
        {
            return Task.CompletedTask;
        }
        return writer.ExecuteAsync(w => w.Execute(
            "DELETE FROM push_subscriptions WHERE endpoint = @endpoint AND user_id = @user",
            p => p.Bind("@endpoint", endpoint).Bind("@user", user)), ct);
    }

    public Task DeleteEndpointAsync(string endpoint, CancellationToken ct) =>
        writer.ExecuteAsync(w => w.Execute("DELETE FROM push_subscriptions WHERE endpoint = @endpoint", p => p.Bind("@endpoint", endpoint)), ct);

    public async Task<IReadOnlyList<PushSubscriptionRecord>> ListSubscriptionsAsync(string userId, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(userId, out var user))
        {
            return [];
        }
        return await factory.QueryAsync(
            $"SELECT {Columns} FROM push_subscriptions WHERE user_id = @user ORDER BY created_at, endpoint",
            p => p.Bind("@user", user), Map, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<PushSubscriptionRecord>> ListSubscriptionsAsync(IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var users = StorageIds.NormalizeAll(userIds);
        if (users.Count == 0)
        {
            return [];
        }
        return await factory.QueryAsync(
            $"SELECT {Columns} FROM push_subscriptions WHERE user_id IN (SELECT value FROM json_each(@users)) ORDER BY user_id, created_at, endpoint",
            p => p.BindList("@users", users), Map, ct).ConfigureAwait(false);
    }

    private static PushSubscriptionRecord Map(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetTime(4));

    public Task MuteAsync(string userId, string conversationId, CancellationToken ct)
    {
        var user = StorageIds.Require(userId, nameof(userId));
        return writer.ExecuteAsync(w => w.Execute(
            "INSERT INTO conversation_mutes (user_id, conversation_id) VALUES (@user, @conversation) ON CONFLICT DO NOTHING",
            p => p.Bind("@user", user).Bind("@conversation", conversationId)), ct);
    }

    public Task UnmuteAsync(string userId, string conversationId, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(userId, out var user))
        {
            return Task.CompletedTask;
        }
        return writer.ExecuteAsync(w => w.Execute(
            "DELETE FROM conversation_mutes WHERE user_id = @user AND conversation_id = @conversation",
            p => p.Bind("@user", user).Bind("@conversation", conversationId)), ct);
    }

    public async Task<bool> IsMutedAsync(string userId, string conversationId, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(userId, out var user))
        {
            return false;
        }
        return await factory.ScalarAsync<long>(
            "SELECT COUNT(*) FROM conversation_mutes WHERE user_id = @user AND conversation_id = @conversation",
            p => p.Bind("@user", user).Bind("@conversation", conversationId), ct).ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyList<string>> FindMutedAsync(string conversationId, IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var users = StorageIds.NormalizeAll(userIds);
        if (users.Count == 0)
        {
            return [];
        }
        // One primary-key lookup (user_id, conversation_id) per user.
        return await factory.QueryAsync(
            "SELECT user_id FROM conversation_mutes WHERE user_id IN (SELECT value FROM json_each(@users)) AND conversation_id = @conversation",
            p => p.BindList("@users", users).Bind("@conversation", conversationId), r => r.GetString(0), ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ListMutedAsync(string userId, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(userId, out var user))
        {
            return [];
        }
        // The primary key (user_id, conversation_id) answers this in order.
        return await factory.QueryAsync(
            "SELECT conversation_id FROM conversation_mutes WHERE user_id = @user ORDER BY conversation_id",
            p => p.Bind("@user", user), r => r.GetString(0), ct).ConfigureAwait(false);
    }
}
