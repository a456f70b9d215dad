using ServerlessChat.Core.Api;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Moderation;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Sync;

namespace ServerlessChat.Core.Edits;

/// <summary>
/// Editing a message and its edit history. An edit keeps the text it replaces with the message (gone when the
/// message is deleted) and recomputes its mentions against the group's current members, so the unread-mention
/// counts follow: a name added counts, a name removed no longer does. The conversation hears
/// <c>messageUpdated</c> with the new text and mentions.
/// </summary>
public sealed class MessageEdits(MessageService messages, IMessageStore store, ChatDirectory directory, ContentFilter filter, MessagePolicies policies, IAttachmentStore attachments, TimeProvider time)
{
    public async Task<Outcome<MessageDto>> EditAsync(string callerId, string id, EditMessageRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        var content = filter.Apply(rules, "content", rules.Content("content", request.Content));
        rules.ThrowIfAny();

        var message = await messages.FindVisibleAsync(callerId, id, ct);
        if (message.SenderId != callerId || message.System is not null)
        {
            throw ProblemException.Forbidden(message.System is null ? "Only the sender can change a message." : "System messages cannot be edited.");
        }

        if (message.Deleted)
        {
            throw ProblemException.Conflict("A deleted message cannot be edited.");
        }

        if (policies.Any)
        {
            var attached = (await attachments.ListForMessagesAsync([message.Id], ct)).Select(a => a.Id).ToList();
            content = await policies.ApplyAsync(new MessageDraft(callerId, message.ConversationId, content!, attached, null, message.Id), ct);
        }
        IReadOnlyList<string> mentions = message.GroupId is null
            ? []
            : await messages.FindMentionsAsync(content!, (await directory.GetGroupAsync(message.GroupId, ct))?.Members ?? [], callerId, ct);
        var (updated, change) = await store.UpdateContentAsync(id, content!, mentions, time.GetStoredNow(), ct)
            ?? throw ProblemException.Conflict("A deleted message cannot be edited.");
        var dto = await messages.ToDtoAsync(updated, ct) with { Cursor = SyncCursor.ForChangeOrNull(change) };
        return new(dto, MessageService.ToAudience(updated, ChatHub.MessageUpdated, dto));
    }

    /// <summary>The earlier versions of a message the caller can see, oldest first; none once it is deleted.</summary>
    public async Task<ItemsDto<MessageEditDto>> ListAsync(string callerId, string id, CancellationToken ct)
    {
        var message = await messages.FindVisibleAsync(callerId, id, ct);
        var edits = message.Deleted ? [] : await store.ListEditsAsync(message.Id, ct);
        return new(edits.Select(e => new MessageEditDto(e.Content, e.EditedAt)).ToList());
    }
}
