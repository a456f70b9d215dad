using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Auth;

/// <summary>
/// Lets `dotnet run` work with no setup: in Development only, a missing signing key is generated once and kept
/// beside the database, so tokens survive restarts. Every other environment must be given a key and refuses
/// to start without one (AuthOptions validation).
/// </summary>
internal sealed class DevelopmentSigningKey(IHostEnvironment environment, IOptions<StorageOptions> storage, DataPaths paths) : IPostConfigureOptions<AuthOptions>
{
    public void PostConfigure(string? name, AuthOptions options)
    {
        if (!string.IsNullOrEmpty(options.JwtSigningKey) || !environment.IsDevelopment())
        {
            return;
        }

        var dataDirectory = Path.GetDirectoryName(paths.Resolve(storage.Value.SqlitePath))!;
        Directory.CreateDirectory(dataDirectory);
        var keyFile = Path.Combine(dataDirectory, "jwt-signing.key");
        if (!File.Exists(keyFile))
        {
            File.WriteAllText(keyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        options.JwtSigningKey = File.ReadAllText(keyFile).Trim();
    }
}
