using ServerlessChat.Core.Access;
using ServerlessChat.Core.Blocking;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Realtime;

/// <summary>
/// Typing indicators: relayed to the others in a conversation the caller shares with them, never stored, and
/// coalesced to one event per user and conversation in each 2-second window. A user id the caller shares no
/// conversation with answers 404 exactly as an unknown id does, so typing reveals no account. The window counter lives in the shared counter store (Redis
/// when configured), so the coalescing holds across instances.
/// </summary>
public sealed class TypingService(ChatDirectory directory, ConversationAccess access, BlockDirectory blocks, IRateLimitCounterStore counters, TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(2);

    public async Task<IReadOnlyList<RealtimeAction>> TypingAsync(string callerId, TypingRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        rules.ExactlyOne("receiverId", request.ReceiverId, "groupId", request.GroupId);
        var receiverId = rules.Id("receiverId", request.ReceiverId, required: false);
        var groupId = rules.Id("groupId", request.GroupId, required: false);
        if (receiverId is not null && receiverId == callerId)
        {
            rules.Add("receiverId", "A user cannot type to itself.");
        }

        rules.ThrowIfAny();

        string conversationId;
        IEnumerable<string> others;
        if (groupId is not null)
        {
            var group = await directory.GetGroupForMemberAsync(groupId, callerId, ct) ?? throw ProblemException.NotFound("No such group.");
            conversationId = ConversationIds.Group(group.Id);
            others = group.Members.Where(m => m != callerId);
        }
        else
        {
            var peer = await directory.GetUserAsync(receiverId!, ct);
            if (peer is null || !await access.ShareConversationAsync(callerId, peer.Id, ct))
            {
                throw ProblemException.NotFound("No such conversation.");
            }
            conversationId = ConversationIds.Direct(callerId, peer.Id);
            others = [peer.Id];
        }

        // Fixed windows aligned to the clock, as the rate limiter's: every instance computes the same key
        // without talking to the others. A steady typist produces one event per window.
        var now = time.GetUtcNow();
        var windowEnd = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % Window.Ticks), TimeSpan.Zero) + Window;
        if (await counters.IncrementAsync($"typing:{callerId}:{conversationId}", windowEnd, ct) != 1)
        {
            return [];
        }

        // Per user rather than to the group's SignalR group: that would echo to the typist's own connections.
        // Typing passes in neither direction between two users when either blocked the other.
        var typing = new TypingDto(conversationId, callerId);
        var actions = new List<RealtimeAction>();
        foreach (var user in others)
        {
            if (!await blocks.EitherBlockedAsync(callerId, user, ct))
            {
                actions.Add(new SendToUser(user, ChatHub.Typing, typing));
            }
        }

        return actions;
    }
}
