using ServerlessChat.Core.Domain;

namespace ServerlessChat.Tests.Storage;

// Profiles as the user store keeps them: a display name, a status and an avatar, changed in one write.
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

        var update = await Stores.Users.UpdateProfileAsync(user.Id, new ProfileChange(prefix + " Renamed", true, status), at, default);
        Assert.NotNull(update);
        Assert.Equal(user, update.Before);
        var changed = update.After;
        Assert.Equal((prefix + " Renamed", status, at), (changed.DisplayName, changed.Status, changed.UpdatedAt));
        Assert.Equal(changed, await Stores.Users.FindByIdAsync(user.Id, default));
        Assert.Equal(user.Id, Assert.Single(await Stores.Users.SearchByPrefixAsync(prefix + " ren", 10, default)).Id);

        // Nothing named: both stay. A status without emoji or end is kept as such.
        var kept = (await Stores.Users.UpdateProfileAsync(user.Id, new ProfileChange(null, false, null), at, default))!.After;
        Assert.Equal((prefix + " Renamed", status), (kept.DisplayName, kept.Status));
        var plain = new UserStatus("here", null, null);
        Assert.Equal(plain, (await Stores.Users.UpdateProfileAsync(user.Id, new ProfileChange(null, true, plain), at, default))!.After.Status);
        var cleared = (await Stores.Users.UpdateProfileAsync(user.Id, new ProfileChange(null, true, null), at, default))!.After;
        Assert.Null(cleared.Status);
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
            Assert.All(results, r => Assert.NotNull(r));
            var stored = (await Stores.Users.FindByIdAsync(user.Id, default))!;
            var i = int.Parse(stored.DisplayName["name ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(new UserStatus($"status {i}", i % 2 == 0 ? "🎉" : null, null), stored.Status);
        }
    }

    [SkippableFact]
    public async Task AnAvatarIsSetKeptByOtherChangesRemovedWithNullAndGoneWithTheErasure()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var user = await CreateUserAsync();
        var (first, second) = (NewId(), NewId());
        var at = Now().AddSeconds(1);

        var set = (await Stores.Users.UpdateProfileAsync(user.Id, new ProfileChange(null, false, null, true, first), at, default))!;
        Assert.Equal((null, first), (set.Before.AvatarId, set.After.AvatarId));
        Assert.Equal(set.After, await Stores.Users.FindByIdAsync(user.Id, default));
        var renamed = (await Stores.Users.UpdateProfileAsync(user.Id, new ProfileChange("Renamed", true, new UserStatus("x", null, null)), at, default))!;
        Assert.Equal((first, first), (renamed.Before.AvatarId, renamed.After.AvatarId));
        var replaced = (await Stores.Users.UpdateProfileAsync(user.Id, new ProfileChange(null, false, null, true, second), at, default))!;
        Assert.Equal((first, second), (replaced.Before.AvatarId, replaced.After.AvatarId));
        var removed = (await Stores.Users.UpdateProfileAsync(user.Id, new ProfileChange(null, false, null, true, null), at, default))!;
        Assert.Equal((second, null), (removed.Before.AvatarId, removed.After.AvatarId));
        Assert.Null((await Stores.Users.FindByIdAsync(user.Id, default))!.AvatarId);

        await Stores.Users.UpdateProfileAsync(user.Id, new ProfileChange(null, false, null, true, first), at, default);
        await Stores.Users.CompleteErasureAsync(user.Id, at, default);
        Assert.Null((await Stores.Users.FindByIdAsync(user.Id, default))!.AvatarId);
    }

    [SkippableFact]
    public async Task ABurstOfAvatarChangesHandsEachReplacedAvatarToExactlyOneOfThem()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        for (var round = 0; round < 5; round++)
        {
            var user = await CreateUserAsync();
            var avatars = Enumerable.Range(0, 12).Select(_ => NewId()).ToList();
            var results = await Task.WhenAll(avatars.Select(avatar => Task.Run(() =>
                Stores.Users.UpdateProfileAsync(user.Id, new ProfileChange(null, false, null, true, avatar), Now(), default))));

            // The writes form one chain: each replaced the one before it, so every avatar but the last is
            // replaced exactly once, and the first write found none.
            var replaced = results.Select(r => r!.Before.AvatarId).ToList();
            var stored = (await Stores.Users.FindByIdAsync(user.Id, default))!.AvatarId;
            Assert.Single(replaced, r => r is null);
            Assert.Equal(avatars.Where(a => a != stored).Order(StringComparer.Ordinal), replaced.OfType<string>().Order(StringComparer.Ordinal));
        }
    }
}
