using System.Collections.Concurrent;
using System.Text.Json;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.SystemMessages;

/// <summary>
/// Follows calls through the signals the server relays (offer, answer, hangup) and leaves one <c>call</c> system
/// message per call in the two users' direct conversation when it ends: <c>ended</c> with its duration once it was
/// answered, <c>declined</c> when the callee hung up before answering (unless it was busy), <c>missed</c> otherwise.
/// </summary>
/// <remarks>
/// Calls under way are kept in this process's memory (bounded; forgotten after <see cref="MaxCallAge"/>): a call
/// whose signals reach another instance (the Functions app scaled out) or that outlives a restart leaves no record.
/// The record is keyed by the call id, so both sides hanging up at once store it once.
/// </remarks>
public sealed class CallRecords(SystemNotices notices, TimeProvider time)
{
    public static readonly TimeSpan MaxCallAge = TimeSpan.FromHours(12);

    private const int MaxTracked = 10_000;

    private sealed record CallState(string CallerId, string CalleeId, DateTimeOffset OfferedAt, DateTimeOffset? AnsweredAt);

    private readonly ConcurrentDictionary<(string CallId, string A, string B), CallState> _calls = new();

    /// <summary>Notes a relayed signal; for the hangup that ends a known call, the record's realtime actions.</summary>
    public async Task<IReadOnlyList<RealtimeAction>> OnSignalAsync(string fromUserId, string toUserId, string callId, string type, JsonElement? payload, CancellationToken ct)
    {
        var key = string.CompareOrdinal(fromUserId, toUserId) < 0 ? (callId, fromUserId, toUserId) : (callId, toUserId, fromUserId);
        var now = time.GetUtcNow();
        switch (type)
        {
            case "offer":
                Prune(now);
                if (_calls.Count < MaxTracked)
                {
                    // A later offer of the same call (renegotiation) keeps the first.
                    _calls.TryAdd(key, new CallState(fromUserId, toUserId, now, null));
                }
                return [];
            case "answer":
                // Only the callee answers; the first answer is when the call connected.
                while (_calls.TryGetValue(key, out var state) && state.CalleeId == fromUserId && state.AnsweredAt is null
                    && !_calls.TryUpdate(key, state with { AnsweredAt = now }, state))
                {
                }
                return [];
            case "hangup":
                if (!_calls.TryRemove(key, out var ended))
                {
                    return [];
                }
                var (outcome, seconds) = ended.AnsweredAt is { } answered
                    ? ("ended", (int)Math.Max(0, Math.Round((now - answered).TotalSeconds)))
                    : (fromUserId == ended.CalleeId && Reason(payload) != "busy" ? "declined" : "missed", 0);
                return await notices.CallEndedAsync(ended.CallerId, ended.CalleeId, callId, outcome, seconds, ct);
            default:
                return [];
        }
    }

    private static string? Reason(JsonElement? payload) =>
        payload is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null;

    private void Prune(DateTimeOffset now)
    {
        if (_calls.Count < MaxTracked / 2)
        {
            return;
        }

        foreach (var (key, state) in _calls)
        {
            if (now - state.OfferedAt > MaxCallAge)
            {
                _calls.TryRemove(key, out _);
            }
        }
    }
}
