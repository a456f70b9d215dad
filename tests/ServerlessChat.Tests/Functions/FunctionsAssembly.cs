using System.Reflection;
using System.Runtime.Loader;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Functions;

/// <summary>
/// The built Functions app, loaded from its output folder. The test project cannot reference the worker project
/// (the worker packages' old ASP.NET Core assemblies clash with the tests' own), so the app's assembly and the
/// worker SDK load into a context of their own, while Core, ASP.NET Core and Microsoft.Extensions come from the
/// tests' context: a function class then takes the very ChatEndpointInvoker and HttpRequest the tests build.
/// </summary>
public sealed class FunctionsAssembly : AssemblyLoadContext, IDisposable
{
    private static readonly HashSet<string> Shared = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(Path.GetFileNameWithoutExtension)
        .ToHashSet(StringComparer.OrdinalIgnoreCase)!;

    private readonly AssemblyDependencyResolver _resolver;

    public FunctionsAssembly() : base("ServerlessChat.Functions", isCollectible: true)
    {
        var path = Path.Combine(RepoPaths.ProjectOutput("ServerlessChat.Functions"), "ServerlessChat.Functions.dll");
        Assert.True(File.Exists(path), $"Build the solution first: {path} is missing.");
        _resolver = new AssemblyDependencyResolver(path);
        App = LoadFromAssemblyPath(path);
    }

    public Assembly App { get; }

    public Type Type(string name) => App.GetType($"ServerlessChat.Functions.{name}", throwOnError: true)!;

    /// <summary>Every [Function] method with an [HttpTrigger] parameter: its function name, HTTP methods and route.</summary>
    public IReadOnlyList<(string Name, string[] Methods, string Route)> HttpFunctions() =>
    [
        .. from type in App.GetTypes()
           from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
           let function = method.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType.FullName == "Microsoft.Azure.Functions.Worker.FunctionAttribute")
           where function is not null
           from parameter in method.GetParameters()
           let trigger = parameter.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType.FullName == "Microsoft.Azure.Functions.Worker.HttpTriggerAttribute")
           where trigger is not null
           select ((string)function.ConstructorArguments[0].Value!, Methods(trigger), (string)trigger.NamedArguments.Single(n => n.MemberName == "Route").TypedValue.Value!),
    ];

    /// <summary>The [Function] method named <paramref name="functionName"/> whose first parameter is a [QueueTrigger], with its queue and connection.</summary>
    public (MethodInfo Method, string Queue, string? Connection) QueueFunction(string functionName) =>
        (from type in App.GetTypes()
         from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
         let function = method.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType.FullName == "Microsoft.Azure.Functions.Worker.FunctionAttribute")
         where function is not null && (string)function.ConstructorArguments[0].Value! == functionName
         let trigger = method.GetParameters()[0].GetCustomAttributesData().SingleOrDefault(a => a.AttributeType.FullName == "Microsoft.Azure.Functions.Worker.QueueTriggerAttribute")
         where trigger is not null
         select (method, (string)trigger.ConstructorArguments[0].Value!, (string?)trigger.NamedArguments.SingleOrDefault(n => n.MemberName == "Connection").TypedValue.Value))
        .Single();

    /// <summary>The queue of every [QueueTrigger] parameter in the app.</summary>
    public IReadOnlySet<string> TriggeredQueues() =>
        (from type in App.GetTypes()
         from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
         from parameter in method.GetParameters()
         let trigger = parameter.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType.FullName == "Microsoft.Azure.Functions.Worker.QueueTriggerAttribute")
         where trigger is not null
         select (string)trigger.ConstructorArguments[0].Value!).ToHashSet(StringComparer.Ordinal);

    public void Dispose() => Unload();

    protected override Assembly? Load(AssemblyName name) =>
        Shared.Contains(name.Name!) ? null
        : _resolver.ResolveAssemblyToPath(name) is { } path ? LoadFromAssemblyPath(path)
        : null;

    private static string[] Methods(CustomAttributeData trigger) =>
        trigger.ConstructorArguments.Count > 1 && trigger.ConstructorArguments[1].Value is IReadOnlyCollection<CustomAttributeTypedArgument> methods
            ? methods.Select(m => ((string)m.Value!).ToUpperInvariant()).ToArray()
            : [];
}
