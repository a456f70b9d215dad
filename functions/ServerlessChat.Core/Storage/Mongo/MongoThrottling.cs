using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Driver;
using ServerlessChat.Core.Http;

namespace ServerlessChat.Core.Storage.Mongo;

/// <summary>Bounds on waiting out Cosmos DB throttling (<c>Storage:MongoThrottling</c>).</summary>
public sealed class MongoThrottlingOptions
{
    public const string Section = "Storage:MongoThrottling";

    /// <summary>Retries of one store call after the first attempt was throttled.</summary>
    [Range(0, 20)]
    public int MaxRetries { get; set; } = 5;

    /// <summary>Total time one store call may spend waiting; a wait that would pass it is not started.</summary>
    [Range(0, 60_000)]
    public int MaxWaitMilliseconds { get; set; } = 5_000;

    /// <summary>The wait when the error names none.</summary>
    [Range(1, 10_000)]
    public int DefaultRetryAfterMilliseconds { get; set; } = 100;
}

/// <summary>
/// Cosmos DB for MongoDB answers a request over the provisioned (or serverless) throughput with error 16500
/// (TooManyRequests), and says how long to wait in its message (<c>RetryAfterMs=NNN</c>); the operation was not
/// carried out. The driver does not retry it (it is not a retryable error, and our connection string sets
/// <c>retrywrites=false</c>, as Cosmos requires), so every store call goes through here: the call is repeated after
/// the server's delay while the budget lasts, then answered as 503 with Retry-After rather than a 500.
/// Transient answers that likewise say "not carried out, try again" are handled the same way, after a short random
/// wait: a write conflict (112, which Cosmos DB vCore also answers for concurrent inserts of one unique key, where
/// MongoDB answers 11000), an operation interrupted by a shutdown or a failover, a server-side time limit, and any
/// error labelled as a transient transaction error.
/// </summary>
public sealed partial class MongoThrottlingPolicy(IOptions<MongoThrottlingOptions> options, TimeProvider time, ILogger<MongoThrottlingPolicy> logger)
{
    public const int TooManyRequests = 16500;

    /// <summary>
    /// Errors after which the operation did not happen and may simply be repeated: WriteConflict,
    /// InterruptedAtShutdown, InterruptedDueToReplStateChange, PrimarySteppedDown, ShutdownInProgress,
    /// ExceededTimeLimit, NotWritablePrimary, NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary, LockTimeout.
    /// </summary>
    public static readonly IReadOnlySet<int> TransientCodes = new HashSet<int> { 112, 11600, 11602, 189, 91, 262, 10107, 13435, 13436, 24 };

    public async Task<T> ExecuteAsync<T>(Func<Task<T>> operation, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var settings = options.Value;
        var waited = TimeSpan.Zero;
        for (var retry = 0; ; retry++)
        {
            try
            {
                return await operation().ConfigureAwait(false);
            }
            catch (MongoException error) when (RetryAfter(error, settings) is { } delay)
            {
                var budget = TimeSpan.FromMilliseconds(settings.MaxWaitMilliseconds);
                if (retry >= settings.MaxRetries || waited + delay > budget)
                {
                    LogExhausted(logger, retry, (long)waited.TotalMilliseconds);
                    throw new ProblemException(503, "Service unavailable", "The database is busy. Try again shortly.") { RetryAfter = delay };
                }

                await Task.Delay(delay, time, ct).ConfigureAwait(false);
                waited += delay;
            }
        }
    }

    /// <summary>
    /// The wait before repeating an operation that failed with <paramref name="error"/>: the server's delay when it
    /// is throttling, a short random wait (up to the default delay, so that colliding writers spread out) when it is
    /// transient, else null (not to be retried).
    /// </summary>
    public static TimeSpan? RetryAfter(MongoException error, MongoThrottlingOptions settings)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(settings);
        var message = error switch
        {
            MongoCommandException command when command.Code == TooManyRequests => command.ErrorMessage ?? command.Message,
            MongoWriteException write when write.WriteError?.Code == TooManyRequests => write.WriteError.Message ?? write.Message,
            MongoBulkWriteException bulk when bulk.WriteErrors.FirstOrDefault(e => e.Code == TooManyRequests) is { } first => first.Message ?? bulk.Message,
            _ => null,
        };
        if (message is null)
        {
            return IsTransient(error) ? TimeSpan.FromMilliseconds(Random.Shared.Next(1, settings.DefaultRetryAfterMilliseconds + 1)) : null;
        }

