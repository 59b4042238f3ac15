using Hearth.Deploy.Tests.Deployment;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hearth.Deploy.Tests;

/// <summary>
/// No service locator in the product (issue 19): a feature depends on another feature's contract through its
/// constructor, never by asking the container at run time whether that feature is there. The container is asked only
/// where objects are composed: in registration lambdas (<c>services.AddSingleton(sp =&gt; …)</c>) and in the composition
/// roots listed below with their reason. The check reads the C# syntax of functions/, shared/ and cli/.
/// </summary>
public sealed class ServiceLookupTests
{
    private static readonly string[] ProductFolders = ["functions", "shared", "cli"];

    /// <summary>Files that compose objects (the container is theirs to ask), and why.</summary>
    private static readonly Dictionary<string, string> CompositionRoots = new()
    {
        ["functions/Hosting/HearthHost.cs"] = "the host's composition root: checks the settings and builds the pipeline from the built container",
        ["cli/Hearth.Cli/ReindexCommand.cs"] = "the reindex command composes the search engine itself, outside the host",
        ["cli/Hearth.Cli/Eval/RetrievalEvaluation.cs"] = "the eval command's composition root: memory and search on a throwaway database",
        ["cli/Hearth.Cli/Eval/SkillsEvaluation.cs"] = "the eval command's composition root: the skill search on a throwaway database",
    };

    /// <summary>Other calls named like a lookup that are not the container, or that ASP.NET leaves no other way to make: (file, receiver) → why.</summary>
    private static readonly Dictionary<(string File, string Receiver), string> Allowed = new()
    {
        [("shared/Hearth.Domain/Search/SearchService.cs", "embedder")] = "IEmbeddingGenerator.GetService: Microsoft.Extensions.AI's metadata query on the embedder, not the container",
        [("functions/Search/SearchModule.cs", "embedder")] = "IEmbeddingGenerator.GetService: the embedder's metadata and whether a local model is loaded",
        [("functions/Search/EmbeddingWarmUp.cs", "embedder")] = "IEmbeddingGenerator.GetService: whether the embedder is the local model to load",
        [("functions/Hosting/Http/Problems.cs", "context.RequestServices")] = "writes a problem from middleware, authentication and rate-limiter callbacks, which get only an HttpContext",
        [("functions/Identity/OidcSignIn.cs", "context.RequestServices")] = "JwtBearer's event callbacks get only a context; the request's scope is theirs to ask",
        [("functions/Identity/OidcSignIn.cs", "services")] = "the same callback, through context.HttpContext.RequestServices",
        [("functions/Chat/CardApi.cs", "app.ServiceProvider")] = "route mapping is composition: the bound options fix the route's body limit once",
        [("functions/Documents/DocumentsApi.cs", "app.ServiceProvider")] = "route mapping is composition: the bound options fix the route's body limit once",
        [("functions/Skills/SkillsApi.cs", "app.ServiceProvider")] = "route mapping is composition: the bound options fix the route's body limit once",
    };

    private static readonly HashSet<string> LookupNames =
        ["GetService", "GetRequiredService", "GetServices", "GetKeyedService", "GetRequiredKeyedService", "GetKeyedServices"];

    [Fact]
    public void The_container_is_asked_only_in_registrations_and_composition_roots()
    {
        var found = Lookups(Repository.Root);
        var unexpected = found.Where(l => !l.InRegistration && !CompositionRoots.ContainsKey(l.File) && !Allowed.ContainsKey((l.File, l.Receiver)))
            .Select(l => $"{l.File}:{l.Line}: {l.Receiver}.{l.Name}").ToList();
        Assert.True(unexpected.Count == 0,
            "Take the dependency through the constructor (a feature's contract is always registered; test hosts register a fake):\n" + string.Join("\n", unexpected));
        // The lists hold only what is still there.
        var stale = CompositionRoots.Keys.Where(f => !found.Any(l => l.File == f))
            .Concat(Allowed.Keys.Where(k => !found.Any(l => !l.InRegistration && l.File == k.File && l.Receiver == k.Receiver)).Select(k => $"{k.File} ({k.Receiver})"))
            .ToList();
        Assert.True(stale.Count == 0, "Listed but no longer used: " + string.Join(", ", stale));
    }

    [Fact]
    public void The_check_tells_a_registration_lambda_from_a_lookup_in_a_service()
    {
        var lookups = Find("x.cs", """
            static class Module
            {
                static void Add(IServiceCollection services)
                {
                    services.AddSingleton(sp => new Turns(sp.GetRequiredService<IStore>()));
                    services.Replace(ServiceDescriptor.Singleton<IClock>(sp => sp.GetRequiredService<Clock>()));
                    registry.Add(new OrchestrationRegistration("x", sp => sp.GetRequiredService<Orchestration>()));
                    Use(sp => sp.GetRequiredService<IStore>());
                }
            }
            sealed class Turns(IServiceProvider services)
            {
                void Run() { if (services.GetService<IPictureJobs>() is { } pictures) pictures.Start(); }
            }
            """);
        Assert.Equal([(true, "sp"), (true, "sp"), (true, "sp"), (false, "sp"), (false, "services")], lookups.Select(l => (l.InRegistration, l.Receiver)).ToList());
        Assert.Equal(13, lookups[^1].Line);
    }

    private sealed record Lookup(string File, int Line, string Receiver, string Name, bool InRegistration);

    private static List<Lookup> Lookups(string root) =>
        ProductFolders.SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(path => !path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .SelectMany(path => Find(Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllText(path)))
            .ToList();

    private static List<Lookup> Find(string file, string source)
    {
        var tree = CSharpSyntaxTree.ParseText(source);
        return tree.GetRoot().DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Select(call => (call, access: call.Expression as MemberAccessExpressionSyntax))
            .Where(c => c.access is not null && LookupNames.Contains(c.access.Name.Identifier.Text))
            .Select(c => new Lookup(file, c.call.GetLocation().GetLineSpan().StartLinePosition.Line + 1, c.access!.Expression.ToString(),
                c.access.Name.Identifier.Text, InRegistration(c.call)))
            .ToList();
    }

    /// <summary>
    /// Inside a lambda given to a registration (AddX, TryAddX, Replace, ConfigureX, a ServiceDescriptor factory), directly
    /// or through the arguments of objects and calls made for it (<c>Replace(ServiceDescriptor.Singleton(sp =&gt; …))</c>).
    /// </summary>
    private static bool InRegistration(SyntaxNode node) =>
        node.Ancestors().OfType<LambdaExpressionSyntax>().Any(lambda =>
        {
            for (SyntaxNode? up = lambda.Parent; up is ArgumentSyntax or ArgumentListSyntax or ObjectCreationExpressionSyntax or InvocationExpressionSyntax; up = up.Parent)
                if (up is InvocationExpressionSyntax call && MethodName(call) is { } name && IsRegistration(name)) return true;
            return false;
        });

    private static bool IsRegistration(string name) =>
        name.StartsWith("Add", StringComparison.Ordinal) || name.StartsWith("TryAdd", StringComparison.Ordinal)
        || name.StartsWith("Configure", StringComparison.Ordinal) || name.StartsWith("PostConfigure", StringComparison.Ordinal)
        || name is "Replace" or "Singleton" or "Scoped" or "Transient";

    private static string? MethodName(InvocationExpressionSyntax call) => call.Expression switch
    {
        MemberAccessExpressionSyntax { Name: var name } => name.Identifier.Text,
        IdentifierNameSyntax identifier => identifier.Identifier.Text,
        GenericNameSyntax generic => generic.Identifier.Text,
        _ => null,
    };
}
