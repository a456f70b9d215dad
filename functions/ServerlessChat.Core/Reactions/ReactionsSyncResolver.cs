using ServerlessChat.Core.Api;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Sync;

namespace ServerlessChat.Core.Reactions;

/// <summary>
/// A <c>reactionsUpdated</c> change in sync: the message's reactions as they are now. A message gone or deleted
/// drops the change; its <c>messageDeleted</c>, which comes later in the log, says that its reactions are gone.
/// </summary>
internal sealed class ReactionsSyncResolver(IMessageStore messages, IReactionStore reactions) : ISyncChangeResolver
{
    public string Type => ChatHub.ReactionsUpdated;

    public async Task<IReadOnlyDictionary<ChangeRecord, object>> ResolveAsync(string callerId, IReadOnlyList<ChangeRecord> changes, CancellationToken ct)
    {
        var found = (await messages.FindByIdsAsync(changes.Select(c => c.EntityId).ToList(), ct))
            .Where(m => !m.Deleted)
            .ToDictionary(m => m.Id, StringComparer.Ordinal);
        var listed = found.Count == 0
            ? Array.Empty<ReactionRecord>().ToLookup(r => r.MessageId, StringComparer.Ordinal)
            : (await reactions.ListAsync(found.Values.Select(m => m.ConversationId).Distinct(StringComparer.Ordinal).ToList(), found.Keys.ToList(), ct))
                .ToLookup(r => r.MessageId, StringComparer.Ordinal);
        var resolved = new Dictionary<ChangeRecord, object>();
        foreach (var change in changes)
        {
            if (found.TryGetValue(change.EntityId, out var message) && message.ConversationId == change.ConversationId)
            {
                resolved[change] = new ReactionsUpdatedDto(message.Id, message.ConversationId, MessageService.Summarize(listed[message.Id]), SyncCursor.ForChange(change));
            }
        }
        return resolved;
    }
}
