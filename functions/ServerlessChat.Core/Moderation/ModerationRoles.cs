using Microsoft.Extensions.Options;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Moderation;

/// <summary>Who is a moderator or an admin: <see cref="ModerationOptions.AdminUserIds"/> first, then the stored role.</summary>
public sealed class ModerationRoles(IModerationStore store, IOptions<ModerationOptions> options)
{
    public static string Name(ChatRole role) => role switch
    {
        ChatRole.Admin => "admin",
        ChatRole.Moderator => "moderator",
        _ => "user",
    };

    public static ChatRole? Parse(string? name) => name switch
    {
        "admin" => ChatRole.Admin,
        "moderator" => ChatRole.Moderator,
        "user" => ChatRole.User,
        _ => null,
    };

    public bool IsBootstrapAdmin(string userId) => options.Value.AdminUserIds.Contains(userId, StringComparer.Ordinal);

    public async Task<ChatRole> GetAsync(string userId, CancellationToken ct) =>
        IsBootstrapAdmin(userId) ? ChatRole.Admin : Parse(await store.FindRoleAsync(userId, ct)) ?? ChatRole.User;
}
