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

    public async Task<object?> ResolveAsync(string callerId, ChangeRecord change, string cursor, CancellationToken ct)
    {
        var found = await messages.FindByIdsAsync(change.ConversationId, [change.EntityId], ct);
        if (found is not [{ Deleted: false } message])
        {
            return null;
        }
        var listed = await reactions.ListAsync([message.ConversationId], [message.Id], ct);
        return new ReactionsUpdatedDto(message.Id, message.ConversationId, MessageService.Summarize(listed), cursor);
    }
}
