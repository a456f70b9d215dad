using ServerlessChat.Core.Api;
using ServerlessChat.Core.Attachments;

namespace ServerlessChat.Core.Profiles;

/// <summary>
/// Fills <c>avatarUrl</c> on users and groups as they leave in an answer or an event: a fresh signed URL of the
/// stored avatar (the DTOs carry only its id, since signing can need the blob store).
/// </summary>
public sealed class AvatarLinks(AttachmentService attachments)
{
    public async Task<UserDto> SignAsync(UserDto user, CancellationToken ct) =>
        user.AvatarId is null ? user : user with { AvatarUrl = await attachments.AvatarUrlAsync(user.AvatarId, ct) };

    public async Task<GroupDto> SignAsync(GroupDto group, CancellationToken ct) =>
        group.AvatarId is null ? group : group with { AvatarUrl = await attachments.AvatarUrlAsync(group.AvatarId, ct) };

    public async Task<IReadOnlyList<UserDto>> SignAsync(IEnumerable<UserDto> users, CancellationToken ct)
    {
        var signed = new List<UserDto>();
        foreach (var user in users)
        {
            signed.Add(await SignAsync(user, ct));
        }
        return signed;
    }

    public async Task<IReadOnlyList<GroupDto>> SignAsync(IEnumerable<GroupDto> groups, CancellationToken ct)
    {
        var signed = new List<GroupDto>();
        foreach (var group in groups)
        {
            signed.Add(await SignAsync(group, ct));
        }
        return signed;
    }

    /// <summary>The peers and groups of a conversation list.</summary>
    public async Task<IReadOnlyList<ConversationDto>> SignAsync(IEnumerable<ConversationDto> conversations, CancellationToken ct)
    {
        var signed = new List<ConversationDto>();
        foreach (var conversation in conversations)
        {
            signed.Add(conversation with
            {
                Peer = conversation.Peer is { } peer ? await SignAsync(peer, ct) : null,
                Group = conversation.Group is { } group ? await SignAsync(group, ct) : null,
            });
        }
        return signed;
    }
}
