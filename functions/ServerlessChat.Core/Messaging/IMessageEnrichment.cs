using ServerlessChat.Core.Api;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Messaging;

/// <summary>
/// What a feature adds to every Message the API shows (pins, say): loaded for a whole list of messages in one
/// store query by <see cref="MessageService.ToDtosAsync"/>, then applied to each.
/// </summary>
public interface IMessageEnrichment
{
    Task<Func<MessageDto, MessageDto>> LoadAsync(IReadOnlyList<MessageRecord> records, CancellationToken ct);
}
