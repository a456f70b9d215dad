using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit;

namespace ServerlessChat.Tests.Infra;

/// <summary>
/// Compiles infra/main.bicep once with the Bicep CLI from the Azure.Bicep.CommandLine.linux-x64
/// NuGet package and exposes the ARM JSON, with the resources of every nested module template.
/// </summary>
public sealed class BicepBuildFixture
{
    private const string BicepPackageId = "azure.bicep.commandline.linux-x64";
    private const string PreferredBicepVersion = "0.49.2";
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    private readonly JsonObject? _template;
    private readonly List<ArmTemplate> _templates = [];
    private readonly List<ArmResource> _resources = [];

    public BicepBuildFixture()
    {
        RepoRoot = FindRepoRoot();
        BicepPath = FindBicep();
        (ExitCode, Stdout, Stderr) = Run(BicepPath, RepoRoot, "build", Path.Combine("infra", "main.bicep"), "--stdout");

        if (ExitCode == 0)
        {
            _template = JsonNode.Parse(Stdout) as JsonObject;
        }

        if (_template is not null)
        {
            Collect(_template, "main", _templates, _resources);
        }
    }

    public string RepoRoot { get; }

    public string BicepPath { get; }

    public int ExitCode { get; }

    public string Stdout { get; }

    public string Stderr { get; }

    /// <summary>The compiled main template; throws with the CLI's output when the build failed.</summary>
    public JsonObject Template =>
        _template ?? throw new InvalidOperationException(
            $"bicep build exited with {ExitCode} and no template.{Environment.NewLine}{Stderr}");

    /// <summary>The main template and every nested deployment template, by path.</summary>
    public IReadOnlyList<ArmTemplate> Templates => _templates;

    /// <summary>Every resource of every template, nested deployments included.</summary>
    public IReadOnlyList<ArmResource> Resources => _resources;

    public IReadOnlyList<ArmResource> OfType(string type) =>
        Resources.Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase)).ToList();

    private static void Collect(JsonObject template, string path, List<ArmTemplate> templates, List<ArmResource> resources)
    {
        var armTemplate = new ArmTemplate(path, template);
        templates.Add(armTemplate);

        // languageVersion 2.0 keys resources by symbolic name; 1.0 lists them.
        IEnumerable<(string? Symbol, JsonNode? Node)> entries = template["resources"] switch
        {
            JsonArray array => array.Select(node => ((string?)null, node)),
            JsonObject map => map.Select(pair => ((string?)pair.Key, pair.Value)),
            _ => [],
        };

        foreach (var (symbol, node) in entries)
        {
            if (node is not JsonObject resource)
            {
                continue;
            }

            resources.Add(new ArmResource(armTemplate, symbol, resource));

            if (resource["properties"] is JsonObject properties && properties["template"] is JsonObject nested)
            {
                var name = resource["name"]?.ToString() ?? symbol ?? "?";
                Collect(nested, $"{path}/{name}", templates, resources);
            }
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ServerlessChat.sln")) ||
                File.Exists(Path.Combine(dir.FullName, "ServerlessChat.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds ServerlessChat.sln.");
    }

    private static string FindBicep()
    {
        var packagesRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrWhiteSpace(packagesRoot))
        {
            packagesRoot = Path.Combine(
                Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }

        var packageDir = Path.Combine(packagesRoot, BicepPackageId);
        if (!Directory.Exists(packageDir))
        {
            throw new InvalidOperationException(
                $"{packageDir} does not exist: restore the test project (it references {BicepPackageId}).");
        }

        // The pinned version first, then the newest one restored, in case the pin moves.
        var versionDirs = Directory.GetDirectories(packageDir)
            .OrderByDescending(d => Path.GetFileName(d) == PreferredBicepVersion)
            .ThenByDescending(d => Version.TryParse(Path.GetFileName(d), out var v) ? v : new Version(0, 0));

        foreach (var versionDir in versionDirs)
        {
            var candidate = Path.Combine(versionDir, "tools", "bicep");
            if (!File.Exists(candidate))
            {
                candidate = Directory.EnumerateFiles(versionDir, "bicep", SearchOption.AllDirectories).FirstOrDefault() ?? "";
            }

            if (File.Exists(candidate))
            {
                EnsureExecutable(candidate);
                return candidate;
            }
        }

        throw new InvalidOperationException($"No bicep executable under {packageDir}.");
    }

    // NuGet extraction does not always keep the executable bit of package content.
    private static void EnsureExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        var mode = File.GetUnixFileMode(path);
        if ((mode & execute) != execute)
        {
            File.SetUnixFileMode(path, mode | execute);
        }
    }

    private static (int ExitCode, string Stdout, string Stderr) Run(string fileName, string workingDirectory, params string[] args)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start {fileName}.");

        // Both pipes drain at once so neither can fill up and stall the other.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(BuildTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} ran longer than {BuildTimeout}.");
        }

        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}

