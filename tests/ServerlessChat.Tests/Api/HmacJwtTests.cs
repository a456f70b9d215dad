using ServerlessChat.Core.Auth;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

/// <summary>
/// The token checks hold on every presentation of a token, also after the same token validated before and is
/// answered from what the check remembered.
/// </summary>
public sealed class HmacJwtTests
{
    private static readonly AuthOptions Options = new() { JwtSigningKey = StandaloneHost.TestSigningKey, ClockSkewSeconds = 30 };

    [Fact]
    public void ATokenThatValidatedBeforeStillExpiresWithTheClock()
    {
        var clock = new SteppedClock(DateTimeOffset.UtcNow);
        var jwt = new HmacJwt(Options, "tests", clock);
        var token = jwt.Issue("user-1", TimeSpan.FromMinutes(15));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("user-1", jwt.Validate(token));
        }

        clock.Now += TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(29);
        Assert.Equal("user-1", jwt.Validate(token));
        clock.Now += TimeSpan.FromSeconds(2);
        Assert.Null(jwt.Validate(token));
        Assert.Null(jwt.Validate(token));
    }

    [Fact]
    public void AForgedOrForeignTokenFailsAlthoughAValidOneLikeItPassedBefore()
    {
        var clock = new SteppedClock(DateTimeOffset.UtcNow);
        var jwt = new HmacJwt(Options, "tests", clock);
        var other = new HmacJwt(Options, "other audience", clock);
        var token = jwt.Issue("user-1", TimeSpan.FromMinutes(15));
        Assert.Equal("user-1", jwt.Validate(token));

        var signatureStart = token.LastIndexOf('.') + 1;
        var forged = token[..signatureStart] + (token[signatureStart] == 'A' ? 'B' : 'A') + token[(signatureStart + 1)..];
        var parts = token.Split('.');
        var otherPayload = other.Issue("user-2", TimeSpan.FromMinutes(15)).Split('.')[1];

        Assert.Null(jwt.Validate(forged));
        Assert.Null(jwt.Validate($"{parts[0]}.{otherPayload}.{parts[2]}"));
        Assert.Null(jwt.Validate(other.Issue("user-1", TimeSpan.FromMinutes(15))));
        Assert.Null(other.Validate(token));
        Assert.Equal("user-1", jwt.Validate(token));
    }

    private sealed class SteppedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
