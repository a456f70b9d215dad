using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Tests.Storage;

// Web Push subscriptions and mutes: what every adapter promises.
public abstract partial class StorageContractTests
{
    private static string NewEndpoint() => $"https://push.example/{Guid.NewGuid():N}";

    [SkippableFact]
    public async Task PushSubscriptionsAreManyPerUserAndOnePerEndpoint()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, bob) = (NewId(), NewId());
        var (phone, laptop) = (NewEndpoint(), NewEndpoint());

        await Stores.Push.SaveSubscriptionAsync(new(alice, phone, "k1", "a1", Now()), default);
        await Stores.Push.SaveSubscriptionAsync(new(alice, laptop, "k2", "a2", Now().AddMilliseconds(1)), default);
        Assert.Equal([phone, laptop], (await Stores.Push.ListSubscriptionsAsync(alice, default)).Select(s => s.Endpoint));

        // The same browser subscribing for another user moves the endpoint, with its new keys.
        await Stores.Push.SaveSubscriptionAsync(new(bob, phone, "k3", "a3", Now().AddMilliseconds(2)), default);
        Assert.Equal([laptop], (await Stores.Push.ListSubscriptionsAsync(alice, default)).Select(s => s.Endpoint));
        var moved = Assert.Single(await Stores.Push.ListSubscriptionsAsync(bob, default));
        Assert.Equal((bob, phone, "k3", "a3"), (moved.UserId, moved.Endpoint, moved.P256dh, moved.Auth));
    }

    [SkippableFact]
    public async Task APushSubscriptionIsDeletedOnlyByItsUserOrByItsEndpoint()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, mallory) = (NewId(), NewId());
        var (phone, laptop) = (NewEndpoint(), NewEndpoint());
        await Stores.Push.SaveSubscriptionAsync(new(alice, phone, "k1", "a1", Now()), default);
        await Stores.Push.SaveSubscriptionAsync(new(alice, laptop, "k2", "a2", Now().AddMilliseconds(1)), default);

        await Stores.Push.DeleteSubscriptionAsync(mallory, phone, default);
        Assert.Equal(2, (await Stores.Push.ListSubscriptionsAsync(alice, default)).Count);

        await Stores.Push.DeleteSubscriptionAsync(alice, phone, default);
        await Stores.Push.DeleteSubscriptionAsync(alice, phone, default);
        await Stores.Push.DeleteEndpointAsync(laptop, default);
        await Stores.Push.DeleteEndpointAsync(laptop, default);
        Assert.Empty(await Stores.Push.ListSubscriptionsAsync(alice, default));
    }

    [SkippableFact]
    public async Task MutesAreIdempotentAndPerUserAndConversation()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, bob, group) = (NewId(), NewId(), NewId());
        var direct = ConversationIds.Direct(alice, bob);

        await Stores.Push.MuteAsync(alice, direct, default);
        await Stores.Push.MuteAsync(alice, direct, default);
        Assert.True(await Stores.Push.IsMutedAsync(alice, direct, default));
        Assert.False(await Stores.Push.IsMutedAsync(bob, direct, default));
        Assert.False(await Stores.Push.IsMutedAsync(alice, ConversationIds.Group(group), default));

        await Stores.Push.UnmuteAsync(alice, direct, default);
        await Stores.Push.UnmuteAsync(alice, direct, default);
        Assert.False(await Stores.Push.IsMutedAsync(alice, direct, default));
    }

    [SkippableFact]
    public async Task AUsersMutedConversationsAreListedInIdOrderAndOnlyTheirs()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, bob) = (NewId(), NewId());
        var (direct, group) = (ConversationIds.Direct(alice, bob), ConversationIds.Group(NewId()));
        Assert.Empty(await Stores.Push.ListMutedAsync(alice, default));

        await Stores.Push.MuteAsync(alice, group, default);
        await Stores.Push.MuteAsync(alice, direct, default);
        await Stores.Push.MuteAsync(alice, direct, default);
        await Stores.Push.MuteAsync(bob, group, default);
        Assert.Equal(new[] { direct, group }.Order(StringComparer.Ordinal), await Stores.Push.ListMutedAsync(alice, default));

        await Stores.Push.UnmuteAsync(alice, group, default);
        Assert.Equal([direct], await Stores.Push.ListMutedAsync(alice, default));
        Assert.Equal([group], await Stores.Push.ListMutedAsync(bob, default));
    }
}
