using ServerlessChat.Core.Access;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.ReadMarkers;

/// <summary>
/// "Seen by": where each participant of a conversation has read to and when that last moved, for whoever takes
/// part in it. A marker moves by <c>POST /api/messages/read</c>, which the conversation hears as <c>messagesRead</c>.
/// </summary>
public sealed class ReadMarkersService(IConversationStore conversations, ConversationAccess access)
{
    public async Task<ItemsDto<ReadMarkerDto>> ListAsync(string callerId, string conversationId, CancellationToken ct)
    {
        var participants = await access.VisibleParticipantsAsync(callerId, conversationId, ct) ?? throw ProblemException.NotFound("No such conversation.");
        var markers = await conversations.ListReadMarkersAsync(conversationId, ct);
        // Those who left a group keep their marker in the store; only current participants are shown.
        return new(markers
            .Where(m => participants.Contains(m.UserId))
            .OrderByDescending(m => m.UpTo, StringComparer.Ordinal)
            .ThenBy(m => m.UserId, StringComparer.Ordinal)
            .Select(m => new ReadMarkerDto(m.UserId, m.UpTo, m.ReadAt))
            .ToList());
    }
}
