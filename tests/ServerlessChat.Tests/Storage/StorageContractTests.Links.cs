using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Tests.Storage;

// Link previews: a message's, and the pages' kept by URL.
public abstract partial class StorageContractTests
{
    private ILinkPreviewStore Previews => (ILinkPreviewStore)Stores.Services.GetService(typeof(ILinkPreviewStore))!;

    [SkippableFact]
    public async Task AMessageTakesItsLinksUntilItIsDeleted()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, alice) = (NewId(), NewId());
        var (message, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "see https://example.com/a"), default);
        Assert.Empty(message.Links);
        LinkPreviewRecord[] links = [new("https://example.com/a", "A title", null, "Example"), new("https://example.com/b", null, "Only a description", null)];

        var updated = await Previews.SetMessageLinksAsync(message.Id, links, default);

        Assert.Equal(links, updated!.Links);
        Assert.Equal(message with { Links = links }, await Stores.Messages.FindByIdAsync(message.Id, default));
        Assert.Equal(links, (await Stores.Messages.GetPageAsync(message.ConversationId, null, 10, default)).Single().Links);

        await Stores.Messages.MarkDeletedAsync(message.Id, Now(), default);
        Assert.Null(await Previews.SetMessageLinksAsync(message.Id, links, default));
        Assert.Null(await Previews.SetMessageLinksAsync(NewId(), links, default));
        Assert.Null(await Previews.SetMessageLinksAsync("nope", links, default));
    }

    [SkippableFact]
    public async Task APagePreviewIsKeptByUrlUntilItExpiresAndTheLastWriterWins()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var url = $"https://example.com/{NewId()}?q=1";
        var now = Now();
        Assert.Null(await Previews.FindAsync(url, now, default));

        await Previews.PutAsync(new LinkPreviewRecord(url, "First", null, null), now.AddMinutes(5), default);
        Assert.Equal(new LinkPreviewRecord(url, "First", null, null), await Previews.FindAsync(url, now, default));
        Assert.Null(await Previews.FindAsync(url, now.AddMinutes(6), default));

        await Previews.PutAsync(new LinkPreviewRecord(url, "Second", "Now with a description", "Site"), now.AddMinutes(10), default);
        Assert.Equal(new LinkPreviewRecord(url, "Second", "Now with a description", "Site"), await Previews.FindAsync(url, now.AddMinutes(6), default));
        Assert.Null(await Previews.FindAsync(url + "&other", now, default));
    }

    [SkippableFact]
    public async Task ConcurrentPreviewsOfOnePageAllLand()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        for (var round = 0; round < 5; round++)
        {
            var url = $"https://example.com/{NewId()}";
            var now = Now();
            await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
                Task.Run(() => Previews.PutAsync(new LinkPreviewRecord(url, $"T{i}", null, null), now.AddMinutes(5), default))));
            Assert.StartsWith("T", (await Previews.FindAsync(url, now, default))!.Title);
        }
    }
}