public sealed record ArmTemplate(string Path, JsonObject Json)
{
    public JsonObject Variables => Json["variables"] as JsonObject ?? [];

    public JsonObject Outputs => Json["outputs"] as JsonObject ?? [];

    public JsonObject Parameters => Json["parameters"] as JsonObject ?? [];
}

public sealed record ArmResource(ArmTemplate Template, string? Symbol, JsonObject Json)
{
    public string Type => Json["type"]?.ToString() ?? "";

    public string Name => Json["name"]?.ToString() ?? "";

    public string? Condition => Json["condition"]?.ToString();

    public JsonObject Properties => Json["properties"] as JsonObject ?? [];

    public string? Property(params string[] path)
    {
        ArgumentNullException.ThrowIfNull(path);
        JsonNode? node = Json;
        foreach (var step in path)
        {
            // Expressions stand where objects may be expected: they have no members.
            node = node is JsonObject member ? member[step] : null;
        }

        return node?.ToString();
    }
}

public sealed class BicepTemplateTests(BicepBuildFixture fixture) : IClassFixture<BicepBuildFixture>
{
    private const string KeyVaultReference = "@Microsoft.KeyVault(SecretUri=";

    private static readonly string[] ExpectedCollections =
        ["attachments", "auditLog", "blocks", "changeConsumers", "changeCounters", "changes", "conversations", "groups", "inviteSlots", "invites", "linkPreviews", "messages", "mutes", "pins", "presence", "pushSubscriptions", "rateLimits", "reactions", "readMarkers", "refreshTokens", "reports", "resetTokens", "roles", "sessions", "suspensions", "threadMembers", "users"];

