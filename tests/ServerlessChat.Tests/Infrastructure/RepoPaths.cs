namespace ServerlessChat.Tests.Infrastructure;

public static class RepoPaths
{
    /// <summary>The folder holding ServerlessChat.sln, found by walking up from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: whatever the tests themselves were built as.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string ProjectOutput(string project) =>
        Path.Combine(Root, "functions", project, "bin", Configuration, "net10.0");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ServerlessChat.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("ServerlessChat.sln not found above " + AppContext.BaseDirectory);
    }
}
