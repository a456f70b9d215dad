using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Blocking;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Threads;

namespace ServerlessChat.Core.Push;

/// <summary>
/// Decides who gets a push for one stored message (the receiver, or the group's members, other than the sender,
/// with no open realtime connection, not muting the conversation and not blocking the sender) and hands each of
/// their subscriptions to <see cref="PushDelivery"/>. The recipients are resolved in a fixed number of queries
/// whatever their number (the message, presence, mutes and subscriptions, each batched), and every decision is
/// made before the first push is queued.
/// </summary>
public sealed class PushDispatcher(
    IMessageStore messages,
    IPresenceStore presence,
    IPushStore store,
    BlockDirectory blocks,
    ChatDirectory directory,
    PushDelivery delivery,
    IOptions<PushOptions> options)
{
    /// <summary>Text elements of the message in a preview.</summary>
    public const int PreviewLength = 100;

    /// <summary>
    /// Queues the message's pushes. With <paramref name="awaitDelivery"/> it returns only once every push is over,
    /// and throws when the process stopped first, so a queue-triggered caller leaves its message to be retried
    /// rather than lose pushes; without it, it returns once they are queued, so a slow push service holds no worker.
    /// </summary>
    public async Task HandleAsync(PushJob job, CancellationToken ct, bool awaitDelivery = false)
    {
        if (!options.Value.Enabled || await messages.FindByIdAsync(job.MessageId, ct) is not { Deleted: false } message)
        {
            return;
        }

        IReadOnlyList<string> audience = message.GroupId is { } groupId
            ? (await directory.GetGroupAsync(groupId, ct))?.Members ?? []
            : [message.ReceiverId!];
        // A thread reply is pushed to the thread's participants only.
        if (message.ThreadId is { } rootId)
        {
            audience = await messages.FindByIdAsync(rootId, ct) is { } root ? ThreadRoots.Participants(root, message, audience) : [];
        }
        var candidates = audience.Where(id => id != message.SenderId).Distinct(StringComparer.Ordinal).ToList();
        if (candidates.Count == 0)
        {
            return;
        }

        var online = (await presence.GetAsync(candidates, ct)).Where(p => p.Connections > 0).Select(p => p.UserId);
        candidates = candidates.Except(online, StringComparer.Ordinal).ToList();
        if (candidates.Count == 0)
        {
            return;
        }
        var muted = await store.FindMutedAsync(message.ConversationId, candidates, ct);
        var recipients = new HashSet<string>(candidates.Except(muted, StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var recipient in recipients.ToList())
        {
            // Cached per blocker: no store read for a recipient whose block list is warm.
            if (await blocks.IsBlockedAsync(recipient, message.SenderId, ct))
            {
                recipients.Remove(recipient);
            }
        }
        if (recipients.Count == 0)
        {
            return;
        }

        var subscriptions = await store.ListSubscriptionsAsync(recipients, ct);
        if (subscriptions.Count == 0)
        {
            return;
        }
        var payload = new PushPayload(
            "newMessage", message.ConversationId, message.Id, message.SenderId,
            (await directory.GetUserAsync(message.SenderId, ct))?.DisplayName ?? "",
            options.Value.IncludePreview ? Preview(message.Content) : null);
        var body = JsonSerializer.Serialize(payload, ChatJson.Options);
        var topic = PushSender.Topic(message.ConversationId);
        var pushes = subscriptions.Select(subscription => delivery.Enqueue(subscription, body, topic)).ToList();
        if (awaitDelivery)
        {
            await Task.WhenAll(pushes).WaitAsync(ct);
        }
    }

    private static string Preview(string content)
    {
        var elements = StringInfo.ParseCombiningCharacters(content);
        return elements.Length <= PreviewLength ? content : content[..elements[PreviewLength]] + "…";
    }
}
