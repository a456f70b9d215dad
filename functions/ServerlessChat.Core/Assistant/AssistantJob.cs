namespace ServerlessChat.Core.Assistant;

/// <summary>
/// One message to answer: the human's direct message <paramref name="MessageId"/> to the assistant in
/// <paramref name="ConversationId"/>. This is the queue message's JSON body (camelCase) on the Functions app.
/// </summary>
public sealed record AssistantJob(string ConversationId, string UserId, string MessageId);

/// <summary>
/// Carries jobs from the send (which must not wait for the model) to <see cref="AssistantResponder"/>. Each host
/// supplies one: an in-process channel for the standalone host, a Storage queue for the Functions app.
/// </summary>
public interface IAssistantQueue
{
    /// <summary>Hands the job over; false when it could not be taken (the queue is full or unreachable).</summary>
    ValueTask<bool> EnqueueAsync(AssistantJob job, CancellationToken ct);
}
