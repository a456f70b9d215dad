using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Messaging.EventGrid;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;
using ServerlessChat.Core.Events;

namespace ServerlessChat.Tests.Events;

/// <summary>
/// The Event Grid sink through the real Azure.Messaging.EventGrid client against a local topic endpoint (Kestrel,
/// HTTPS with a certificate made here): the endpoint checks the CloudEvents batch and validates the bearer token,
/// a real JWT from a local issuer standing in for Microsoft Entra ID (signature, audience, lifetime), and the
/// credential checks the scope the client asked for. What is not real: Entra ID itself and the topic service.
/// </summary>
public sealed class EventGridPublisherTests
{
    private const string Audience = "https://eventgrid.azure.net";

    [Fact]
    public async Task TheSinkPublishesCloudEventsWithABearerTokenForEventGrid()
    {
        using var issuerKey = RSA.Create(2048);
        var credential = new LocalIssuerCredential(issuerKey);
        var batches = new List<JsonArray>();
        var rejectedTokens = 0;
        using var certificate = SelfSigned();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.MapPost("/api/events", async (HttpContext context) =>
        {
            var header = context.Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.Ordinal) || !TokenValid(header["Bearer ".Length..], issuerKey))
            {
                rejectedTokens++;
                return Results.Unauthorized();
            }
            if (context.Request.ContentType?.StartsWith("application/cloudevents-batch+json", StringComparison.Ordinal) != true)
            {
                return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
            }
            var batch = (await JsonNode.ParseAsync(context.Request.Body))!.AsArray();
            lock (batches)
            {
                batches.Add(batch);
            }
            return Results.Ok();
        });
        await app.StartAsync();
        var endpoint = new Uri(app.Urls.Single() + "/api/events");

        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString();
        var options = new EventGridPublisherClientOptions { Transport = new HttpClientTransport(new HttpClient(handler)) };
        options.Retry.MaxRetries = 0;
        var sink = new EventGridSink(new EventGridPublisherClient(endpoint, credential, options), NullLogger<EventGridSink>.Instance);

        var at = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var events = new[]
        {
            new ChatCloudEvent("cursor-1", "/serverlesschat", ChatEventTypes.MessageCreated, "d:a:b", at, new { id = "m1", content = "hello" }),
            new ChatCloudEvent("cursor-2", "/serverlesschat", ChatEventTypes.MessageDeleted, "d:a:b", at.AddMilliseconds(1), new { id = "m1", conversationId = "d:a:b" }),
        };
        Assert.Equal(2, await sink.DeliverAsync(events, default));

        Assert.Equal(0, rejectedTokens);
        Assert.Equal(["https://eventgrid.azure.net/.default"], credential.Scopes.Distinct());
        var batch = Assert.Single(batches);
        Assert.Equal(2, batch.Count);
        for (var i = 0; i < events.Length; i++)
        {
            var sent = batch[i]!.AsObject();
            Assert.Equal("1.0", (string)sent["specversion"]!);
            Assert.Equal(events[i].Id, (string)sent["id"]!);
            Assert.Equal(events[i].Type, (string)sent["type"]!);
            Assert.Equal("d:a:b", (string)sent["subject"]!);
            Assert.Equal("/serverlesschat", (string)sent["source"]!);
            Assert.Equal("application/json", (string)sent["datacontenttype"]!);
            Assert.Equal(events[i].Time, DateTimeOffset.Parse((string)sent["time"]!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal("m1", (string)sent["data"]!["id"]!);
        }

        // A topic that refuses (here: a token for another audience) is a failed delivery, retried later, never an exception.
        var otherAudience = new LocalIssuerCredential(issuerKey) { Audience = "https://management.azure.com" };
        var refused = new EventGridSink(new EventGridPublisherClient(endpoint, otherAudience, options), NullLogger<EventGridSink>.Instance);
        Assert.Equal(0, await refused.DeliverAsync(events, default));
        Assert.Equal(1, rejectedTokens);
    }

    private static bool TokenValid(string token, RSA issuerKey)
    {
        try
        {
            new JwtSecurityTokenHandler().ValidateToken(token, new TokenValidationParameters
            {
                ValidIssuer = LocalIssuerCredential.Issuer,
                ValidAudience = Audience,
                IssuerSigningKey = new RsaSecurityKey(issuerKey.ExportParameters(false)),
                ValidateLifetime = true,
            }, out _);
            return true;
        }
        catch (SecurityTokenException)
        {
            return false;
        }
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        // Kestrel on Linux needs the key in a form it can load, not the ephemeral one.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    /// <summary>Issues real RS256 JWTs for the scope's resource, as Entra ID would for a managed identity.</summary>
    private sealed class LocalIssuerCredential(RSA key) : TokenCredential
    {
        public const string Issuer = "https://login.local.test/tenant/v2.0";

        public List<string> Scopes { get; } = [];

        public string Audience { get; set; } = EventGridPublisherTests.Audience;

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            lock (Scopes)
            {
                Scopes.AddRange(requestContext.Scopes);
            }
            var expires = DateTimeOffset.UtcNow.AddMinutes(10);
            var token = new JwtSecurityTokenHandler().CreateEncodedJwt(new SecurityTokenDescriptor
            {
                Issuer = Issuer,
                Audience = Audience,
                Expires = expires.UtcDateTime,
                Claims = new Dictionary<string, object> { ["oid"] = Guid.NewGuid().ToString(), ["idtyp"] = "app" },
                SigningCredentials = new SigningCredentials(new RsaSecurityKey(key), SecurityAlgorithms.RsaSha256),
            });
            return new AccessToken(token, expires);
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
