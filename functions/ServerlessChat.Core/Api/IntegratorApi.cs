using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Moderation;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.ServerApi;

namespace ServerlessChat.Core.Api;

/// <summary>
/// API.md "For integrators": the server API, for the integrator's backend (<see cref="ServerCaller"/>, never a
/// user's token), addressing users by external id.
/// </summary>
public static class IntegratorApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(UpsertServerUser), HttpMethods.Put, ChatRoutes.ServerUser, UpsertServerUser, RateLimitPolicy.PerServerKey, "Create or update the user with this external id") { Problems = [StatusCodes.Status409Conflict] },
        new(nameof(EraseServerUser), HttpMethods.Delete, ChatRoutes.ServerUser, EraseServerUser, RateLimitPolicy.PerServerKey, "Erase the user with this external id, as its own account deletion does") { Problems = [StatusCodes.Status404NotFound] },
        new(nameof(StartServerSession), HttpMethods.Post, ChatRoutes.ServerUserSessions, StartServerSession, RateLimitPolicy.PerServerKey, "Start a session for the user with this external id"),
        new(nameof(SetServerUserRole), HttpMethods.Put, ChatRoutes.ServerUserRole, SetServerUserRole, RateLimitPolicy.PerServerKey, "Make the user with this external id a moderator, an admin or a plain user") { Problems = [StatusCodes.Status409Conflict] },
        new(nameof(CreateServerGroup), HttpMethods.Post, ChatRoutes.ServerGroups, CreateServerGroup, RateLimitPolicy.PerServerKey, "Create a group of users by external id"),
        new(nameof(UpdateServerGroupMembers), HttpMethods.Put, ChatRoutes.ServerGroupMembers, UpdateServerGroupMembers, RateLimitPolicy.PerServerKey, "Add and remove group members by external id") { Problems = [StatusCodes.Status409Conflict] },
        new(nameof(SendServerMessage), HttpMethods.Post, ChatRoutes.ServerMessages, SendServerMessage, RateLimitPolicy.PerServerKey, "Send a message as the user with this external id") { Problems = [StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound] },
    ];

    public static async Task<Results<Created<UserDto>, Ok<UserDto>>> UpsertServerUser(
        ServerCaller server, string externalId, JsonBody<UpsertServerUserRequest> body, ServerApiService api, CancellationToken ct)
    {
        var (user, created) = await api.UpsertUserAsync(server, externalId, body.Value, ct);
        return created ? TypedResults.Created((string?)null, user) : TypedResults.Ok(user);
    }

    public static async Task<Accepted> EraseServerUser(ServerCaller server, string externalId, ServerApiService api, CancellationToken ct)
    {
        await api.EraseAsync(server, externalId, ct);
        return TypedResults.Accepted((string?)null);
    }

    public static async Task<Created<SessionDto>> StartServerSession(ServerCaller server, string externalId, HttpRequest request, ServerApiService api, CancellationToken ct) =>
        TypedResults.Created((string?)null, await api.StartSessionAsync(server, externalId, request.Headers.UserAgent, ct));

    public static async Task<Ok<ModeratedUserDto>> SetServerUserRole(
        ServerCaller server, string externalId, JsonBody<SetRoleRequest> body, ServerApiService api, CancellationToken ct) =>
        TypedResults.Ok(await api.SetRoleAsync(server, externalId, body.Value, ct));

    public static async Task<Created<GroupDto>> CreateServerGroup(
        ServerCaller server, JsonBody<CreateServerGroupRequest> body, ServerApiService api, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = await api.CreateGroupAsync(server, body.Value, ct);
        await realtime.PublishAsync(outcome.Actions, ct);
        return TypedResults.Created($"/{ChatRoutes.Prefix}/groups/{outcome.Value.Id}", outcome.Value);
    }

    public static async Task<Ok<GroupDto>> UpdateServerGroupMembers(
        ServerCaller server, string id, JsonBody<UpdateServerGroupMembersRequest> body, ServerApiService api, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = await api.UpdateMembersAsync(server, id, body.Value, ct);
        await realtime.PublishAsync(outcome.Actions, ct);
        return TypedResults.Ok(outcome.Value);
    }

    public static async Task<Results<Created<MessageDto>, Ok<MessageDto>>> SendServerMessage(
        ServerCaller server, JsonBody<ServerMessageRequest> body, ServerApiService api, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = await api.SendAsync(server, body.Value, ct);
        await realtime.PublishAsync(outcome.Actions, ct);
        var (message, created) = outcome.Value;
        return created ? TypedResults.Created($"/{ChatRoutes.Prefix}/messages/{message.Id}", message) : TypedResults.Ok(message);
    }
}
