namespace ServerlessChat.Core.Messaging;

/// <summary>
/// A step of the send pipeline that a message (a send or an edit) passes after validation, the content filter and
/// the access checks, right before it is stored: it returns the content to store (the same, or a replacement that
/// has passed the content filter too), or refuses by throwing a <see cref="Http.ProblemException"/>. Nothing is
/// stored or claimed before the policies have run, so a refusal changes nothing.
/// </summary>
public interface IMessagePolicy
{
    ValueTask<string> ApplyAsync(MessageDraft draft, CancellationToken ct);
}

/// <summary>A message about to be stored. <see cref="MessageId"/> is set for an edit.</summary>
public sealed record MessageDraft(
    string SenderId, string ConversationId, string Content, IReadOnlyList<string> AttachmentIds, string? ThreadId, string? MessageId = null);

/// <summary>Runs every registered <see cref="IMessagePolicy"/> in registration order, each on the previous one's content.</summary>
public sealed class MessagePolicies(IEnumerable<IMessagePolicy> policies)
{
    private readonly IMessagePolicy[] _policies = policies.ToArray();

    /// <summary>Whether any policy runs: lets a caller skip gathering what only a policy would look at.</summary>
    public bool Any => _policies.Length > 0;

    public async ValueTask<string> ApplyAsync(MessageDraft draft, CancellationToken ct)
    {
        var content = draft.Content;
        foreach (var policy in _policies)
        {
            content = await policy.ApplyAsync(draft with { Content = content }, ct).ConfigureAwait(false);
        }
        return content;
    }
}
