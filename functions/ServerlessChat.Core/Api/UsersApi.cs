using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Moderation;
using ServerlessChat.Core.Profiles;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Api;

public static class UsersApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(GetMe), HttpMethods.Get, ChatRoutes.Me, GetMe, RateLimitPolicy.PerUser, "The caller's own user"),
        new(nameof(SearchUsers), HttpMethods.Get, ChatRoutes.Users, SearchUsers, RateLimitPolicy.PerUser, "Users whose username or display name starts with a prefix"),
        new(nameof(GetUser), HttpMethods.Get, ChatRoutes.UserById, GetUser, RateLimitPolicy.PerUser,
            "A user the caller shares a conversation with (any user for moderators); no email but the caller's own"),
        new(nameof(UpdateMe), HttpMethods.Patch, ChatRoutes.Me, UpdateMe, RateLimitPolicy.PerUser,
            "Change the caller's display name, status and avatar (null clears either); its contacts get userUpdated"),
    ];

    public static async Task<Ok<UserDto>> GetUser(Caller caller, string id, ProfileService profiles, CancellationToken ct) =>
        TypedResults.Ok(await profiles.GetAsync(caller.UserId, id, ct));

    public static async Task<Ok<UserDto>> UpdateMe(
        Caller caller, JsonBody<UpdateProfileRequest> body, ProfileService profiles, ModerationRoles roles, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = await profiles.UpdateAsync(caller.UserId, body.Value, ct);
        await realtime.PublishAsync(outcome.Actions, ct);
        return TypedResults.Ok(outcome.Value with { Role = ModerationRoles.Name(await roles.GetAsync(caller.UserId, ct)) });
    }

    public static async Task<Ok<UserDto>> GetMe(Caller caller, ChatDirectory directory, ModerationRoles roles, AvatarLinks avatars, CancellationToken ct)
    {
        var user = await directory.GetUserAsync(caller.UserId, ct) ?? throw ProblemException.Unauthorized("The account no longer exists.");
        return TypedResults.Ok(await avatars.SignAsync(UserDto.From(user, includeEmail: true) with { Role = ModerationRoles.Name(await roles.GetAsync(user.Id, ct)) }, ct));
    }

    public static async Task<Ok<ItemsDto<UserDto>>> SearchUsers(Caller caller, string? search, string? limit, IUserStore users, AvatarLinks avatars, CancellationToken ct)
    {
        var rules = new InputRules();
        var prefix = rules.Name("search", search, 64);
        var max = rules.Limit("limit", limit, 20, 50);
        rules.ThrowIfAny();

        var found = await users.SearchByPrefixAsync(prefix!, max, ct);
        return TypedResults.Ok(new ItemsDto<UserDto>(await avatars.SignAsync(found.Select(u => UserDto.From(u, includeEmail: u.Id == caller.UserId)), ct)));
    }
}
