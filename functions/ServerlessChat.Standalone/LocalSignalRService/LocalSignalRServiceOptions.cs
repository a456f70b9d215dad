using System.ComponentModel.DataAnnotations;
using System.Text;
using ServerlessChat.Core.AzureSignalR;

namespace ServerlessChat.Standalone.LocalSignalRService;

/// <summary>
/// Turns this host into a local Azure SignalR Service for the Functions app: set <c>LocalSignalRService:AccessKey</c>
/// and give the Functions app <c>Endpoint=http://localhost:7071;AccessKey=&lt;same key&gt;;Version=1.0;</c>.
/// </summary>
public sealed class LocalSignalRServiceOptions : IValidatableObject
{
    public const string Section = "LocalSignalRService";

    public string? AccessKey { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(AccessKey) || Encoding.UTF8.GetByteCount(AccessKey) < AzureSignalRConnectionString.MinimumAccessKeyBytes)
        {
            yield return new ValidationResult(
                $"LocalSignalRService:AccessKey must be at least {AzureSignalRConnectionString.MinimumAccessKeyBytes} bytes (HS256).", [nameof(AccessKey)]);
        }
    }
}
