using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Storage.Mongo;

namespace ServerlessChat.Tests.Storage;

/// <summary>
/// Cosmos DB throttling (error 16500 with RetryAfterMs) and transient errors (WriteConflict and its kin) on the
/// driver's own exception types: retried after the server's delay (or a short random wait) while the budget lasts,
/// then a 503 with Retry-After. No Cosmos account is reachable here, so the errors are built as the driver builds
/// them from a server's answer.
/// </summary>
public sealed class MongoThrottlingTests
{
    private const string CosmosMessage = "Error=16500, RetryAfterMs={0}, Details='Response status code does not indicate success: TooManyRequests (429); Substatus: 3200'";

    private static readonly ConnectionId Connection = new(new ServerId(new ClusterId(), new DnsEndPoint("account.mongo.cosmos.azure.com", 10255)));

    [Fact]
    public async Task AThrottledCommandIsRetriedAfterTheServersDelay()
    {
        var time = new RecordingTime();
        var policy = Policy(time);
        var attempts = 0;

        var result = await policy.ExecuteAsync(() => ++attempts < 3 ? throw CommandError(retryAfterMs: 37) : Task.FromResult("stored"), CancellationToken.None);

        Assert.Equal("stored", result);
        Assert.Equal(3, attempts);
        Assert.Equal([TimeSpan.FromMilliseconds(37), TimeSpan.FromMilliseconds(37)], time.Delays);
    }

    [Fact]
    public async Task AThrottledWriteIsRetriedAfterTheServersDelay()
    {
        var time = new RecordingTime();
        var attempts = 0;

        var result = await Policy(time).ExecuteAsync(() => ++attempts == 1 ? throw WriteError(retryAfterMs: 250) : Task.FromResult(attempts), CancellationToken.None);

        Assert.Equal(2, result);
        Assert.Equal([TimeSpan.FromMilliseconds(250)], time.Delays);
    }

    [Fact]
    public async Task AThrottlingErrorWithoutADelayWaitsTheConfiguredDefault()
    {
        var time = new RecordingTime();
        var error = new MongoCommandException(Connection, "Command find failed: Request rate is large.", new BsonDocument("find", "users"),
            new BsonDocument { { "ok", 0 }, { "errmsg", "Request rate is large." }, { "code", 16500 }, { "codeName", "RequestRateTooLarge" } });
        var attempts = 0;

        await Policy(time, defaultMs: 80).ExecuteAsync(() => ++attempts == 1 ? throw error : Task.FromResult(true), CancellationToken.None);

        Assert.Equal([TimeSpan.FromMilliseconds(80)], time.Delays);
    }

    [Theory]
    [InlineData("retries")]
    [InlineData("wait")]
    public async Task AnExhaustedBudgetIsA503WithRetryAfter(string limit)
    {
        var time = new RecordingTime();
        var policy = limit == "retries" ? Policy(time, maxRetries: 2) : Policy(time, maxRetries: 20, maxWaitMs: 1_000);
        var attempts = 0;

        var problem = await Assert.ThrowsAsync<ProblemException>(() =>
            policy.ExecuteAsync<bool>(() => { attempts++; throw CommandError(retryAfterMs: 400); }, CancellationToken.None));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, problem.Status);
        Assert.Equal(TimeSpan.FromMilliseconds(400), problem.RetryAfter);
        // Two retries; or as many 400 ms waits as fit in 1 s.
        Assert.Equal(3, attempts);
        Assert.True(time.Delays.Sum(d => d.TotalMilliseconds) <= 1_000);

