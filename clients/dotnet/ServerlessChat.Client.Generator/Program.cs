// Regenerates ServerlessChat.Client/Generated/ from the host's OpenAPI document (never edit those files by hand):
//   dotnet run --project clients/dotnet/ServerlessChat.Client.Generator -- http://127.0.0.1:5000
//   dotnet run --project clients/dotnet/ServerlessChat.Client.Generator -- ./openapi.json
//   ... -- <url or file> --check      exits 1, changing nothing, when the checked-in copy differs
using ServerlessChat.Client.Generator;

var check = args.Contains("--check");
var source = args.FirstOrDefault(a => a != "--check") ?? Environment.GetEnvironmentVariable("SERVERLESSCHAT_OPENAPI") ?? "http://127.0.0.1:5000";
string json;
if (Uri.TryCreate(source, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
{
    using var http = new HttpClient();
    var documentUrl = source.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? url : new Uri(source.TrimEnd('/') + "/api/openapi.json");
    json = await http.GetStringAsync(documentUrl);
}
else
{
    json = await File.ReadAllTextAsync(source);
}

var output = Path.GetFullPath(Path.Combine(FindClientsDirectory(), "ServerlessChat.Client", "Generated"));
var generated = await RestClientGenerator.GenerateAsync(json);
var stale = RestClientGenerator.Stale(output, generated);
if (check)
{
    if (stale.Count > 0)
    {
        await Console.Error.WriteLineAsync("Stale generated files (run the generator against the host):\n  " + string.Join("\n  ", stale));
        return 1;
    }

    Console.WriteLine("Generated files are current.");
    return 0;
}

Directory.CreateDirectory(output);
foreach (var (name, text) in generated)
{
    await File.WriteAllTextAsync(Path.Combine(output, name), text);
}

Console.WriteLine(stale.Count == 0 ? "Nothing changed." : $"Wrote {stale.Count} file(s).");
return 0;

// clients/dotnet, found upwards from the working directory (the repo root or anywhere below clients/dotnet).
static string FindClientsDirectory()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "ServerlessChat.Client", "ServerlessChat.Client.csproj")))
        {
            return dir.FullName;
        }

        var below = Path.Combine(dir.FullName, "clients", "dotnet");
        if (Directory.Exists(Path.Combine(below, "ServerlessChat.Client")))
        {
            return below;
        }
    }

    throw new InvalidOperationException("Run this from the repository (clients/dotnet/ServerlessChat.Client not found above the working directory).");
}
