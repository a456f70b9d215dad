using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Groups;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Api;

public static class GroupAdminApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(UpdateGroup), HttpMethods.Patch, ChatRoutes.GroupById, UpdateGroup, RateLimitPolicy.PerUser, "Rename, describe, freeze or unfreeze a group (admins)") { Problems = [StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict] },
        new(nameof(AddGroupAdmin), HttpMethods.Put, ChatRoutes.GroupAdmin, AddGroupAdmin, RateLimitPolicy.PerUser, "Make a member an admin (admins)") { Problems = [StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict] },
        new(nameof(RemoveGroupAdmin), HttpMethods.Delete, ChatRoutes.GroupAdmin, RemoveGroupAdmin, RateLimitPolicy.PerUser, "Take a member's admin role away; the last admin stays (admins)") { Problems = [StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict] },
        new(nameof(MuteGroupMember), HttpMethods.Put, ChatRoutes.GroupMutedMember, MuteGroupMember, RateLimitPolicy.PerUser, "Mute a member until a time or until unmuted (admins)") { Problems = [StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict] },
        new(nameof(UnmuteGroupMember), HttpMethods.Delete, ChatRoutes.GroupMutedMember, UnmuteGroupMember, RateLimitPolicy.PerUser, "Unmute a member (admins)") { Problems = [StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict] },
    ];

    public static Task<Ok<GroupDto>> UpdateGroup(
        Caller caller, string id, JsonBody<UpdateGroupRequest> body, GroupAdministration admin, IRealtimePublisher realtime, CancellationToken ct) =>
        PublishAsync(admin.UpdateAsync(caller.UserId, id, body.Value, ct), realtime, ct);

    public static Task<Ok<GroupDto>> AddGroupAdmin(Caller caller, string id, string userId, GroupAdministration admin, IRealtimePublisher realtime, CancellationToken ct) =>
        PublishAsync(admin.SetAdminAsync(caller.UserId, id, userId, true, ct), realtime, ct);

    public static Task<Ok<GroupDto>> RemoveGroupAdmin(Caller caller, string id, string userId, GroupAdministration admin, IRealtimePublisher realtime, CancellationToken ct) =>
        PublishAsync(admin.SetAdminAsync(caller.UserId, id, userId, false, ct), realtime, ct);

    public static Task<Ok<GroupDto>> MuteGroupMember(
        Caller caller, string id, string userId, JsonBody<MuteMemberRequest> body, GroupAdministration admin, IRealtimePublisher realtime, CancellationToken ct) =>
        PublishAsync(admin.MuteAsync(caller.UserId, id, userId, body.Value, ct), realtime, ct);

    public static Task<Ok<GroupDto>> UnmuteGroupMember(Caller caller, string id, string userId, GroupAdministration admin, IRealtimePublisher realtime, CancellationToken ct) =>
        PublishAsync(admin.UnmuteAsync(caller.UserId, id, userId, ct), realtime, ct);

    private static async Task<Ok<GroupDto>> PublishAsync(Task<Outcome<GroupDto>> change, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = await change;
        await realtime.PublishAsync(outcome.Actions, ct);
        return TypedResults.Ok(outcome.Value);
    }
}
