using ServerlessChat.Core.Domain;

namespace ServerlessChat.Tests.Storage;

// Profiles as the user store keeps them: a display name and a status, changed in one write.
public abstract partial class StorageContractTests
{
    [SkippableFact]
    public async Task AProfileChangeSetsWhatItNamesKeepsTheRestAndClearsTheStatusOnlyWhenAsked()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var prefix = Unique("prof");
        var user = await CreateUserAsync(prefix + "a");
        var at = Now().AddSeconds(1);
        var status = new UserStatus("on a train", "🚆", at.AddHours(2));

        var changed = await Stores.Users.UpdateProfileAsync(user.Id, new ProfileChange(prefix + " Renamed", true, status), at, default);
        Assert.NotNull(changed);
        Assert.Equal((prefix + " Renamed", status, at), (changed.DisplayName, changed.Status, changed.UpdatedAt));
        Assert.Equal(changed, await Stores.Users.FindByIdAsync(user.Id, default));
        Assert.Equal(user.Id, Assert.Single(await Stores.Users.SearchByPrefixAsync(prefix + " ren", 10, default)).Id);

        // Nothing named: both stay. A status without emoji or end is kept as such.
        var kept = await Stores.Users.UpdateProfileAsync(user.Id, new ProfileChange(null, false, null), at, default);
        Assert.Equal((prefix + " Renamed", status), (kept!.DisplayName, kept.Status));
        var plain = new UserStatus("here", null, null);
        Assert.Equal(plain, (await Stores.Users.UpdateProfileAsync(user.Id, new ProfileChange(null, true, plain), at, default))!.Status);
        var cleared = await Stores.Users.UpdateProfileAsync(user.Id, new ProfileChange(null, true, null), at, default);
        Assert.Null(cleared!.Status);
        Assert.Equal(prefix + " Renamed", cleared.DisplayName);

        Assert.Null(await Stores.Users.UpdateProfileAsync(NewId(), new ProfileChange("x", false, null), at, default));
        Assert.Null(await Stores.Users.UpdateProfileAsync("not-an-id", new ProfileChange("x", false, null), at, default));
        Assert.True(await Stores.Users.BeginErasureAsync(user.Id, at, default));
        Assert.Null(await Stores.Users.UpdateProfileAsync(user.Id, new ProfileChange("back", false, null), at, default));
    }

    [SkippableFact]
    public async Task ABurstOfProfileChangesEndsWithOneOfThemWhole()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var user = await CreateUserAsync();
        for (var round = 0; round < 5; round++)
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() =>
                Stores.Users.UpdateProfileAsync(user.Id, new ProfileChange($"name {i}", true, new UserStatus($"status {i}", i % 2 == 0 ? "🎉" : null, null)), Now(), default))));
            Assert.All(results, Assert.NotNull);
            var stored = (await Stores.Users.FindByIdAsync(user.Id, default))!;
            var i = int.Parse(stored.DisplayName["name ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(new UserStatus($"status {i}", i % 2 == 0 ? "🎉" : null, null), stored.Status);
        }
    }
}
