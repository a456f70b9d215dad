using ServerlessChat.Core.Events;

namespace ServerlessChat.Tests.Events;

public sealed class EventsOptionsTests
{
    private static readonly string GoodSecret = "whsec_" + Convert.ToBase64String(new byte[32]);

    [Theory]
    [InlineData("ftp://example.test/hook", null)]
    [InlineData("/relative/hook", null)]
    [InlineData("https://user:pass@example.test/hook", null)]
    [InlineData("https://example.test/hook", "not-a-secret")]
    [InlineData("https://example.test/hook", "whsec_c2hvcnQ=")]
    [InlineData("https://example.test/hook", "whsec_!!!!")]
    public void AWebhookWithABadUrlOrSecretIsRefusedAtStart(string url, string? secret)
    {
        var options = new EventsOptions { Webhooks = [new WebhookOptions { Url = url, Secret = secret ?? GoodSecret }] };
        var result = new EventsOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.DoesNotContain(secret ?? GoodSecret, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void GoodWebhooksAnUnknownTypeAndAHookWithoutASecret()
    {
        var validator = new EventsOptionsValidator();
        Assert.True(validator.Validate(null, new EventsOptions
        {
            Webhooks = [new WebhookOptions { Url = "https://example.test/hook", Secret = GoodSecret, Types = ["message.created", "user.deleted"] }],
            BeforeSend = new BeforeSendOptions { Url = "http://127.0.0.1:9/check", Secret = GoodSecret },
        }).Succeeded);
        Assert.True(validator.Validate(null, new EventsOptions
        {
            Webhooks = [new WebhookOptions { Url = "https://example.test/hook", Secret = GoodSecret, Types = ["message.sent"] }],
        }).Failed);
        Assert.True(validator.Validate(null, new EventsOptions { BeforeSend = new BeforeSendOptions { Url = "https://example.test/check" } }).Failed);
    }
}
