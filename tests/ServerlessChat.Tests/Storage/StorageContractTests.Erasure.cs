using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Tests.Storage;

// Account erasure as the user store records it: asked for once, listed until done, then the names are free.
public abstract partial class StorageContractTests
{
    [SkippableFact]
    public async Task AnErasureIsRecordedOnceListedUntilCompleteAndThenFreesTheNames()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var prefix = Unique("erase");
        var externalId = Unique("ext|");
        var user = NewUser(prefix + "x", displayName: prefix + " Shown") with { ExternalId = externalId };
        Assert.Equal(CreateUserOutcome.Created, await Stores.Users.CreateAsync(user, default));
        var asked = Now();
        Assert.True(await Stores.Users.BeginErasureAsync(user.Id, asked, default));
        Assert.True(await Stores.Users.BeginErasureAsync(user.Id, asked.AddSeconds(5), default));
        Assert.False(await Stores.Users.BeginErasureAsync(NewId(), asked, default));
        Assert.False(await Stores.Users.BeginErasureAsync("not-an-id", asked, default));

        var erasing = (await Stores.Users.FindByIdAsync(user.Id, default))!;
        Assert.Equal(asked, erasing.ErasureRequestedAt);
        Assert.False(erasing.Erased);
        Assert.True(erasing.IsErased);
        Assert.Contains(user.Id, await Stores.Users.ListErasingAsync(10_000, default));
        // Being erased is enough to leave search, by username and by display name.
        Assert.Empty(await Stores.Users.SearchByPrefixAsync(prefix, 10, default));

        var done = asked.AddSeconds(1);
        await Stores.Users.CompleteErasureAsync(user.Id, done, default);
        await Stores.Users.CompleteErasureAsync(user.Id, done.AddSeconds(1), default);
        var erased = (await Stores.Users.FindByIdAsync(user.Id, default))!;
        Assert.True(erased.Erased);
        Assert.Equal(asked, erased.ErasureRequestedAt);
        Assert.Equal(UserRecord.ErasedUsername(user.Id), erased.Username);
        Assert.Equal(UserRecord.ErasedDisplayName, erased.DisplayName);
        Assert.Equal("", erased.PasswordHash);
        Assert.DoesNotContain(user.Email, erased.Email, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(done, erased.UpdatedAt);
        Assert.DoesNotContain(user.Id, await Stores.Users.ListErasingAsync(10_000, default));
        Assert.Null(await Stores.Users.FindByUsernameAsync(user.Username, default));
        Assert.Null(await Stores.Users.FindByEmailAsync(user.Email, default));
        // The external identity is let go too: that person signing in again is a new user, not the erased one.
        Assert.Null(await Stores.Users.FindByExternalIdAsync(externalId, default));
        Assert.Null(erased.ExternalId);
        Assert.Equal(erased, await Stores.Users.FindByUsernameAsync(UserRecord.ErasedUsername(user.Id), default));

        // The freed username and email can be registered again, by someone else.
        var again = NewUser(user.Username, user.Email);
        Assert.Equal(CreateUserOutcome.Created, await Stores.Users.CreateAsync(again, default));
        Assert.Equal(again.Id, Assert.Single(await Stores.Users.SearchByPrefixAsync(prefix, 10, default)).Id);

        // A later request changes nothing and lists nothing.
        Assert.True(await Stores.Users.BeginErasureAsync(user.Id, done.AddSeconds(9), default));
        Assert.Equal(erased, await Stores.Users.FindByIdAsync(user.Id, default));
        Assert.DoesNotContain(user.Id, await Stores.Users.ListErasingAsync(10_000, default));
    }

    [SkippableFact]
    public async Task ABurstOfErasureRequestsAndCompletionsEndsErasedOnceWithTheFirstRequestTime()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        for (var round = 0; round < 5; round++)
        {
            var user = await CreateUserAsync();
            var first = Now();
            Assert.True(await Stores.Users.BeginErasureAsync(user.Id, first, default));
            await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
            {
                if (i % 3 == 0)
                {
                    await Stores.Users.CompleteErasureAsync(user.Id, first.AddSeconds(1), default);
                }
                else
                {
                    Assert.True(await Stores.Users.BeginErasureAsync(user.Id, first.AddSeconds(i), default));
                }
            })));

            var stored = (await Stores.Users.FindByIdAsync(user.Id, default))!;
            Assert.True(stored.Erased);
            Assert.Equal(first, stored.ErasureRequestedAt);
            Assert.Equal(UserRecord.ErasedUsername(user.Id), stored.Username);
            Assert.DoesNotContain(user.Id, await Stores.Users.ListErasingAsync(10_000, default));
        }
    }
}
