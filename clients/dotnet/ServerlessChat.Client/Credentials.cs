using System.Net;
using System.Net.Http.Headers;

namespace ServerlessChat.Client;

/// <summary>
/// The access token and its renewal. One renewal at a time: presenting one refresh token twice counts as reuse and
/// revokes the whole login chain, so every request that finds the token stale (or gets a 401 with it) waits for
/// the same refresh. With a token provider, the provider is asked instead (once per refused token).
/// </summary>
internal sealed class Credentials(ChatApi anonymous, Func<CancellationToken, ValueTask<string>>? provider, Action<string> sessionEnded)
{
    // Refresh this long before the access token runs out, so a request does not start with a token about to expire.
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(30);

    private readonly object _gate = new();
    private SessionDto? _session;
    private DateTimeOffset _expiresAt;
    private string? _provided;
    private Task<bool>? _renewing;

    public SessionDto? Session
    {
        get
        {
            lock (_gate)
            {
                return _session;
            }
        }
    }

    public bool SignedIn
    {
        get
        {
            lock (_gate)
            {
                return provider is not null || _session is not null;
            }
        }
    }

    public void Adopt(SessionDto session)
    {
        lock (_gate)
        {
            _session = session;
            _expiresAt = DateTimeOffset.UtcNow.AddSeconds(session.ExpiresIn);
        }
    }

    public void Forget()
    {
        lock (_gate)
        {
            _session = null;
            _provided = null;
        }
    }

    /// <summary>A token to send now (renewed first when about to run out); null when signed out.</summary>
    public async ValueTask<string?> AccessTokenAsync(CancellationToken ct)
    {
        string? stale;
        lock (_gate)
        {
            if (provider is not null)
            {
                if (_provided is not null)
                {
                    return _provided;
                }

                stale = null;
            }
            else if (_session is null)
            {
                return null;
            }
            else if (_expiresAt - DateTimeOffset.UtcNow >= ExpiryMargin)
            {
                return _session.AccessToken;
            }
            else
            {
                stale = _session.AccessToken;
            }
        }

        await RenewAsync(stale, ct).ConfigureAwait(false);
        lock (_gate)
        {
            return provider is not null ? _provided : _session?.AccessToken;
        }
    }

    /// <summary>
    /// Gets a new token unless <paramref name="stale"/> was already replaced; true when there is one. Shared by every
    /// caller that asks meanwhile; the caller's cancellation stops its wait, not the renewal.
    /// </summary>
    public Task<bool> RenewAsync(string? stale, CancellationToken ct)
    {
        Task<bool> renewing;
        lock (_gate)
        {
            var current = provider is not null ? _provided : _session?.AccessToken;
            if (stale is not null && current is not null && current != stale)
            {
                return Task.FromResult(true);
            }

            if (_renewing is null)
            {
                var started = provider is not null ? ProvideAsync() : RefreshAsync();
                _renewing = started;
                _ = started.ContinueWith(
                    _ =>
                    {
                        lock (_gate)
                        {
                            if (_renewing == started)
                            {
                                _renewing = null;
                            }
                        }
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }

            renewing = _renewing;
        }

        return renewing.WaitAsync(ct);
    }

    private async Task<bool> ProvideAsync()
    {
        await Task.Yield();
        var token = await provider!(CancellationToken.None).ConfigureAwait(false);
        lock (_gate)
        {
            _provided = string.IsNullOrEmpty(token) ? null : token;
            return _provided is not null;
        }
    }

    private async Task<bool> RefreshAsync()
    {
        await Task.Yield();
        SessionDto? kept;
        lock (_gate)
        {
            kept = _session;
        }

        if (kept is null)
        {
            return false;
        }

        SessionDto renewed;
        try
        {
            renewed = await anonymous.RefreshAsync(new RefreshRequest { RefreshToken = kept.RefreshToken }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ChatApiException error) when (error.StatusCode is (int)HttpStatusCode.BadRequest or (int)HttpStatusCode.Unauthorized)
        {
            bool ended;
            lock (_gate)
            {
                ended = ReferenceEquals(_session, kept);
                if (ended)
                {
                    _session = null;
                }
            }

            if (ended)
            {
                sessionEnded(error.Problem?.Detail ?? error.Problem?.Title ?? "The session ended.");
            }

            return false;
        }
        catch (Exception error) when (Transient.Is(error, CancellationToken.None))
        {
            // Offline: keep the session; the request fails as a network error and is tried again later.
            return false;
        }

        lock (_gate)
        {
            if (ReferenceEquals(_session, kept))
            {
                _session = renewed;
                _expiresAt = DateTimeOffset.UtcNow.AddSeconds(renewed.ExpiresIn);
            }
        }

        return true;
    }
}

/// <summary>Sends every request with the bearer token; a 401 is sent again once with a renewed token.</summary>
internal sealed class AuthorizingHandler(Credentials credentials) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await credentials.AccessTokenAsync(cancellationToken).ConfigureAwait(false);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || token is null
            || !await credentials.RenewAsync(token, cancellationToken).ConfigureAwait(false))
        {
            return response;
        }

        var renewed = await credentials.AccessTokenAsync(cancellationToken).ConfigureAwait(false);
        if (renewed is null)
        {
            return response;
        }

        response.Dispose();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", renewed);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Leaves an injected handler to its owner when the client's HttpClient is disposed.</summary>
internal sealed class BorrowedHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override void Dispose(bool disposing)
    {
        // The inner handler belongs to whoever passed it in.
    }
}

internal static class Transient
{
    /// <summary>A failure worth retrying later with the same request: no answer, a timeout, or 408/429/5xx.</summary>
    public static bool Is(Exception error, CancellationToken ct) => error switch
    {
        ChatApiException api => api.IsTransient,
        HttpRequestException or IOException or System.Net.WebSockets.WebSocketException => true,
        OperationCanceledException => !ct.IsCancellationRequested,
        _ => false,
    };
}
