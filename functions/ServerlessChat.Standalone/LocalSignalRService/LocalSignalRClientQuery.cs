using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace ServerlessChat.Standalone.LocalSignalRService;

/// <summary>
/// The client's query as the upstream may see it (<c>X-ASRS-Client-Query</c>): like the service, without the
/// access token a browser puts in the WebSocket URL, the transport's connection token (<c>id</c>), nor any other
/// parameter whose name looks like a credential (token, key, secret, password, signature, code, auth, session).
/// The rest stays, in order, for the app's own use.
/// </summary>
public static class LocalSignalRClientQuery
{
    private static readonly string[] CredentialWords =
        ["token", "key", "secret", "password", "passwd", "signature", "auth", "credential", "session", "cookie", "jwt"];

    public static string Forwardable(string? query)
    {
        if (string.IsNullOrEmpty(query))
        {
            return "";
        }
        var kept = QueryHelpers.ParseQuery(query)
            .Where(parameter => !LooksLikeACredential(parameter.Key))
            .SelectMany(parameter => parameter.Value.Select(value => KeyValuePair.Create(parameter.Key, value)));
        return QueryString.Create(kept).Value?.TrimStart('?') ?? "";
    }

    private static bool LooksLikeACredential(string name)
    {
        var lower = name.ToLowerInvariant();
        return lower is "code" or "sig" or "id" || CredentialWords.Any(word => lower.Contains(word, StringComparison.Ordinal));
    }
}
