using System.Globalization;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Blocking;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Push;

/// <summary>
/// Pushes one stored message to each recipient (the receiver, or the group's members) other than the sender
/// who has no open realtime connection, has not muted the conversation and has not blocked the sender, in the
/// order of the audience.
/// </summary>
public sealed class PushDispatcher(
    IMessageStore messages,
    IUserStore users,
    IPresenceStore presence,
    IPushStore store,
    BlockDirectory blocks,
    ChatDirectory directory,
    PushSender sender,
    IOptions<PushOptions> options)
{
    /// <summary>Text elements of the message in a preview.</summary>
    public const int PreviewLength = 100;

    public async Task HandleAsync(PushJob job, CancellationToken ct)
    {
        if (!options.Value.Enabled || await messages.FindByIdAsync(job.MessageId, ct) is not { Deleted: false } message)
        {
            return;
        }

        IReadOnlyList<string> audience = message.GroupId is { } groupId
            ? (await directory.GetGroupAsync(groupId, ct))?.Members ?? []
            : [message.ReceiverId!];
        var candidates = audience.Where(id => id != message.SenderId).ToList();
        if (candidates.Count == 0)
        {
            return;
        }

        var online = (await presence.GetAsync(candidates, ct)).Where(p => p.Connections > 0).Select(p => p.UserId).ToHashSet(StringComparer.Ordinal);
        PushPayload? payload = null;
        foreach (var recipient in candidates)
        {
            if (online.Contains(recipient)
                || await store.IsMutedAsync(recipient, message.ConversationId, ct)
                || await blocks.IsBlockedAsync(recipient, message.SenderId, ct))
            {
                continue;
            }
            var subscriptions = await store.ListSubscriptionsAsync(recipient, ct);
            if (subscriptions.Count == 0)
            {
                continue;
            }
            payload ??= new PushPayload(
                "newMessage", message.ConversationId, message.Id, message.SenderId,
                (await users.FindByIdAsync(message.SenderId, ct))?.DisplayName ?? "",
                options.Value.IncludePreview ? Preview(message.Content) : null);
            // One after the other, oldest first: a user has a few devices, and an order makes the outcome predictable.
            foreach (var subscription in subscriptions)
            {
                await sender.SendAsync(subscription, payload, ct);
            }
        }
    }

    private static string Preview(string content)
    {
        var elements = StringInfo.ParseCombiningCharacters(content);
        return elements.Length <= PreviewLength ? content : content[..elements[PreviewLength]] + "…";
    }
}
