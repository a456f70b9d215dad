namespace ServerlessChat.Core.Auth;

/// <summary>A password reset asked for: the address as given (validated). The token is made by the worker, so none waits in a queue.</summary>
public sealed record PasswordResetJob(string Email);

/// <summary>
/// Where <c>POST /api/auth/password-reset</c> leaves its work: an in-process queue in the standalone host, a
/// Storage queue in the Functions app; both drain into <see cref="PasswordResetMailer.HandleAsync"/>.
/// </summary>
public interface IPasswordResetQueue
{
    /// <summary>False when the queue is full and the job was dropped.</summary>
    ValueTask<bool> EnqueueAsync(PasswordResetJob job, CancellationToken ct);
}
