using System.Text.Json;
using System.Text.RegularExpressions;

namespace Hearth.Deploy.Tests.Text;

/// <summary>A Dockerfile's instructions (continuations joined, comments dropped), grouped by build stage.</summary>
public sealed partial class Dockerfile
{
    private readonly List<List<(string Keyword, string Arguments)>> _stages = [];

    public static Dockerfile Parse(string text)
    {
        var file = new Dockerfile();
        var logical = new List<string>();
        var current = "";
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.TrimEnd();
            if (current.Length == 0 && line.TrimStart().StartsWith('#')) continue;
            if (line.EndsWith('\\'))
            {
                current += line[..^1] + " ";
                continue;
            }
            current += line;
            if (current.Trim().Length > 0) logical.Add(current.Trim());
            current = "";
        }
        foreach (var line in logical)
        {
            var space = line.IndexOf(' ');
            var keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
            var arguments = space < 0 ? "" : line[(space + 1)..].Trim();
            if (keyword == "FROM") file._stages.Add([]);
            if (file._stages.Count == 0) continue; // ARG before FROM
            file._stages[^1].Add((keyword, arguments));
        }
        if (file._stages.Count == 0) throw new FormatException("A Dockerfile needs a FROM.");
        return file;
    }

    /// <summary>The instructions of the last stage (the image that runs).</summary>
    public IReadOnlyList<(string Keyword, string Arguments)> FinalStage => _stages[^1];

    public IEnumerable<(string Keyword, string Arguments)> All => _stages.SelectMany(s => s);

    /// <summary>The project of <c>dotnet publish &lt;project&gt;</c>, as written (relative to the build context).</summary>
    public string? PublishedProject =>
        All.Where(i => i.Keyword == "RUN").Select(i => PublishPattern().Match(i.Arguments)).FirstOrDefault(m => m.Success)?.Groups["project"].Value;

    /// <summary>Sources of COPY instructions that read the build context (not <c>--from</c> another stage).</summary>
    public IEnumerable<string> CopiedFromContext =>
        All.Where(i => i.Keyword == "COPY" && !i.Arguments.Contains("--from", StringComparison.Ordinal))
            .SelectMany(i =>
            {
                var parts = i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToList();
                return parts.Take(parts.Count - 1);
            });

    /// <summary>ENV of the final stage (both <c>ENV A=1 B=2</c> and <c>ENV A 1</c>).</summary>
    public IReadOnlyDictionary<string, string> Environment
    {
        get
        {
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (_, arguments) in FinalStage.Where(i => i.Keyword == "ENV"))
            {
                if (!arguments.Contains('='))
                {
                    var space = arguments.IndexOf(' ');
                    env[arguments[..space]] = arguments[(space + 1)..].Trim();
                    continue;
                }
                foreach (Match pair in EnvPairPattern().Matches(arguments)) env[pair.Groups["key"].Value] = pair.Groups["value"].Value.Trim('"');
            }
            return env;
        }
    }

    public IReadOnlyList<int> ExposedPorts =>
        FinalStage.Where(i => i.Keyword == "EXPOSE")
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => int.Parse(p.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();

    /// <summary>The URL the HEALTHCHECK command requests, or null.</summary>
    public Uri? HealthCheckUrl =>
        FinalStage.Where(i => i.Keyword == "HEALTHCHECK").Select(i => UrlPattern().Match(i.Arguments)).FirstOrDefault(m => m.Success) is { } m
            ? new Uri(m.Value)
            : null;

    /// <summary>The user of the final stage (last USER), or null when the image runs as root by default.</summary>
    public string? User => FinalStage.LastOrDefault(i => i.Keyword == "USER").Arguments;

    /// <summary>ENTRYPOINT in exec form.</summary>
    public IReadOnlyList<string> Entrypoint =>
        FinalStage.LastOrDefault(i => i.Keyword == "ENTRYPOINT").Arguments is { Length: > 0 } json && json.StartsWith('[')
            ? JsonSerializer.Deserialize<string[]>(json)!
            : [];

    [GeneratedRegex(@"dotnet\s+publish\s+(?<project>[^\s]+\.csproj)")]
    private static partial Regex PublishPattern();

    [GeneratedRegex(@"(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>""[^""]*""|[^\s]+)")]
    private static partial Regex EnvPairPattern();

    [GeneratedRegex(@"https?://[^\s""']+")]
    private static partial Regex UrlPattern();
}
