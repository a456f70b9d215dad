using System.ComponentModel.DataAnnotations;

namespace ServerlessChat.Core.AzureSignalR;

public sealed class AzureSignalROptions : IValidatableObject
{
    public const string Section = "AzureSignalR";

    /// <summary>The app setting the Azure Functions SignalR tooling and our Bicep use for the connection string.</summary>
    public const string ConnectionStringSetting = "AzureSignalRConnectionString";

    /// <summary>Taken from <see cref="ConnectionStringSetting"/> when the section does not set it.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>How long a client token from negotiate lets a client (re)connect.</summary>
    [Range(1, 1440)]
    public int ClientTokenMinutes { get; set; } = 60;

    /// <summary>Lifetime of the token on each REST call; short, because each call signs its own.</summary>
    [Range(1, 60)]
    public int RestTokenMinutes { get; set; } = 5;

    public AzureSignalRConnectionString Parsed => AzureSignalRConnectionString.Parse(ConnectionString);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        string? error = null;
        try
        {
            _ = Parsed;
        }
        catch (FormatException exception)
        {
            error = $"{ConnectionStringSetting}: {exception.Message}";
        }

        if (error is not null)
        {
            yield return new ValidationResult(error, [nameof(ConnectionString)]);
        }
    }
}
