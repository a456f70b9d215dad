using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ServerlessChat.Core.Storage;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Functions;

/// <summary>
/// The Functions app writes nothing inside its own folder: its content root is the deployed package (read-only
/// in Azure), and under func start a new folder there recycles the worker.
/// </summary>
public sealed class DataRootTests
{
    [Fact]
    public async Task EveryPathThatWritesLandsUnderTheDataRootAndNothingUnderTheContentRoot()
    {
        var contentRoot = Directory.CreateTempSubdirectory("serverlesschat-package-").FullName;
        var dataRoot = Directory.CreateTempSubdirectory("serverlesschat-dataroot-").FullName;
        // As in Azure. The tests run as root, whom the bits do not stop, so the assertion below is what counts.
        SetMode(contentRoot, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        try
        {
            // Development with no signing key, and the relative defaults for the database and the mail folder. On
            // SQLite whatever the suite's store: its file is one of the things written.
            var app = await FunctionsAppServices.StartAsync(contentRoot: contentRoot, environment: "Development", settings: new Dictionary<string, string?>
            {
                ["Storage:Provider"] = "Sqlite",
                ["Auth:JwtSigningKey"] = null,
                ["Storage:SqlitePath"] = null,
                ["Email:PickupDirectory"] = null,
                ["Storage:DataRoot"] = dataRoot,
            });
            await using (app)
            {
                var alice = await app.RegisterAsync("root");
                var bob = await app.RegisterAsync("root");
                var (sent, _, _) = await app.InvokeAsync("MessagesFunctions", "SendMessage", FunctionsAppServices.Request(
                    "POST", "/api/messages", $$"""{"receiverId":"{{bob.UserId}}","content":"hello","clientMessageId":"c-1"}""", alice.Token));
                Assert.Equal(HttpStatusCode.Created, sent);
                var (reset, _, _) = await app.InvokeAsync("AuthFunctions", "RequestPasswordReset", FunctionsAppServices.Request(
                    "POST", "/api/auth/password-reset", $$"""{"email":"{{alice.Username}}@example.test"}"""));
                Assert.Equal(HttpStatusCode.Accepted, reset);
                // The email is written by the queue-triggered function that drains the reset queue.
                await app.InvokeQueueFunctionAsync("PasswordResetSend", $$"""{"email":"{{alice.Username}}@example.test"}""");

                Assert.Equal(dataRoot, app.Services.GetRequiredService<DataPaths>().Root);
                Assert.Empty(Directory.EnumerateFileSystemEntries(contentRoot, "*", SearchOption.AllDirectories));
                Assert.True(File.Exists(Path.Combine(dataRoot, "data", "serverlesschat.db")));
                Assert.True(File.Exists(Path.Combine(dataRoot, "data", "jwt-signing.key")));
                Assert.Single(Directory.GetFiles(Path.Combine(dataRoot, "data", "mail"), "*.eml"));
            }
        }
        finally
        {
            SetMode(contentRoot, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.Delete(contentRoot, recursive: true);
            Directory.Delete(dataRoot, recursive: true);
        }
    }

    [Theory]
    [InlineData("WEBSITE_INSTANCE_ID")]
    [InlineData("WEBSITE_SITE_NAME")]
    public void InAzureTheDefaultDataRootIsUnderHomeData(string marker)
    {
        var variables = new Dictionary<string, string?> { [marker] = "x", ["HOME"] = "/home" };

        Assert.Equal("/home/data/serverlesschat", DataPaths.DefaultOutsideTheApp(name => variables.GetValueOrDefault(name)));
    }

    [Fact]
    public void OnAWorkstationTheDefaultDataRootIsTheLocalApplicationDataFolder()
    {
        var expected = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "serverlesschat");

        Assert.Equal(expected, DataPaths.DefaultOutsideTheApp(_ => null));
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }
}
