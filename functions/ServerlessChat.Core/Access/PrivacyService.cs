using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Access;

/// <summary><c>PUT /api/users/me/privacy</c>: who may add the caller to groups (read by <see cref="ConversationAccess.FilterAddableAsync"/>).</summary>
public sealed record PrivacyRequest(string? GroupAdds);

public sealed record PrivacyDto(string GroupAdds);

public sealed class PrivacyService(IUserStore users, ChatDirectory directory, TimeProvider time)
{
    public async Task<PrivacyDto> SetAsync(string callerId, PrivacyRequest request, CancellationToken ct)
    {
        GroupAdds? groupAdds = request.GroupAdds switch
        {
            "everyone" => GroupAdds.Everyone,
            "contacts" => GroupAdds.Contacts,
            _ => null,
        };
        if (groupAdds is null)
        {
            throw ProblemException.Validation("groupAdds", "Use everyone or contacts.");
        }

        if (!await users.SetGroupAddsAsync(callerId, groupAdds.Value, time.GetStoredNow(), ct))
        {
            throw ProblemException.Unauthorized("The account no longer exists.");
        }
        await directory.ForgetUserAsync(callerId, ct);
        return new PrivacyDto(Name(groupAdds.Value));
    }

    public static string Name(GroupAdds groupAdds) => groupAdds == GroupAdds.Everyone ? "everyone" : "contacts";
}
