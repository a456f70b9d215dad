using Microsoft.AspNetCore.Http;

namespace ServerlessChat.Core.Http;

public static class SecurityHeaders
{
    public static void Apply(HttpResponse response)
    {
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.CacheControl = "no-store";
    }
}
