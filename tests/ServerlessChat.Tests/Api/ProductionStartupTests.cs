using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

public sealed class ProductionStartupTests
{
    [Theory]
    [InlineData("")]
    [InlineData("too-short-secret-key")]
    public async Task ProductionRefusesToStartWithoutAProperSigningKeyAndPrintsNoSecret(string signingKey)
    {
        const string smtpPassword = "smtp-password-that-must-never-be-printed";

        var start = () => StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Auth__JwtSigningKey"] = signingKey,
            ["Email__Smtp__Password"] = smtpPassword,
        });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(start);
        Assert.Contains("Auth:JwtSigningKey", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(smtpPassword, error.Message, StringComparison.Ordinal);
        if (signingKey.Length > 0)
        {
            Assert.DoesNotContain(signingKey, error.Message, StringComparison.Ordinal);
        }
    }
}
