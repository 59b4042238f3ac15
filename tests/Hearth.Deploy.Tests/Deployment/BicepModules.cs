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
    /// What a compiler would say about module calls: every parameter passed is declared by the module, every parameter
    /// without a default is passed, and every <c>module.outputs.x</c> used is an output of that module.
    /// </summary>
    public static IReadOnlyList<string> ContractProblems(IReadOnlyList<BicepDocument> documents)
    {
        var byPath = documents.ToDictionary(d => Path.GetFullPath(d.Path), StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var document in documents)
        {
            var name = Path.GetFileName(document.Path);
            var modules = new Dictionary<string, BicepDocument>(StringComparer.Ordinal);
            foreach (var (symbol, reference, body) in document.ModuleDeclarations)
            {
                if (!byPath.TryGetValue(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document.Path)!, reference)), out var module)) continue;
                modules[symbol] = module;
                var declared = module.Parameters.ToDictionary(p => p.Name, p => p.HasDefault, StringComparer.Ordinal);
                var passed = (body["params"] as BicepObject)?.Properties.Keys.ToHashSet(StringComparer.Ordinal) ?? [];
                foreach (var parameter in passed.Where(p => !declared.ContainsKey(p)))
                    problems.Add($"{name}: module '{symbol}' passes '{parameter}', which {reference} does not declare.");
                foreach (var (parameter, _) in declared.Where(p => !p.Value && !passed.Contains(p.Key)))
                    problems.Add($"{name}: module '{symbol}' does not pass '{parameter}', which {reference} requires.");
            }
            foreach (var (symbol, output) in document.OutputReferences)
                if (modules.TryGetValue(symbol, out var module) && !module.Outputs.Contains(output))
                    problems.Add($"{name}: uses {symbol}.outputs.{output}, which {Path.GetFileName(module.Path)} does not declare.");
        }
        return problems;
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
