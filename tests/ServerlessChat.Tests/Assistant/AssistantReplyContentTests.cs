using ServerlessChat.Core.Assistant;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Tests.Assistant;

public sealed class AssistantReplyContentTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \r\n\u0000 ")]
    public void NothingPrintableGivesNoContent(string? text) => Assert.Null(AssistantResponder.ToMessageContent(text));

    [Fact]
    public void ControlCharactersOtherThanNewlineAndTabAreRemovedAndTheTextIsTrimmedAndNfc() =>
        Assert.Equal("Caf\u00e9\nsoon\tnow", AssistantResponder.ToMessageContent("\u001b \u0007Cafe\u0301\r\nsoon\tnow\u0085  "));

    [Fact]
    public void ALongAnswerIsCutWithoutSplittingASurrogatePair()
    {
        var text = new string('a', InputRules.MaxContentLength - 1) + "\U0001F600" + "tail";

        var content = AssistantResponder.ToMessageContent(text)!;

        Assert.Equal(InputRules.MaxContentLength - 1, content.Length);
        Assert.False(char.IsHighSurrogate(content[^1]));
    }

    [Fact]
    public void TheReplyIdFitsTheClientMessageIdRules()
    {
        var rules = new InputRules();
        Assert.NotNull(rules.ClientMessageId("clientMessageId", AssistantResponder.ReplyClientMessageId("0123456789abcdef01234567")));
        Assert.False(rules.HasErrors);
    }
}
