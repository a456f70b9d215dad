using ServerlessChat.Core.Api;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Pins;

/// <summary><c>pinnedAt</c> and <c>pinnedBy</c> of a list of messages, from one store query.</summary>
internal sealed class PinEnrichment(IPinStore pins) : IMessageEnrichment
{
    public async Task<Func<MessageDto, MessageDto>> LoadAsync(IReadOnlyList<MessageRecord> records, CancellationToken ct)
    {
        var live = records.Where(r => !r.Deleted).ToList();
        var found = live.Count == 0
            ? []
            : await pins.FindAsync(live.Select(r => r.ConversationId).Distinct(StringComparer.Ordinal).ToList(), live.Select(r => r.Id).ToList(), ct);
        if (found.Count == 0)
        {
            return static dto => dto;
        }

        var byMessage = found.ToDictionary(p => p.MessageId, StringComparer.Ordinal);
        return dto => byMessage.TryGetValue(dto.Id, out var pin) ? dto with { PinnedAt = pin.PinnedAt, PinnedBy = pin.PinnedBy } : dto;
    }
}
