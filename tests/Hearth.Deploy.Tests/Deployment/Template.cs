using Hearth.Deploy.Tests.Text;

namespace Hearth.Deploy.Tests.Deployment;

/// <summary>The repository's deployment files, read once.</summary>
public static class Template
{
    public const string MainBicep = "infra/main.bicep";
    public const string Parameters = "infra/main.parameters.json";
    public const string AppBicep = "infra/app/functions.bicep";
    public const string Dockerfile = "functions/Dockerfile";
    public const string AzureYaml = "azure.yaml";

    private static readonly Lazy<(IReadOnlyList<BicepDocument> Documents, IReadOnlyList<string> Problems)> Loaded =
        new(() => BicepModules.Load(Repository.PathOf(MainBicep)));

    private static readonly Lazy<ContainerAppDefinition> ContainerApp = new(() => ContainerAppDefinition.From(Loaded.Value.Documents));

    public static IReadOnlyList<BicepDocument> Documents => Loaded.Value.Documents;

    public static IReadOnlyList<string> ModuleProblems => Loaded.Value.Problems;

    public static ContainerAppDefinition App => ContainerApp.Value;

    public static Text.Dockerfile Container => Text.Dockerfile.Parse(Repository.Read(Dockerfile));

    /// <summary>The container app read from a variant of its Bicep file (the text after <paramref name="edit"/>).</summary>
    public static ContainerAppDefinition AppWith(Func<string, string> edit)
    {
        var original = Repository.Read(AppBicep);
        var edited = edit(original);
        if (edited == original) throw new InvalidOperationException("The edit changed nothing: the variant would not be broken.");
        return ContainerAppDefinition.From([new BicepDocument(Repository.PathOf(AppBicep), edited)]);
    }

    /// <summary>Replaces text that must be present (so that a variant is really different).</summary>
    public static string Swap(this string text, string find, string replacement) =>
        text.Contains(find, StringComparison.Ordinal)
            ? text.Replace(find, replacement, StringComparison.Ordinal)
            : throw new InvalidOperationException($"'{find}' is not in the text.");
}
