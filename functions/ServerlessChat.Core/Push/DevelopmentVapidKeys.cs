using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Push;

/// <summary>
/// In Development only, missing VAPID keys are generated once and kept beside the database (like
/// <see cref="Auth.DevelopmentSigningKey"/>), so browser subscriptions survive restarts. Elsewhere no keys
/// means no push.
/// </summary>
internal sealed class DevelopmentVapidKeys(IHostEnvironment environment, IOptions<StorageOptions> storage, DataPaths paths) : IPostConfigureOptions<PushOptions>
{
    public void PostConfigure(string? name, PushOptions options)
    {
        if (!string.IsNullOrEmpty(options.VapidPublicKey) || !string.IsNullOrEmpty(options.VapidPrivateKey) || !environment.IsDevelopment())
        {
            return;
        }

        var dataDirectory = Path.GetDirectoryName(paths.Resolve(storage.Value.SqlitePath))!;
        Directory.CreateDirectory(dataDirectory);
        var keyFile = Path.Combine(dataDirectory, "vapid.keys");
        if (!File.Exists(keyFile))
        {
            var (publicKey, privateKey) = VapidKeys.Generate();
            File.WriteAllLines(keyFile, [publicKey, privateKey]);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        var lines = File.ReadAllLines(keyFile);
        options.VapidPublicKey = lines[0].Trim();
        options.VapidPrivateKey = lines[1].Trim();
    }
}