    [Fact]
    public void MainTemplateBuildsWithoutWarningsOrErrors()
    {
        Assert.True(fixture.ExitCode == 0, $"bicep build exited with {fixture.ExitCode}:{Environment.NewLine}{fixture.Stderr}");
        Assert.DoesNotContain("warning", fixture.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("error", fixture.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(
            "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            fixture.Template["$schema"]?.ToString());
    }

    [Fact]
    public void EveryModuleIsALocalNestedTemplate()
    {
        var deployments = fixture.OfType("Microsoft.Resources/deployments");

        Assert.NotEmpty(deployments);
        Assert.All(deployments, d => Assert.IsType<JsonObject>(d.Json["properties"]?["template"]));
        Assert.Contains(fixture.Templates, t => t.Path != "main");
    }

    [Theory]
    [InlineData("Microsoft.ManagedIdentity/userAssignedIdentities")]
    [InlineData("Microsoft.Web/serverfarms")]
    [InlineData("Microsoft.Web/sites")]
    [InlineData("Microsoft.Web/sites/config")]
    [InlineData("Microsoft.Web/sites/basicPublishingCredentialsPolicies")]
    [InlineData("Microsoft.Storage/storageAccounts")]
    [InlineData("Microsoft.SignalRService/signalR")]
    [InlineData("Microsoft.DocumentDB/databaseAccounts")]
    [InlineData("Microsoft.DocumentDB/databaseAccounts/mongodbDatabases")]
    [InlineData("Microsoft.DocumentDB/databaseAccounts/mongodbDatabases/collections")]
    [InlineData("Microsoft.KeyVault/vaults")]
    [InlineData("Microsoft.KeyVault/vaults/secrets")]
    [InlineData("Microsoft.Insights/components")]
    [InlineData("Microsoft.OperationalInsights/workspaces")]
    [InlineData("Microsoft.Authorization/roleAssignments")]
    [InlineData("Microsoft.CognitiveServices/accounts")]
    [InlineData("Microsoft.CognitiveServices/accounts/deployments")]
    [InlineData("Microsoft.Cache/redis")]
    public void TemplateDeclaresResourceType(string type)
    {
        Assert.NotEmpty(fixture.OfType(type));
    }

    [Fact]
    public void AttachmentsHaveAPrivateContainerBrowserCorsAndADailyRuleForUploadsNeverAttached()
    {
        var containers = fixture.OfType("Microsoft.Storage/storageAccounts/blobServices/containers").Select(c => c.Json.ToJsonString()).ToList();
        Assert.Contains(containers, c => c.Contains("attachmentsContainerName", StringComparison.Ordinal));
        var blobService = Assert.Single(fixture.OfType("Microsoft.Storage/storageAccounts/blobServices")).Json.ToJsonString();
        Assert.Contains("x-ms-blob-type", blobService, StringComparison.Ordinal);
        Assert.Contains("PUT", blobService, StringComparison.Ordinal);
        var lifecycle = Assert.Single(fixture.OfType("Microsoft.Storage/storageAccounts/managementPolicies")).Json.ToJsonString();
        Assert.Contains("/uploads/", lifecycle, StringComparison.Ordinal);
        Assert.Contains("daysAfterModificationGreaterThan", lifecycle, StringComparison.Ordinal);
    }

    [Fact]
    public void PlanIsFlexConsumptionOnLinux()
    {
        var plan = Assert.Single(fixture.OfType("Microsoft.Web/serverfarms"));

        Assert.Equal("FC1", plan.Property("sku", "name"));
        Assert.Equal("FlexConsumption", plan.Property("sku", "tier"));
        Assert.Equal("true", plan.Property("properties", "reserved"), ignoreCase: true);
    }

    [Fact]
    public void FunctionAppRunsDotnetIsolatedTenOnFlexConsumption()
    {
        var app = FunctionApp();

        Assert.Equal("functionapp,linux", app.Property("kind"));
        Assert.Equal("dotnet-isolated", app.Property("properties", "functionAppConfig", "runtime", "name"));
        Assert.Equal("10.0", app.Property("properties", "functionAppConfig", "runtime", "version"));
        Assert.Equal("blobContainer", app.Property("properties", "functionAppConfig", "deployment", "storage", "type"));
        Assert.Equal(
            "UserAssignedIdentity",
            app.Property("properties", "functionAppConfig", "deployment", "storage", "authentication", "type"));
    }

    [Fact]
    public void FunctionAppIsHttpsOnlyWithTls12AndNoFtps()
    {
        var app = FunctionApp();

        Assert.Equal("true", app.Property("properties", "httpsOnly"), ignoreCase: true);
        Assert.Equal("1.2", app.Property("properties", "siteConfig", "minTlsVersion"));
        Assert.Equal("Disabled", app.Property("properties", "siteConfig", "ftpsState"));
        Assert.NotNull(app.Property("properties", "siteConfig", "cors", "allowedOrigins"));
    }

    [Fact]
    public void BasicPublishingCredentialsAreDisabledForFtpAndScm()
    {
        var policies = fixture.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies");

        Assert.Equal(2, policies.Count);
        Assert.All(policies, p => Assert.Equal("false", p.Property("properties", "allow"), ignoreCase: true));
        Assert.Contains(policies, p => p.Name.Contains("'ftp'", StringComparison.Ordinal));
        Assert.Contains(policies, p => p.Name.Contains("'scm'", StringComparison.Ordinal));
    }

    [Fact]
    public void FunctionAppRunsAsUserAssignedIdentityThatResolvesKeyVaultReferences()
    {
        var app = FunctionApp();

        Assert.Equal("UserAssigned", app.Property("identity", "type"));
        Assert.NotNull(app.Property("properties", "keyVaultReferenceIdentity"));
        Assert.Contains("azd-service-name", fixture.Template.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void HostStorageIsReachedWithTheManagedIdentity()
    {
        var settings = AppSettings();

        Assert.Equal("managedidentity", Setting(settings, "AzureWebJobsStorage__credential"));
        Assert.NotNull(Setting(settings, "AzureWebJobsStorage__clientId"));
        Assert.NotNull(Setting(settings, "AzureWebJobsStorage__blobServiceUri"));
        Assert.DoesNotContain(settings, pair => pair.Key == "AzureWebJobsStorage");
    }

    [Fact]
    public void StorageAccountsRefuseSharedKeysAndOldTls()
    {
        var accounts = fixture.OfType("Microsoft.Storage/storageAccounts");

        Assert.Equal(2, accounts.Count);
        Assert.All(accounts, storage =>
        {
            Assert.Equal("false", storage.Property("properties", "allowSharedKeyAccess"), ignoreCase: true);
            Assert.Equal("false", storage.Property("properties", "allowBlobPublicAccess"), ignoreCase: true);
            Assert.Equal("TLS1_2", storage.Property("properties", "minimumTlsVersion"));
            Assert.Equal("true", storage.Property("properties", "supportsHttpsTrafficOnly"), ignoreCase: true);
        });
    }

    [Fact]
    public void TheWebClientHasAStorageAccountOfItsOwnWhoseWebEndpointIsAnOutput()
    {
        var web = Assert.Single(fixture.Templates, t => t.Path.Contains("'web-{0}'", StringComparison.Ordinal));
        Assert.Contains("primaryEndpoints.web", web.Outputs.ToJsonString(), StringComparison.Ordinal);
        var account = Assert.Single(fixture.Resources, r => r.Template == web && r.Type == "Microsoft.Storage/storageAccounts");
        Assert.Equal("StorageV2", account.Property("kind"));
        Assert.Contains("origin", web.Outputs.Select(o => o.Key));

        var outputs = fixture.Template["outputs"]!.AsObject();
        Assert.Contains("WEB_CLIENT_URI", outputs.Select(o => o.Key));
        Assert.Contains("AZURE_WEB_STORAGE_ACCOUNT_NAME", outputs.Select(o => o.Key));
        Assert.Contains("endpoint", outputs["WEB_CLIENT_URI"]!["value"]!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheApiAndSignalRAllowTheWebClientsOrigin()
    {
        // main passes union([web origin], corsAllowedOrigins) to both modules; each puts it into its CORS.
        var modules = fixture.OfType("Microsoft.Resources/deployments");
        foreach (var name in new[] { "functionapp-", "signalr-" })
        {
            var module = Assert.Single(modules, m => m.Name.Contains(name, StringComparison.Ordinal));
            var origins = ModuleParameter(module, "corsAllowedOrigins");
            Assert.StartsWith("[union(createArray(reference(resourceId('Microsoft.Resources/deployments', format('web-{0}'", origins, StringComparison.Ordinal);
            Assert.Contains(".outputs.origin.value), parameters('corsAllowedOrigins'))]", origins, StringComparison.Ordinal);
        }

        var app = FunctionApp();
        var cors = app.Json["properties"]?["siteConfig"]?["cors"];
        Assert.Equal("[parameters('corsAllowedOrigins')]", cors?["allowedOrigins"]?.ToString());
    }

    [Fact]
    public void TheResetEmailLinksToTheWebClientsResetPageByDefault()
    {
        var module = Assert.Single(fixture.OfType("Microsoft.Resources/deployments"), m => m.Name.Contains("functionapp-", StringComparison.Ordinal));
        var reset = ModuleParameter(module, "emailResetUrlBase");

        Assert.Contains("empty(parameters('emailResetUrlBase'))", reset, StringComparison.Ordinal);

        Assert.Contains("outputs.endpoint.value", reset, StringComparison.Ordinal);
        Assert.Contains("reset-password/", reset, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDeployerMayPublishTheWebClientAndNothingElseInItsAccount()
    {
        // Storage Blob Data Contributor, scoped to the web client's account, for the deploying principal.
        var assignments = fixture.OfType("Microsoft.Authorization/roleAssignments");
        var publisher = Assert.Single(assignments, a => a.Json.ToJsonString().Contains("storageBlobDataContributor", StringComparison.Ordinal));
        Assert.Contains("ba92f5b4-2d11-453d-a403-e96b0029c9fe", publisher.Template.Json["variables"]?["roles"]?["storageBlobDataContributor"]?.ToString(), StringComparison.Ordinal);
        var json = publisher.Json.ToJsonString();
        Assert.Contains("webStorageAccountName", json, StringComparison.Ordinal);
        Assert.Contains("deployerPrincipalId", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Auth__JwtSigningKey")]
    [InlineData("Storage__MongoConnectionString")]
    [InlineData("AzureSignalRConnectionString")]
    [InlineData("Redis__ConnectionString")]
    [InlineData("Push__VapidPrivateKey")]
    public void SecretSettingsAreKeyVaultReferences(string name)
    {
        var value = Setting(AppSettings(), name);

        Assert.NotNull(value);
        Assert.Contains(KeyVaultReference, value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Storage__Provider", "MongoDb")]
    [InlineData("Storage__MongoDatabase", null)]
    [InlineData("APPLICATIONINSIGHTS_CONNECTION_STRING", null)]
    [InlineData("Assistant__Endpoint", null)]
    [InlineData("Assistant__Deployment", null)]
    [InlineData("Assistant__ManagedIdentityClientId", null)]
    [InlineData("Email__ResetUrlBase", null)]
    [InlineData("Sync__RetentionDays", null)]
    [InlineData("Push__VapidPublicKey", null)]
    public void FunctionAppGetsSetting(string name, string? expected)
    {
        var value = Setting(AppSettings(), name);

        Assert.NotNull(value);
        if (expected is not null)
        {
            Assert.Equal(expected, value);
        }
    }

    [Fact]
    public void SignalRIsServerlessWithConnectionUpstreamToTheFunctionApp()
    {
        var signalR = Assert.Single(fixture.OfType("Microsoft.SignalRService/signalR"));

        Assert.Equal("SignalR", signalR.Property("kind"));
        var features = Assert.IsType<JsonArray>(signalR.Properties["features"]);
        Assert.Contains(
            features,
            f => f?["flag"]?.ToString() == "ServiceMode" && f["value"]?.ToString() == "Serverless");

        var templates = Assert.IsType<JsonArray>(signalR.Properties["upstream"]?["templates"]);
        var upstream = Assert.IsType<JsonObject>(Assert.Single(templates));
        // format() doubles the braces that SignalR fills in at run time.
        var url = upstream["urlTemplate"]?.ToString() ?? "";
        Assert.StartsWith("[format('https://{0}/api/signalr/", url, StringComparison.Ordinal);
        Assert.Contains("/api/signalr/{{hub}}/{{category}}/{{event}}'", url, StringComparison.Ordinal);
        Assert.Equal("chat", upstream["hubPattern"]?.ToString());
        Assert.Equal("connections", upstream["categoryPattern"]?.ToString());
        Assert.Equal("connected,disconnected", upstream["eventPattern"]?.ToString());
    }

    [Fact]
    public void CosmosAccountIsMongoWithTls12()
    {
        var account = Assert.Single(fixture.OfType("Microsoft.DocumentDB/databaseAccounts"));

        Assert.Equal("MongoDB", account.Property("kind"));
        Assert.Equal("Tls12", account.Property("properties", "minimalTlsVersion"));
        Assert.Contains("EnableMongo", account.Property("properties", "capabilities"), StringComparison.Ordinal);
    }

    [Fact]
    public void CosmosServerSideRetryIsAParameterThatDefaultsOn()
    {
        var account = Assert.Single(fixture.OfType("Microsoft.DocumentDB/databaseAccounts"));

        // The capability is chosen by the serverSideRetry parameter, which main.bicep sets from cosmosServerSideRetry (true).
        Assert.Contains("DisableRateLimitingResponses", account.Property("properties", "capabilities"), StringComparison.Ordinal);
        Assert.Contains("serverSideRetry", account.Property("properties", "capabilities"), StringComparison.Ordinal);
        Assert.True((bool)fixture.Template["parameters"]!["cosmosServerSideRetry"]!["defaultValue"]!);
    }

    [Fact]
    public void MessagesAreShardedByConversationWithIdempotentSends()
    {
        var messages = Collection("messages");

        Assert.Equal("Hash", messages.Property("properties", "resource", "shardKey", "conversationId"));
        var indexes = Indexes(messages);
        Assert.Contains(indexes, i => i.Keys == "conversationId,_id" && !i.Unique);
        Assert.Contains(indexes, i => i.Keys == "conversationId,sender,dedupeKey" && i.Unique);
    }

    [Fact]
    public void UsernamesAndEmailsAreUniqueIgnoringCase()
    {
        var indexes = Indexes(Collection("users"));

        Assert.Contains(indexes, i => i.Keys == "usernameLower" && i.Unique);
        Assert.Contains(indexes, i => i.Keys == "emailLower" && i.Unique);
        Assert.Contains(indexes, i => i.Keys == "_id" && !i.Unique);
    }

    [Fact]
    public void EveryCollectionTheAppUsesIsDeclared()
    {
        var names = new List<string>();
        foreach (var collection in fixture.OfType("Microsoft.DocumentDB/databaseAccounts/mongodbDatabases/collections"))
        {
            // A copy loop over a variable declares one collection per item's name.
            var loop = collection.Property("copy", "count");
            var loopVariable = loop is null ? null : Regex.Match(loop, @"variables\('([^']+)'\)");
            if (loopVariable is { Success: true })
            {
                var items = Assert.IsType<JsonArray>(collection.Template.Variables[loopVariable.Groups[1].Value]);
                names.AddRange(items.Select(i => i?["name"]?.ToString() ?? ""));
            }
            else
            {
                names.Add(collection.Property("properties", "resource", "id") ?? "");
            }
        }

        Assert.Equal(ExpectedCollections, names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TheChangeLogIsShardedByConversationReadByTimeAndExpiresOnTheCosmosTimestampAfterTheSyncRetention()
    {
        var changes = Collection("changes");

        Assert.Equal("Hash", changes.Property("properties", "resource", "shardKey", "conversationId"));
        var indexes = Indexes(changes);
        Assert.Contains(indexes, i => i.Keys == "conversationId,at" && !i.Unique);
        Assert.Contains(indexes, i => i.Keys == "_ts");
        Assert.DoesNotContain(indexes, i => i.Keys.Contains("expiresAt", StringComparison.Ordinal));
        Assert.Contains("changeLogTtlSeconds", changes.Property("properties", "resource", "indexes"), StringComparison.Ordinal);
        var cosmos = Assert.Single(fixture.OfType("Microsoft.Resources/deployments"), d => d.Name.Contains("cosmos-mongo", StringComparison.Ordinal));
        Assert.Contains("syncRetentionDays", ModuleParameter(cosmos, "changeLogTtlSeconds"), StringComparison.Ordinal);
        Assert.Contains("86400", ModuleParameter(cosmos, "changeLogTtlSeconds"), StringComparison.Ordinal);
    }

    [Fact]
    public void AttachmentsAreIndexedByMessageAndByStateAsTheInitializerIndexesThem()
    {
        var indexes = Indexes(Collection("attachments"));

        Assert.Contains(indexes, i => i.Keys == "messageId,_id");
        Assert.Contains(indexes, i => i.Keys == "messageId,createdAt");
        Assert.Contains(indexes, i => i.Keys == "state,_id");
    }

    [Theory]
    [InlineData("refreshTokens")]
    [InlineData("resetTokens")]
    [InlineData("sessions")]
    [InlineData("rateLimits")]
    public void ExpiringCollectionHasTtlOnTheCosmosTimestampField(string name)
    {
        // Cosmos DB for MongoDB honours TTL only on _ts (time of the last write); a TTL index on a
        // field such as expiresAt would be refused, so none may be declared.
        var loop = Assert.Single(
            fixture.OfType("Microsoft.DocumentDB/databaseAccounts/mongodbDatabases/collections"),
            c => c.Json["copy"] is not null);
        var items = Assert.IsType<JsonArray>(loop.Template.Variables["plainCollections"]);
        var item = Assert.Single(items, i => i?["name"]?.ToString() == name);

        Assert.NotEqual("0", item?["ttlSeconds"]?.ToString());
        var indexes = loop.Property("properties", "resource", "indexes") ?? "";
        Assert.Contains("createArray('_ts')", indexes, StringComparison.Ordinal);
        Assert.Contains("'expireAfterSeconds', variables('plainCollections')[copyIndex()].ttlSeconds", indexes, StringComparison.Ordinal);
        Assert.DoesNotContain("expiresAt", loop.Template.Json.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void KeyVaultUsesRbacAndSoftDeleteAndHoldsTheAppSecrets()
    {
        var vault = Assert.Single(fixture.OfType("Microsoft.KeyVault/vaults"), v => v.Json["existing"] is null);
        Assert.Equal("true", vault.Property("properties", "enableRbacAuthorization"), ignoreCase: true);
        Assert.Equal("true", vault.Property("properties", "enableSoftDelete"), ignoreCase: true);

        var secretNames = string.Join('\n', fixture.OfType("Microsoft.KeyVault/vaults/secrets").Select(s => s.Name));
        Assert.Contains("jwt-signing-key", secretNames, StringComparison.Ordinal);
        Assert.Contains("vapid-private-key", secretNames, StringComparison.Ordinal);
        Assert.Contains("listKeys", string.Join('\n', fixture.OfType("Microsoft.KeyVault/vaults/secrets").Select(s => s.Property("properties", "value"))), StringComparison.Ordinal);
    }

    [Fact]
    public void MonitoringUsesWorkspaceBasedApplicationInsights()
    {
        var insights = Assert.Single(fixture.OfType("Microsoft.Insights/components"), c => c.Json["existing"] is null);

        Assert.NotNull(insights.Property("properties", "WorkspaceResourceId"));
        Assert.Single(fixture.OfType("Microsoft.OperationalInsights/workspaces"));
    }

    [Fact]
    public void AlertsWatchTheServerErrorRateAndFailedRealtimePushesInApplicationInsights()
    {
        var alerts = fixture.OfType("Microsoft.Insights/scheduledQueryRules");
        var insights = Assert.Single(fixture.OfType("Microsoft.Insights/components"), c => c.Json["existing"] is null);

        var serverErrors = Assert.Single(alerts, a => a.Property("properties", "criteria", "allOf")?.Contains("resultCode", StringComparison.Ordinal) == true);
        var serverErrorQuery = serverErrors.Properties["criteria"]!["allOf"]![0]!["query"]!.ToString();
        Assert.Contains("toint(resultCode) >= 500", serverErrorQuery, StringComparison.Ordinal);
        Assert.Contains("failedPercent", serverErrorQuery, StringComparison.Ordinal);
        Assert.Equal("failedPercent", serverErrors.Properties["criteria"]!["allOf"]![0]!["metricMeasureColumn"]!.ToString());

        var pushFailures = Assert.Single(alerts, a => a.Property("properties", "criteria", "allOf")?.Contains("chat.realtime.push.failures", StringComparison.Ordinal) == true);
        Assert.Equal("GreaterThan", pushFailures.Properties["criteria"]!["allOf"]![0]!["operator"]!.ToString());

        foreach (var alert in new[] { serverErrors, pushFailures })
        {
            Assert.Equal("true", alert.Property("properties", "enabled"), ignoreCase: true);
            var scope = Assert.Single(alert.Properties["scopes"]!.AsArray())!.ToString();
            Assert.Contains("Microsoft.Insights/components", scope, StringComparison.Ordinal);
            Assert.Same(insights.Template, alert.Template);
        }
    }

    [Fact]
    public void TheFunctionAppSendsTelemetryToTheApplicationInsightsOfTheTemplate()
    {
        var settings = fixture.Templates.SelectMany(t => t.Variables.Select(v => v.Value?.ToString() ?? "")).Concat(
            fixture.OfType("Microsoft.Web/sites").Select(s => s.Json.ToJsonString())).ToList();

        Assert.Contains(settings, s => s.Contains("APPLICATIONINSIGHTS_CONNECTION_STRING", StringComparison.Ordinal));
        var monitoring = fixture.OfType("Microsoft.Resources/deployments").Single(d => d.Name.Contains("monitoring", StringComparison.Ordinal));
        Assert.Contains("connectionString", monitoring.Json.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Microsoft.CognitiveServices/accounts", "deployOpenAi")]
    [InlineData("Microsoft.Cache/redis", "deployRedis")]
    public void OptionalServicesAreDeployedOnlyWhenAskedFor(string type, string switchParameter)
    {
        var resource = Assert.Single(fixture.OfType(type));
        var module = fixture.OfType("Microsoft.Resources/deployments")
            .Single(d => ReferenceEquals(d.Properties["template"], resource.Template.Json));

        Assert.Equal($"[parameters('{switchParameter}')]", module.Condition);
        Assert.Equal("false", fixture.Template["parameters"]?[switchParameter]?["defaultValue"]?.ToString(), ignoreCase: true);
    }

    [Fact]
    public void OpenAiAndRedisAcceptNoKeysOrPlainTextConnections()
    {
        var openAi = Assert.Single(fixture.OfType("Microsoft.CognitiveServices/accounts"));
        Assert.Equal("OpenAI", openAi.Property("kind"));
        Assert.Equal("true", openAi.Property("properties", "disableLocalAuth"), ignoreCase: true);

        var redis = Assert.Single(fixture.OfType("Microsoft.Cache/redis"));
        Assert.Equal("false", redis.Property("properties", "enableNonSslPort"), ignoreCase: true);
        Assert.Equal("1.2", redis.Property("properties", "minimumTlsVersion"));
    }

    [Theory]
    [InlineData("b7e6dc6d-f1e8-4753-8033-0f276bb0955b")] // Storage Blob Data Owner
    [InlineData("974c5e8b-45b9-4653-ba55-5f855dd0fb88")] // Storage Queue Data Contributor
    [InlineData("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3")] // Storage Table Data Contributor
    [InlineData("4633458b-17de-408a-b874-0445c86b69e6")] // Key Vault Secrets User
    [InlineData("5e0bd9bd-7b93-4f28-af87-19fc36ad61bd")] // Cognitive Services OpenAI User
    public void IdentityIsGrantedRole(string roleDefinitionId)
    {
        var rbac = Assert.Single(fixture.OfType("Microsoft.Authorization/roleAssignments").Select(r => r.Template).Distinct());

        Assert.Contains(roleDefinitionId, rbac.Json.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        Assert.All(
            fixture.OfType("Microsoft.Authorization/roleAssignments"),
            r => Assert.StartsWith("[guid(", r.Name, StringComparison.Ordinal));
    }

    [Fact]
    public void MainOutputsAreUpperSnakeCase()
    {
        var names = fixture.Template["outputs"]?.AsObject().Select(o => o.Key).ToList() ?? [];

        Assert.Contains("AZURE_FUNCTION_APP_NAME", names);
        Assert.Contains("SERVICE_API_URI", names);
        Assert.Contains("SIGNALR_HOSTNAME", names);
        Assert.Contains("AZURE_KEY_VAULT_NAME", names);
        Assert.All(names, n => Assert.Matches("^[A-Z][A-Z0-9_]*$", n));
    }

    [Fact]
    public void NoOutputOfAnyTemplateCarriesASecret()
    {
        foreach (var template in fixture.Templates)
        {
            var secureParameters = template.Parameters
                .Where(p => p.Value?["type"]?.ToString() is "securestring" or "secureObject")
                .Select(p => p.Key)
                .ToList();

            foreach (var (name, output) in template.Outputs)
            {
                var value = output?["value"]?.ToString() ?? "";
                var where = $"{template.Path} output {name}";
                Assert.False(Regex.IsMatch(value, @"\blist[A-Za-z]*\("), $"{where} calls a list* function: {value}");
                Assert.DoesNotContain("securestring", output?["type"]?.ToString() ?? "", StringComparison.OrdinalIgnoreCase);
                Assert.All(secureParameters, p => Assert.DoesNotContain($"parameters('{p}')", value, StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public void JwtSigningKeyIsASecureParameterWithARandomDefault()
    {
        var parameter = fixture.Template["parameters"]?["jwtSigningKey"];

        Assert.Equal("securestring", parameter?["type"]?.ToString());
        Assert.Contains("newGuid()", parameter?["defaultValue"]?.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A module parameter's expression: `{value: "[...]"}`, or the whole parameter as one "[...]" when it is conditional.</summary>
    private static string ModuleParameter(ArmResource module, string name) =>
        module.Json["properties"]?["parameters"]?[name] switch
        {
            JsonValue whole => whole.ToString(),
            JsonObject parameter => parameter["value"]?.ToString() ?? "",
            _ => "",
        };

    private ArmResource FunctionApp() => Assert.Single(fixture.OfType("Microsoft.Web/sites"));

    private ArmResource Collection(string name) =>
        Assert.Single(
            fixture.OfType("Microsoft.DocumentDB/databaseAccounts/mongodbDatabases/collections"),
            c => c.Property("properties", "resource", "id") == name);

    /// <summary>Each index as its comma-joined key fields and whether it is unique.</summary>
    private static List<(string Keys, bool Unique)> Indexes(ArmResource collection)
    {
        var indexes = Assert.IsType<JsonArray>(collection.Properties["resource"]?["indexes"]);

        // Shared index shapes live in template variables; resolve a plain variables('x') reference.
        return indexes.Select(node => Resolve(collection.Template, node))
            .Select(index => (
                Keys: string.Join(',', (index?["key"]?["keys"] as JsonArray ?? []).Select(k => k?.ToString())),
                Unique: string.Equals(index?["options"]?["unique"]?.ToString(), "true", StringComparison.OrdinalIgnoreCase)))
            .ToList();
    }

    /// <summary>
    /// The settings map of the function app: the config/appsettings resource's properties, or, when
    /// they are a union() of variables, the members of those variables (conditional ones included,
    /// as the raw text of their expression).
    /// </summary>
    private Dictionary<string, string> AppSettings()
    {
        var config = Assert.Single(
            fixture.OfType("Microsoft.Web/sites/config"),
            c => c.Name.Contains("'appsettings'", StringComparison.Ordinal));
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);

        switch (config.Json["properties"])
        {
            case JsonObject literal:
                foreach (var (key, value) in literal)
                {
                    settings[key] = value?.ToString() ?? "";
                }

                break;
            case JsonValue expression:
                foreach (Match match in Regex.Matches(expression.ToString(), @"variables\('([^']+)'\)"))
                {
                    switch (config.Template.Variables[match.Groups[1].Value])
                    {
                        case JsonObject map:
                            foreach (var (key, value) in map)
                            {
                                settings[key] = value?.ToString() ?? "";
                            }

                            break;
                        case JsonValue conditional:
                            // createObject('Name', value, ...): each quoted name becomes a setting whose
                            // value is the expression text that follows it.
                            var text = conditional.ToString();
                            foreach (Match name in Regex.Matches(text, @"createObject\('([^']+)'|,\s*'([A-Za-z_]+__[A-Za-z_]+)'"))
                            {
                                var key = name.Groups[1].Success ? name.Groups[1].Value : name.Groups[2].Value;
                                settings[key] = text[(name.Index + name.Length)..];
                            }

                            break;
                    }
                }

                break;
        }

        Assert.NotEmpty(settings);
        return settings;
    }

    private static string? Setting(Dictionary<string, string> settings, string name) =>
        settings.TryGetValue(name, out var value) ? value : null;

    private static JsonNode? Resolve(ArmTemplate template, JsonNode? node)
    {
        if (node is JsonValue value && Regex.Match(value.ToString(), @"^\[variables\('([^']+)'\)\]$") is { Success: true } match)
        {
            return template.Variables[match.Groups[1].Value];
        }

        return node;
    }
}
