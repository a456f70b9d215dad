using ServerlessChat.Core.Api;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Blocking;

/// <summary>Block and unblock. Nothing is announced: the blocked user is not told.</summary>
public sealed class BlockService(IBlockStore store, BlockDirectory blocks, ChatDirectory directory, TimeProvider time)
{
    public async Task BlockAsync(string callerId, string userId, CancellationToken ct)
    {
        var target = await ExistingOtherUserAsync(callerId, userId, ct);
        await store.BlockAsync(callerId, target, time.GetStoredNow(), ct);
        await blocks.ForgetAsync(callerId, ct);
    }

    public async Task UnblockAsync(string callerId, string userId, CancellationToken ct)
    {
        var target = await ExistingOtherUserAsync(callerId, userId, ct);
        await store.UnblockAsync(callerId, target, ct);
        await blocks.ForgetAsync(callerId, ct);
    }

    public async Task<ItemsDto<UserDto>> ListAsync(string callerId, CancellationToken ct)
    {
        var items = new List<UserDto>();
        foreach (var id in await store.ListBlockedAsync(callerId, ct))
        {
            if (await directory.GetUserAsync(id, ct) is { } user)
            {
                items.Add(UserDto.From(user));
            }
        }

        return new ItemsDto<UserDto>(items);
    }

    private async Task<string> ExistingOtherUserAsync(string callerId, string userId, CancellationToken ct)
    {
        var user = await directory.GetUserAsync(userId, ct) ?? throw ProblemException.NotFound("No such user.");
        return user.Id == callerId ? throw ProblemException.Validation("id", "A user cannot block itself.") : user.Id;
    }
}
