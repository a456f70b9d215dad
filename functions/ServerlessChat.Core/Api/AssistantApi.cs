using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Assistant;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.RateLimiting;

namespace ServerlessChat.Core.Api;

public static class AssistantApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(GetAssistant), HttpMethods.Get, ChatRoutes.Assistant, GetAssistant, RateLimitPolicy.PerUser, "Whether the AI assistant is enabled, and its user id"),
    ];

    // The caller only gates access; every signed-in user talks to the same assistant.
    public static async Task<Ok<AssistantDto>> GetAssistant(Caller caller, AssistantAccount account, CancellationToken ct)
    {
        var userId = await account.GetUserIdAsync(ct);
        return TypedResults.Ok(new AssistantDto(userId is not null, userId));
    }
}
