namespace ServerlessChat.Client;

/// <summary>
/// Sends through an app's own HttpClient (one from IHttpClientFactory, say): a request cannot pass through two
/// HttpClients, so each one goes out as a copy.
/// </summary>
internal sealed class ForwardingHandler(HttpClient app) : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri)
        {
            Content = request.Content,
            Version = request.Version,
            VersionPolicy = request.VersionPolicy,
        };
        foreach (var header in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        return app.SendAsync(copy, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }
}
