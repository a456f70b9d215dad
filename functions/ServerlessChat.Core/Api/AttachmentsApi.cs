using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Attachments;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.RateLimiting;

namespace ServerlessChat.Core.Api;

public static class AttachmentsApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(CreateAttachment), HttpMethods.Post, ChatRoutes.Attachments, CreateAttachment, RateLimitPolicy.PerUser, "An upload slot: where and how to send a file's bytes"),
        new(nameof(GetAttachment), HttpMethods.Get, ChatRoutes.AttachmentById, GetAttachment, RateLimitPolicy.PerUser, "A redirect to a fresh signed download URL"),
    ];

    public static async Task<Created<UploadSlotDto>> CreateAttachment(
        Caller caller, JsonBody<CreateAttachmentRequest> body, AttachmentService attachments, CancellationToken ct)
    {
        var slot = await attachments.CreateSlotAsync(caller.UserId, body.Value, ct);
        return TypedResults.Created($"/{ChatRoutes.Prefix}/attachments/{slot.Id}", slot);
    }

    /// <summary>404 unless the caller uploaded it or can see a message that carries it, so ids reveal nothing.</summary>
    public static async Task<RedirectHttpResult> GetAttachment(
        Caller caller, string id, AttachmentService attachments, MessageService messages, CancellationToken ct)
    {
        var attachment = await attachments.FindAsync(id, ct);
        var visible = attachment is not null &&
            (attachment.UploaderId == caller.UserId || (attachment.MessageId is { } messageId && await messages.CanSeeAsync(caller.UserId, messageId, ct)));
        var url = visible ? await attachments.GetDownloadUrlAsync(attachment!, ct) : null;
        return url is null ? throw ProblemException.NotFound("No such attachment.") : TypedResults.Redirect(url);
    }
}