        var context = new DefaultHttpContext();
        var answer = ChatProblems.ToResult(context, problem);
        Assert.Equal("1", context.Response.Headers.RetryAfter.ToString());
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, (answer as IStatusCodeHttpResult)?.StatusCode);
    }

    [Theory]
    [InlineData(112, "WriteConflict")]
    [InlineData(11600, "InterruptedAtShutdown")]
    [InlineData(11602, "InterruptedDueToReplStateChange")]
    [InlineData(189, "PrimarySteppedDown")]
    [InlineData(91, "ShutdownInProgress")]
    [InlineData(262, "ExceededTimeLimit")]
    public async Task TransientCommandErrorsAreRetriedAfterAShortWait(int code, string codeName)
    {
        var time = new RecordingTime();
        var error = new MongoCommandException(Connection, $"Command findAndModify failed: {codeName}.", new BsonDocument("findAndModify", "changeCounters"),
            new BsonDocument { { "ok", 0 }, { "errmsg", codeName }, { "code", code }, { "codeName", codeName } });
        var attempts = 0;

        var result = await Policy(time, defaultMs: 50).ExecuteAsync(() => ++attempts < 3 ? throw error : Task.FromResult("taken"), CancellationToken.None);

        Assert.Equal("taken", result);
        Assert.Equal(3, attempts);
        Assert.All(time.Delays, d => Assert.InRange(d.TotalMilliseconds, 1, 50));
    }

    [Fact]
    public async Task AWriteConflictOnAnInsertIsRetried()
    {
        // What Cosmos DB vCore (DocumentDB) answers for concurrent inserts of one unique key.
        var time = new RecordingTime();
        var attempts = 0;

        var result = await Policy(time).ExecuteAsync(() => ++attempts == 1 ? throw WriteError(112, "Could not acquire lock for operation due to deadlock.") : Task.FromResult(attempts), CancellationToken.None);

        Assert.Equal(2, result);
        Assert.Single(time.Delays);
    }

    [Fact]
    public async Task AnErrorLabelledTransientIsRetried()
    {
        var error = new MongoCommandException(Connection, "Command insert failed: transaction aborted.", new BsonDocument("insert", "messages"),
            new BsonDocument { { "ok", 0 }, { "errmsg", "transaction aborted" }, { "code", 251 }, { "errorLabels", new BsonArray { "TransientTransactionError" } } });
        var attempts = 0;

        await Policy(new RecordingTime()).ExecuteAsync(() => ++attempts == 1 ? throw error : Task.FromResult(true), CancellationToken.None);

        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task TransientErrorsBeyondTheBudgetAreA503WithRetryAfter()
    {
        var time = new RecordingTime();
        var attempts = 0;

        var problem = await Assert.ThrowsAsync<ProblemException>(() =>
            Policy(time, maxRetries: 3).ExecuteAsync<bool>(() => { attempts++; throw WriteError(112, "Could not acquire lock for operation due to deadlock."); }, CancellationToken.None));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, problem.Status);
        Assert.NotNull(problem.RetryAfter);
        Assert.Equal(4, attempts);
    }

    [Fact]
    public async Task OtherDatabaseErrorsAreNotRetried()
    {
        var attempts = 0;
        var duplicate = new MongoCommandException(Connection, "E11000 duplicate key", new BsonDocument("insert", "users"),
            new BsonDocument { { "ok", 0 }, { "errmsg", "E11000 duplicate key" }, { "code", 11000 } });

        await Assert.ThrowsAsync<MongoCommandException>(() => Policy(new RecordingTime()).ExecuteAsync<bool>(() => { attempts++; throw duplicate; }, CancellationToken.None));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task AWrappedStoreRetriesEveryAsynchronousCall()
    {
        var time = new RecordingTime();
        var inner = new FlakyCounterStore(failures: 2, WriteError(retryAfterMs: 5));
        var store = MongoThrottling.Wrap<IRateLimitCounterStore>(inner, Policy(time));

        var count = await store.IncrementAsync("key", DateTimeOffset.UnixEpoch, CancellationToken.None);

        Assert.Equal(1, count);
        Assert.Equal(3, inner.Calls);
        Assert.Equal(2, time.Delays.Count);
    }

    [Fact]
    public void ThrottlingOptionsOutOfRangeAreRefused()
    {
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        var options = new MongoThrottlingOptions { MaxRetries = -1, MaxWaitMilliseconds = 600_000 };
        var valid = System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true);

        Assert.False(valid);
        Assert.Equal(2, results.Count);
    }

    private static MongoThrottlingPolicy Policy(TimeProvider time, int maxRetries = 5, int maxWaitMs = 5_000, int defaultMs = 100) =>
        new(Options.Create(new MongoThrottlingOptions { MaxRetries = maxRetries, MaxWaitMilliseconds = maxWaitMs, DefaultRetryAfterMilliseconds = defaultMs }),
            time, NullLogger<MongoThrottlingPolicy>.Instance);

    /// <summary>What the driver throws when a command (find, update, findAndModify...) answers ok: 0 with code 16500.</summary>
    private static MongoCommandException CommandError(int retryAfterMs)
    {
        var message = string.Format(System.Globalization.CultureInfo.InvariantCulture, CosmosMessage, retryAfterMs);
        return new MongoCommandException(Connection, "Command update failed: " + message, new BsonDocument("update", "presence"),
            new BsonDocument { { "ok", 0 }, { "errmsg", message }, { "code", 16500 }, { "codeName", "RequestRateTooLarge" } });
    }

    /// <summary>
    /// What InsertOne/UpdateOne throw for a write error: the driver turns the bulk write's error into a
    /// MongoWriteException with its internal MongoWriteException.FromBulkWriteException. BulkWriteError has no
    /// public constructor (the driver makes it from the server's writeErrors entry), so both are reached the
    /// same way here, by reflection.
    /// </summary>
    private static MongoWriteException WriteError(int retryAfterMs) =>
        WriteError(16500, string.Format(System.Globalization.CultureInfo.InvariantCulture, CosmosMessage, retryAfterMs));

    private static MongoWriteException WriteError(int code, string message)
    {
        var constructor = typeof(BulkWriteError).GetConstructors(BindingFlags.Instance | BindingFlags.NonPublic).Single();
        var arguments = constructor.GetParameters().Select(p => p.ParameterType switch
        {
            var t when t == typeof(int) && p.Name == "index" => 0,
            var t when t == typeof(int) => (object)code,
            var t when t == typeof(ServerErrorCategory) => ServerErrorCategory.Uncategorized,
            var t when t == typeof(string) => message,
            var t when t == typeof(BsonDocument) => new BsonDocument(),
            var t => throw new InvalidOperationException($"BulkWriteError takes an unexpected {t.Name} {p.Name}."),
        }).ToArray();
        var writeError = (BulkWriteError)constructor.Invoke(arguments);
        var bulk = new MongoBulkWriteException<BsonDocument>(Connection, new BulkWriteResult<BsonDocument>.Unacknowledged(1, []), [writeError], null, []);
        // The driver's own conversion (internal, as the constructors of the errors it reads are).
        var convert = typeof(MongoWriteException).GetMethod("FromBulkWriteException", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)!;
        if (convert.IsGenericMethodDefinition)
        {
            convert = convert.MakeGenericMethod(typeof(BsonDocument));
        }

        return (MongoWriteException)convert.Invoke(null, [bulk])!;
    }

    /// <summary>Fires every timer at once and keeps the delays asked for, so a test can check them without waiting.</summary>
    private sealed class RecordingTime : TimeProvider
    {
        public List<TimeSpan> Delays { get; } = [];

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (Delays)
            {
                Delays.Add(dueTime);
            }

            callback(state);
            return new Fired();
        }

        private sealed class Fired : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    private sealed class FlakyCounterStore(int failures, Exception error) : IRateLimitCounterStore
    {
        public int Calls { get; private set; }

        public Task<long> IncrementAsync(string key, DateTimeOffset windowEnd, CancellationToken ct) =>
            ++Calls <= failures ? throw error : Task.FromResult(1L);

        public Task<ServerlessChat.Core.Domain.StrikeRecord?> StrikeAsync(string key, DateTimeOffset at, DateTimeOffset expiresAt, CancellationToken ct) =>
            throw new NotSupportedException();

        public Task<ServerlessChat.Core.Domain.StrikeRecord?> FindStrikesAsync(string key, DateTimeOffset now, CancellationToken ct) =>
            throw new NotSupportedException();

        public Task ClearStrikesAsync(string key, CancellationToken ct) => throw new NotSupportedException();
    }
}
