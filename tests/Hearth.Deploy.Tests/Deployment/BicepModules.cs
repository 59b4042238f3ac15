using Hearth.Deploy.Tests.Text;

namespace Hearth.Deploy.Tests.Deployment;

/// <summary>The Bicep files a template is made of: main.bicep and every local module it references, transitively.</summary>
public static class BicepModules
{
    /// <summary>Every file reachable from <paramref name="mainPath"/>, with the references that point nowhere.</summary>
    public static (IReadOnlyList<BicepDocument> Documents, IReadOnlyList<string> Problems) Load(string mainPath)
    {
        var documents = new List<BicepDocument>();
        var problems = new List<string>();
        if (!File.Exists(mainPath)) return (documents, [$"{mainPath} does not exist."]);

        var pending = new Queue<string>([Path.GetFullPath(mainPath)]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryDequeue(out var path))
        {
            if (!seen.Add(path)) continue;
            var document = BicepDocument.Load(path);
            documents.Add(document);
            var folder = Path.GetDirectoryName(path)!;
            var name = Path.GetRelativePath(Path.GetDirectoryName(mainPath)!, path);
            foreach (var (symbol, reference) in document.Modules)
            {
                // Registry and template-spec modules are fetched at deployment; this template keeps all modules local.
                if (reference.StartsWith("br:", StringComparison.Ordinal) || reference.StartsWith("br/", StringComparison.Ordinal)
                    || reference.StartsWith("ts:", StringComparison.Ordinal) || reference.StartsWith("ts/", StringComparison.Ordinal))
                {
                    problems.Add($"{name}: module '{symbol}' comes from a registry ('{reference}'); keep modules in infra/ so they can be checked.");
                    continue;
                }
                var target = Path.GetFullPath(Path.Combine(folder, reference));
                if (File.Exists(target)) pending.Enqueue(target);
                else problems.Add($"{name}: module '{symbol}' references '{reference}', which does not exist.");
            }
            foreach (var loaded in document.LoadedFiles)
                if (!File.Exists(Path.Combine(folder, loaded)))
                    problems.Add($"{name}: loads '{loaded}', which does not exist.");
        }
        return (documents, problems);
    }

    /// <summary>
    /// Parameters of main.bicep without a default that the parameters file does not supply (azd would stop to ask), and
    /// entries of the parameters file that main.bicep does not declare.
    /// </summary>
    public static IReadOnlyList<string> ParameterProblems(BicepDocument main, string parametersJson)
    {
        using var json = System.Text.Json.JsonDocument.Parse(parametersJson);
        var supplied = json.RootElement.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var declared = main.Parameters.ToDictionary(p => p.Name, p => p.HasDefault, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (name, hasDefault) in declared)
            if (!hasDefault && !supplied.Contains(name))
                problems.Add($"Parameter '{name}' has no default and main.parameters.json does not supply it.");
        foreach (var name in supplied)
            if (!declared.ContainsKey(name))
                problems.Add($"main.parameters.json supplies '{name}', which main.bicep does not declare.");
        return problems;
    }
}
