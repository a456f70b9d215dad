using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ServerlessChat.Core.Assistant;

/// <summary>
/// Sets the assistant up at start, so a misconfiguration stops the app at once instead of at the first message:
/// the host must supply a queue, and the account must exist (or be creatable) under the configured username.
/// Registered after the storage, whose schema is in place by then.
/// </summary>
public sealed class AssistantStartup(AssistantAccount account, IServiceProvider services, IOptions<AssistantOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        _ = services.GetService<IAssistantQueue>()
            ?? throw new InvalidOperationException("The assistant is enabled but this host registers no IAssistantQueue.");
        await account.GetUserIdAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
