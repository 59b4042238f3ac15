using System.Text.RegularExpressions;

namespace Hearth.Deploy.Tests.Text;

/// <summary>The top-level declarations of one Bicep file: parameters, variables, modules, resources, file loads.</summary>
public sealed partial class BicepDocument(string path, string text)
{
    /// <summary>Where the file is (module paths are relative to its folder).</summary>
    public string Path { get; } = path;

    public string Text { get; } = text;

    public static BicepDocument Load(string path) => new(path, File.ReadAllText(path));

    /// <summary>Parameters, with whether they have a default (those without one must be supplied at deployment).</summary>
    public IReadOnlyList<(string Name, bool HasDefault)> Parameters =>
        ParamPattern().Matches(Text).Select(m => (m.Groups["name"].Value, m.Groups["default"].Success)).ToList();

    /// <summary>Modules as (symbol, path as written).</summary>
    public IReadOnlyList<(string Symbol, string Path)> Modules =>
        ModulePattern().Matches(Text).Select(m => (m.Groups["symbol"].Value, m.Groups["path"].Value)).ToList();

    /// <summary>Files read at compile time: <c>loadJsonContent('x')</c>, <c>loadTextContent('x')</c>...</summary>
    public IReadOnlyList<string> LoadedFiles => LoadPattern().Matches(Text).Select(m => m.Groups["path"].Value).ToList();

    /// <summary>The value of <c>var name = ...</c>, or null.</summary>
    public BicepValue? Variable(string name)
    {
        var match = Regex.Match(Text, $@"^var\s+{Regex.Escape(name)}\s*=\s*", RegexOptions.Multiline);
        return match.Success ? BicepReader.ReadValueAt(Text, match.Index + match.Length) : null;
    }

    /// <summary>
    /// The bodies of the resources of a type (e.g. <c>Microsoft.App/containerApps</c>) that this file deploys
    /// (<c>existing</c> references and loops are left out).
    /// </summary>
    public IReadOnlyList<(string Symbol, BicepObject Body)> Resources(string type)
    {
        var found = new List<(string, BicepObject)>();
        foreach (Match match in ResourcePattern().Matches(Text))
        {
            if (!match.Groups["type"].Value.StartsWith(type + "@", StringComparison.OrdinalIgnoreCase) || match.Groups["existing"].Success) continue;
            var position = match.Index + match.Length;
            position = SkipCondition(position);
            if (position < Text.Length && Text[position] == '{' && BicepReader.ReadValueAt(Text, position) is BicepObject body)
                found.Add((match.Groups["symbol"].Value, body));
        }
        return found;
    }

    /// <summary>Follows a value that is a bare variable name to the variable's value.</summary>
    public BicepValue? Resolve(BicepValue? value) =>
        value is BicepExpression { Text: var name } && IdentifierPattern().IsMatch(name) && Variable(name) is { } resolved ? resolved : value;

    private int SkipCondition(int position)
    {
        while (position < Text.Length && char.IsWhiteSpace(Text[position])) position++;
        if (string.CompareOrdinal(Text, position, "if", 0, 2) != 0) return position;
        var open = Text.IndexOf('(', position);
        var depth = 0;
        for (var i = open; i < Text.Length; i++)
        {
            if (Text[i] == '(') depth++;
            else if (Text[i] == ')' && --depth == 0)
            {
                position = i + 1;
                break;
            }
        }
        while (position < Text.Length && char.IsWhiteSpace(Text[position])) position++;
        return position;
    }

    [GeneratedRegex(@"^param\s+(?<name>\w+)\s+[\w.]+(\[\])?(?<default>\s*=)?", RegexOptions.Multiline)]
    private static partial Regex ParamPattern();

    [GeneratedRegex(@"^module\s+(?<symbol>\w+)\s+'(?<path>[^']+)'", RegexOptions.Multiline)]
    private static partial Regex ModulePattern();

    [GeneratedRegex(@"^resource\s+(?<symbol>\w+)\s+'(?<type>[^']+)'(?<existing>\s+existing)?\s*=\s*", RegexOptions.Multiline)]
    private static partial Regex ResourcePattern();

    [GeneratedRegex(@"load(?:Json|Text|YamlFileAsBase64|FileAsBase64|Yaml)Content\(\s*'(?<path>[^']+)'")]
    private static partial Regex LoadPattern();

    [GeneratedRegex(@"^[A-Za-z_]\w*$")]
    private static partial Regex IdentifierPattern();
}
