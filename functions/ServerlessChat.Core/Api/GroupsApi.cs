using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Groups;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Profiles;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Api;

public static class GroupsApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(ListGroups), HttpMethods.Get, ChatRoutes.Groups, ListGroups, RateLimitPolicy.PerUser, "The caller's groups"),
        new(nameof(CreateGroup), HttpMethods.Post, ChatRoutes.Groups, CreateGroup, RateLimitPolicy.PerUser, "Create a group with the caller as admin"),
        new(nameof(GetGroup), HttpMethods.Get, ChatRoutes.GroupById, GetGroup, RateLimitPolicy.PerUser, "One group the caller belongs to"),
        new(nameof(UpdateGroupMembers), HttpMethods.Put, ChatRoutes.GroupMembers, UpdateGroupMembers, RateLimitPolicy.PerUser, "Add or remove members") { Problems = [StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict] },
    ];

    public static async Task<Ok<ItemsDto<GroupDto>>> ListGroups(Caller caller, GroupService groups, AvatarLinks avatars, CancellationToken ct) =>
        TypedResults.Ok(new ItemsDto<GroupDto>(await avatars.SignAsync((await groups.ListAsync(caller.UserId, ct)).Items, ct)));

    public static async Task<Created<GroupDto>> CreateGroup(
        Caller caller, JsonBody<CreateGroupRequest> body, GroupService groups, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = await groups.CreateAsync(caller.UserId, body.Value, ct);
        await realtime.PublishAsync(outcome.Actions, ct);
        return TypedResults.Created($"/{ChatRoutes.Prefix}/{ChatRoutes.Groups}/{outcome.Value.Id}", outcome.Value);
    }

    public static async Task<Ok<GroupDto>> GetGroup(Caller caller, string id, GroupService groups, AvatarLinks avatars, CancellationToken ct) =>
        TypedResults.Ok(await avatars.SignAsync(await groups.GetAsync(caller.UserId, id, ct), ct));

    public static async Task<Ok<GroupDto>> UpdateGroupMembers(
        Caller caller, string id, JsonBody<UpdateMembersRequest> body, GroupService groups, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = await groups.UpdateMembersAsync(caller.UserId, id, body.Value, ct);
        await realtime.PublishAsync(outcome.Actions, ct);
        return TypedResults.Ok(outcome.Value);
    }
}
