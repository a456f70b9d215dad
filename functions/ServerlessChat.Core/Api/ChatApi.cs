using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ServerlessChat.Core.Api;

public static class ChatApi
{
    /// <summary>The route table: every endpoint of every feature.</summary>
    public static IReadOnlyList<ChatEndpoint> Endpoints { get; } =
    [
        .. HealthApi.Endpoints,
        .. AuthApi.Endpoints,
        .. SessionsApi.Endpoints,
        .. UsersApi.Endpoints,
        .. PrivacyApi.Endpoints,
        .. AccountApi.Endpoints,
        .. MessagesApi.Endpoints,
        .. AttachmentsApi.Endpoints,
        .. EditsApi.Endpoints,
        .. ReactionsApi.Endpoints,
        .. PinsApi.Endpoints,
        .. ThreadsApi.Endpoints,
        .. ReadMarkersApi.Endpoints,
        .. SearchApi.Endpoints,
        .. BlockingApi.Endpoints,
        .. GroupsApi.Endpoints,
        .. GroupAdminApi.Endpoints,
        .. InvitesApi.Endpoints,
        .. RealtimeApi.Endpoints,
        .. CallsApi.Endpoints,
        .. AssistantApi.Endpoints,
        .. SyncApi.Endpoints,
        .. PushApi.Endpoints,
        .. ModerationApi.Endpoints,
        .. IntegratorApi.Endpoints,
    ];

    public static RouteGroupBuilder MapChatApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/" + ChatRoutes.Prefix);
        foreach (var endpoint in Endpoints)
        {
            api.MapMethods(endpoint.Route, [endpoint.Method], endpoint.Handler)
                .WithName(endpoint.Name)
                .WithSummary(endpoint.Summary)
                .WithMetadata(endpoint)
                .AddEndpointFilterFactory((_, next) => endpoint.Filter(next));
        }

        return api;
    }
}
