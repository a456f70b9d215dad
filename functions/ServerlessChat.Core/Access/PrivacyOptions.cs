using System.ComponentModel.DataAnnotations;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Access;

public sealed class PrivacyOptions
{
    public const string Section = "Privacy";

    /// <summary>Who may add a user that never chose (<c>PUT /api/users/me/privacy</c>) to a group: Contacts (API.md's default) or Everyone.</summary>
    [EnumDataType(typeof(GroupAdds))]
    public GroupAdds DefaultGroupAdds { get; set; } = GroupAdds.Contacts;
}
