using MongoDB.Bson;
using MongoDB.Driver;

namespace ServerlessChat.Core.Storage.Mongo;

internal sealed class MongoStorageHealth(MongoChatDatabase db) : IStorageHealth
{
    // Server selection waits 30 s by default; a health probe must answer sooner than its caller gives up.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public string Name => "mongodb";

    public async Task<bool> PingAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        try
        {
            await db.Database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex) when (ex is MongoException or TimeoutException)
        {
            return false;
        }
    }
}
