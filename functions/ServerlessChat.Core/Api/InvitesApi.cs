using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Invites;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Api;

public static class InvitesApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(CreateInvite), HttpMethods.Post, ChatRoutes.GroupInvites, CreateInvite, RateLimitPolicy.PerUser, "Create an invite link, with an expiry and a number of uses (admins; at most 20 live)") { Problems = [StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict] },
        new(nameof(ListInvites), HttpMethods.Get, ChatRoutes.GroupInvites, ListInvites, RateLimitPolicy.PerUser, "A group's live invites, oldest first (admins)") { Problems = [StatusCodes.Status403Forbidden] },
        new(nameof(RevokeInvite), HttpMethods.Delete, ChatRoutes.GroupInvite, RevokeInvite, RateLimitPolicy.PerUser, "Revoke an invite (admins)") { Problems = [StatusCodes.Status403Forbidden] },
        new(nameof(GetInvite), HttpMethods.Get, ChatRoutes.InviteByToken, GetInvite, RateLimitPolicy.PerUser, "The group a live invite leads to"),
        new(nameof(JoinByInvite), HttpMethods.Post, ChatRoutes.InviteJoin, JoinByInvite, RateLimitPolicy.PerUser, "Join a group by a live invite (again: 200, nothing changes)") { Problems = [StatusCodes.Status409Conflict] },
    ];

    public static async Task<Created<InviteDto>> CreateInvite(Caller caller, string id, JsonBody<CreateInviteRequest> body, InviteService invites, CancellationToken ct)
    {
        var invite = await invites.CreateAsync(caller.UserId, id, body.Value, ct);
        return TypedResults.Created($"/{ChatRoutes.Prefix}/invites/{invite.Token}", invite);
    }

    public static async Task<Ok<ItemsDto<InviteDto>>> ListInvites(Caller caller, string id, InviteService invites, CancellationToken ct) =>
        TypedResults.Ok(await invites.ListAsync(caller.UserId, id, ct));

    public static async Task<NoContent> RevokeInvite(Caller caller, string id, string token, InviteService invites, CancellationToken ct)
    {
        await invites.RevokeAsync(caller.UserId, id, token, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<InvitePreviewDto>> GetInvite(Caller caller, string token, InviteService invites, CancellationToken ct)
    {
        _ = caller;
        return TypedResults.Ok(await invites.PreviewAsync(token, ct));
    }

    public static async Task<Ok<GroupDto>> JoinByInvite(Caller caller, string token, InviteService invites, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = await invites.JoinAsync(caller.UserId, token, ct);
        await realtime.PublishAsync(outcome.Actions, ct);
        return TypedResults.Ok(outcome.Value);
    }
}