        var match = RetryAfterMs().Match(message);
        var milliseconds = match.Success && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var given)
            ? given
            : settings.DefaultRetryAfterMilliseconds;
        return TimeSpan.FromMilliseconds(Math.Max(1, milliseconds));
    }

    /// <summary>A transient answer (see <see cref="TransientCodes"/>), from a command, a write or a bulk write.</summary>
    public static bool IsTransient(MongoException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.HasErrorLabel("TransientTransactionError") || error switch
        {
            MongoCommandException command => TransientCodes.Contains(command.Code),
            MongoWriteException write => write.WriteError is { } e && TransientCodes.Contains(e.Code)
                || write.WriteConcernError is { } c && TransientCodes.Contains(c.Code),
            MongoBulkWriteException bulk => bulk.WriteErrors.Any(e => TransientCodes.Contains(e.Code))
                || bulk.WriteConcernError is { } c && TransientCodes.Contains(c.Code),
            _ => false,
        };
    }

    [GeneratedRegex(@"RetryAfterMs=(\d{1,7})", RegexOptions.CultureInvariant)]
    private static partial Regex RetryAfterMs();

    [LoggerMessage(LogLevel.Warning, "The database kept throttling or failing a store call transiently after {Retries} retries and {WaitedMs} ms of waiting; answering 503")]
    private static partial void LogExhausted(ILogger logger, int retries, long waitedMs);
}

public static class MongoThrottling
{
    /// <summary>
    /// <paramref name="store"/> with every asynchronous member run through <paramref name="policy"/>: the one place
    /// throttling is handled, instead of in each store method.
    /// </summary>
    public static TPort Wrap<TPort>(TPort store, MongoThrottlingPolicy policy) where TPort : class
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(policy);
        var proxy = DispatchProxy.Create<TPort, ThrottledProxy<TPort>>();
        ((ThrottledProxy<TPort>)(object)proxy).Initialize(store, policy);
        return proxy;
    }
}

// Not sealed: DispatchProxy derives the proxy type from it at run time.
#pragma warning disable CA1852
internal class ThrottledProxy<TPort> : DispatchProxy where TPort : class
#pragma warning restore CA1852
{
    private static readonly MethodInfo ForResultDefinition =
        typeof(ThrottledProxy<TPort>).GetMethod(nameof(ForResultAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    private static readonly ConcurrentDictionary<Type, MethodInfo> ForResult = new();

    private TPort _store = null!;
    private MongoThrottlingPolicy _policy = null!;

    internal void Initialize(TPort store, MongoThrottlingPolicy policy)
    {
        _store = store;
        _policy = policy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var ct = args?.OfType<CancellationToken>().FirstOrDefault() ?? CancellationToken.None;
        var returns = targetMethod.ReturnType;
        Task Call() => (Task)Forward(targetMethod, args)!;
        if (returns == typeof(Task))
        {
            return _policy.ExecuteAsync(async () =>
            {
                await Call().ConfigureAwait(false);
                return true;
            }, ct);
        }

        if (returns.IsGenericType && returns.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var forResult = ForResult.GetOrAdd(returns.GetGenericArguments()[0], result => ForResultDefinition.MakeGenericMethod(result));
            return forResult.Invoke(null, [_policy, (Func<Task>)Call, ct]);
        }

        // Nothing synchronous reaches the database.
        return Forward(targetMethod, args);
    }

    private static async Task<TResult> ForResultAsync<TResult>(MongoThrottlingPolicy policy, Func<Task> call, CancellationToken ct) =>
        await policy.ExecuteAsync(async () => await ((Task<TResult>)call()).ConfigureAwait(false), ct).ConfigureAwait(false);

    private object? Forward(MethodInfo method, object?[]? args)
    {
        try
        {
            return method.Invoke(_store, args);
        }
        catch (TargetInvocationException error) when (error.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(error.InnerException).Throw();
            throw;
        }
    }
}
