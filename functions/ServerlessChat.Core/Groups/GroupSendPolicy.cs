using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;

namespace ServerlessChat.Core.Groups;

/// <summary>Who may send into a group: while it is frozen only its admins; a muted member nobody until its mute ends.</summary>
public static class GroupSendPolicy
{
    public static void Check(GroupRecord group, string senderId, DateTimeOffset now)
    {
        if (group.Frozen && !group.Admins.Contains(senderId))
        {
            throw ProblemException.Forbidden("This group is frozen: only its admins can send.");
        }

        if (group.IsMuted(senderId, now))
        {
            throw ProblemException.Forbidden("An admin muted you in this group.");
        }
    }
}
