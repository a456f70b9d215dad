namespace ServerlessChat.Core.Push;

/// <summary>A browser's <c>PushSubscription</c> as <c>toJSON()</c> gives it.</summary>
public sealed record PushSubscriptionRequest(string? Endpoint, PushSubscriptionKeys? Keys);

public sealed record PushSubscriptionKeys(string? P256dh, string? Auth);

public sealed record VapidPublicKeyDto(string PublicKey);

/// <summary>The conversations the caller muted (<c>GET /api/push/mutes</c>).</summary>
public sealed record MutesDto(IReadOnlyList<string> ConversationIds);

/// <summary>The decrypted body of every push (API.md "Push notifications"); <see cref="Preview"/> only with Push:IncludePreview.</summary>
public sealed record PushPayload(string Type, string ConversationId, string MessageId, string SenderId, string SenderName, string? Preview);

/// <summary>One stored message to push to its offline recipients; the queue message's JSON body on the Functions app.</summary>
public sealed record PushJob(string MessageId);

/// <summary>
/// Carries jobs from the send (which must not wait for push services) to <see cref="PushDispatcher"/>: an
/// in-process channel for the standalone host, a Storage queue for the Functions app.
/// </summary>
public interface IPushQueue
{
    /// <summary>Hands the job over; false when it could not be taken (the queue is full).</summary>
    ValueTask<bool> EnqueueAsync(PushJob job, CancellationToken ct);
}
