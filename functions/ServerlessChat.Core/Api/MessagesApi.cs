using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Moderation;
using ServerlessChat.Core.Profiles;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Threads;

namespace ServerlessChat.Core.Api;

public static class MessagesApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(SendMessage), HttpMethods.Post, ChatRoutes.Messages, SendMessage, RateLimitPolicy.PerUser, "Send a direct or group message") { Problems = [StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound] },
        new(nameof(GetMessages), HttpMethods.Get, ChatRoutes.Messages, GetMessages, RateLimitPolicy.PerUser, "A page of a conversation's history, newest first") { Problems = [StatusCodes.Status404NotFound] },
        new(nameof(DeleteMessage), HttpMethods.Delete, ChatRoutes.MessageById, DeleteMessage, RateLimitPolicy.PerUser, "Delete one's own message, as a group admin any message of the group, or as a moderator anyone's (deletedBy: moderation)") { Problems = [StatusCodes.Status403Forbidden] },
        new(nameof(MarkRead), HttpMethods.Post, ChatRoutes.MessagesRead, MarkRead, RateLimitPolicy.PerUser, "Mark a conversation, or with threadId one of its threads, read up to a message") { Problems = [StatusCodes.Status404NotFound] },
        new(nameof(GetConversations), HttpMethods.Get, ChatRoutes.Conversations, GetConversations, RateLimitPolicy.PerUser, "The caller's conversations, latest activity first"),
    ];

    public static async Task<Results<Created<MessageDto>, Ok<MessageDto>>> SendMessage(
        Caller caller, JsonBody<SendMessageRequest> body, MessageService messages, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = await messages.SendAsync(caller.UserId, body.Value, ct);
        await realtime.PublishAsync(outcome.Actions, ct);
        var (message, created) = outcome.Value;
        return created
            ? TypedResults.Created($"/{ChatRoutes.Prefix}/{ChatRoutes.Messages}/{message.Id}", message)
            : TypedResults.Ok(message);
    }

    public static async Task<Ok<MessagePageDto>> GetMessages(
        Caller caller, string? with, string? groupId, string? before, string? limit, MessageService messages, CancellationToken ct) =>
        TypedResults.Ok(await messages.GetHistoryAsync(caller.UserId, with, groupId, before, limit, ct));

    public static async Task<NoContent> DeleteMessage(
        Caller caller, string id, ModerationService moderation, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = await moderation.DeleteMessageAsync(caller.UserId, id, ct);
        await realtime.PublishAsync(outcome.Actions, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<ReadStateDto>> MarkRead(
        Caller caller, JsonBody<MarkReadRequest> body, MessageService messages, ThreadService threads, IRealtimePublisher realtime, CancellationToken ct)
    {
        var outcome = body.Value.ThreadId is null
            ? await messages.MarkReadAsync(caller.UserId, body.Value, ct)
            : await threads.MarkReadAsync(caller.UserId, body.Value, ct);
        await realtime.PublishAsync(outcome.Actions, ct);
        return TypedResults.Ok(outcome.Value);
    }

    public static async Task<Ok<ItemsDto<ConversationDto>>> GetConversations(Caller caller, MessageService messages, AvatarLinks avatars, CancellationToken ct) =>
        TypedResults.Ok(new ItemsDto<ConversationDto>(await avatars.SignAsync((await messages.ListConversationsAsync(caller.UserId, ct)).Items, ct)));
}
