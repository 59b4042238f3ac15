using System.Text.RegularExpressions;

namespace Hearth.Deploy.Tests.Deployment;

/// <summary>One SQL reference from a feature's code to a table of a schema another feature owns.</summary>
public sealed record ForeignTable(string Feature, string Table, string File);

/// <summary>
/// Which feature owns which schema (the feature whose <c>Migrations</c> folder creates it) and which product code names
/// another feature's tables in SQL. A feature asks another for what it needs (a contract, or a statement the owner lends
/// to its batch: <c>CompanionReads</c>, <c>ConversationReads</c>, <c>IdentityStatements</c>).
/// </summary>
public static partial class SqlOwnership
{
    /// <summary>Code folders that are a feature under another name.</summary>
    private static readonly Dictionary<string, string> FolderFeature = new(StringComparer.Ordinal)
    {
        ["Documents"] = "Memory",
        ["Pictures"] = "Images",
    };

    /// <summary>schema → feature, read from the migrations.</summary>
    public static Dictionary<string, string> Owners(string root)
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "shared"), "*.sql", SearchOption.AllDirectories))
        {
            var folder = Path.GetDirectoryName(file)!;
            if (Path.GetFileName(folder) != "Migrations") continue;
            var feature = Path.GetFileName(Path.GetDirectoryName(folder)!);
            foreach (Match m in CreateSchema().Matches(File.ReadAllText(file))) owners[m.Groups[1].Value.ToLowerInvariant()] = feature;
        }
        return owners;
    }

    /// <summary>Every reference in product code to a table of a schema its feature does not own.</summary>
    public static IReadOnlyList<ForeignTable> ForeignTables(string root)
    {
        var owners = Owners(root);
        var found = new List<ForeignTable>();
        foreach (var (folder, featureAt) in new (string, Func<string, string>)[]
                 {
                     ("shared/Hearth.Domain", relative => relative.Split('/')[0]),
                     ("functions", relative => relative.Split('/')[0]),
                     ("shared/Hearth.Durable", _ => "Hearth.Durable"),
                     ("shared/Hearth.Durable.Tasks", _ => "Hearth.Durable.Tasks"),
                 })
        {
            var dir = Path.Combine(root, folder);
            foreach (var file in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(dir, file).Replace('\\', '/');
                if (relative.StartsWith("bin/", StringComparison.Ordinal) || relative.StartsWith("obj/", StringComparison.Ordinal) || !relative.Contains('/') && folder is "shared/Hearth.Domain" or "functions") continue;
                var feature = featureAt(relative);
                feature = FolderFeature.GetValueOrDefault(feature, feature);
                found.AddRange(Find(feature, File.ReadAllText(file), owners).Select(t => t with { File = $"{folder}/{relative}" }));
            }
        }
        return found;
    }

    /// <summary>The foreign tables one file's text names in SQL (after from, join, into, update, table or references).</summary>
    public static IEnumerable<ForeignTable> Find(string feature, string text, IReadOnlyDictionary<string, string> owners) =>
        TableReference().Matches(text)
            .Select(m => (Schema: m.Groups[1].Value.ToLowerInvariant(), Table: m.Groups[2].Value.ToLowerInvariant()))
            .Where(r => owners.TryGetValue(r.Schema, out var owner) && owner != feature)
            .Select(r => new ForeignTable(feature, $"{r.Schema}.{r.Table}", ""))
            .Distinct();

    [GeneratedRegex(@"create\s+schema\s+(?:if\s+not\s+exists\s+)?(\w+)", RegexOptions.IgnoreCase)]
    private static partial Regex CreateSchema();

    [GeneratedRegex(@"\b(?:from|join|into|update|table|references)\s+([a-z_]+)\.([a-z_]+)\b", RegexOptions.IgnoreCase)]
    private static partial Regex TableReference();
}
