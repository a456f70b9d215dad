namespace ServerlessChat.Core.AzureSignalR;

public enum AzureSignalRAuthType
{
    /// <summary>Tokens are signed with the AccessKey of the connection string.</summary>
    AccessKey,
    /// <summary>Tokens come from Microsoft Entra ID for the app's managed identity (<c>AuthType=azure.msi</c>).</summary>
    ManagedIdentity,
}

/// <summary>
/// The parts of an Azure SignalR Service connection string this app uses:
/// <c>Endpoint=https://x.service.signalr.net;AccessKey=...;Version=1.0;</c> or
/// <c>Endpoint=https://x.service.signalr.net;AuthType=azure.msi;ClientId=...;Version=1.0;</c>.
/// </summary>
public sealed record AzureSignalRConnectionString(Uri Endpoint, Uri ClientEndpoint, AzureSignalRAuthType AuthType, string? AccessKey, string? ClientId)
{
    /// <summary>HS256 needs a key of at least 256 bits; the service's own keys are 44 characters.</summary>
    public const int MinimumAccessKeyBytes = 32;

    /// <summary>Parses a connection string; the error message never repeats the key.</summary>
    public static AzureSignalRConnectionString Parse(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new FormatException("The Azure SignalR connection string is empty.");
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var separator = part.IndexOf('=');
            if (separator <= 0)
            {
                throw new FormatException("The Azure SignalR connection string must be a list of key=value pairs separated by ';'.");
            }

            // The access key is base64 and may end in '=', so only the first '=' separates.
            values[part[..separator].Trim()] = part[(separator + 1)..].Trim();
        }

        var endpoint = ParseEndpoint(values, "Endpoint", required: true)!;
        if (values.TryGetValue("Port", out var portText))
        {
            if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new FormatException("The Azure SignalR connection string has an invalid Port.");
            }

            endpoint = new UriBuilder(endpoint) { Port = port }.Uri;
        }

        var clientEndpoint = ParseEndpoint(values, "ClientEndpoint", required: false) ?? endpoint;
        values.TryGetValue("AuthType", out var authType);
        values.TryGetValue("AccessKey", out var accessKey);
        values.TryGetValue("ClientId", out var clientId);

        if (string.Equals(authType, "azure.msi", StringComparison.OrdinalIgnoreCase))
        {
            return new(endpoint, clientEndpoint, AzureSignalRAuthType.ManagedIdentity, null, string.IsNullOrEmpty(clientId) ? null : clientId);
        }

        if (!string.IsNullOrEmpty(authType))
        {
            throw new FormatException("The Azure SignalR connection string names an AuthType this app does not support; use an AccessKey or AuthType=azure.msi.");
        }

        if (string.IsNullOrEmpty(accessKey) || System.Text.Encoding.UTF8.GetByteCount(accessKey) < MinimumAccessKeyBytes)
        {
            throw new FormatException($"The Azure SignalR connection string needs an AccessKey of at least {MinimumAccessKeyBytes} bytes, or AuthType=azure.msi.");
        }

        return new(endpoint, clientEndpoint, AzureSignalRAuthType.AccessKey, accessKey, null);
    }

    /// <summary>Never prints the key: these values end up in logs and exception messages.</summary>
    public override string ToString() => $"Endpoint={Endpoint};AuthType={AuthType}";

    private static Uri? ParseEndpoint(Dictionary<string, string> values, string key, bool required)
    {
        if (!values.TryGetValue(key, out var text) || string.IsNullOrEmpty(text))
        {
            return required ? throw new FormatException($"The Azure SignalR connection string has no {key}.") : null;
        }

        if (!Uri.TryCreate(text.TrimEnd('/'), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query))
        {
            throw new FormatException($"The Azure SignalR connection string's {key} must be an http(s) origin such as https://name.service.signalr.net.");
        }

        return uri;
    }
}
