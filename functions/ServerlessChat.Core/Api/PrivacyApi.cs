using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Access;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.RateLimiting;

namespace ServerlessChat.Core.Api;

public static class PrivacyApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(SetPrivacy), HttpMethods.Put, ChatRoutes.MyPrivacy, SetPrivacy, RateLimitPolicy.PerUser, "Who may add the caller to groups"),
    ];

    public static async Task<Ok<PrivacyDto>> SetPrivacy(Caller caller, JsonBody<PrivacyRequest> body, PrivacyService privacy, CancellationToken ct) =>
        TypedResults.Ok(await privacy.SetAsync(caller.UserId, body.Value, ct));
}
