using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Hearth.Benchmarks;

/// <summary>Markdown tables with the machine and versions, printed and appended to docs/benchmarks.md.</summary>
public sealed class BenchReport(string title, string command)
{
    private readonly List<string> _parameters = [];
    private readonly List<string[]> _rows = [];
    private string[] _header = [];
    private readonly List<string> _notes = [];

    public BenchReport Parameter(string name, object value)
    {
        _parameters.Add($"{name} {Convert.ToString(value, CultureInfo.InvariantCulture)}");
        return this;
    }

    public BenchReport Columns(params string[] header)
    {
        _header = header;
        return this;
    }

    public BenchReport Row(params object?[] cells)
    {
        _rows.Add(cells.Select(c => c switch
        {
            null => "",
            double d => d.ToString(d >= 100 ? "N0" : "0.##", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => c.ToString() ?? "",
        }).ToArray());
        return this;
    }

    public BenchReport Note(string note)
    {
        _notes.Add(note);
        return this;
    }

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine($"### {title} ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        text.AppendLine();
        text.AppendLine($"Command: `{command}`  ");
        text.AppendLine($"Machine: {Machine()}  ");
        var load = LoadAverage();
        var crowded = double.TryParse(load, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var average)
            && average > Environment.ProcessorCount;
        text.AppendLine($"Load (1-minute average) when published: {load} on {Environment.ProcessorCount} cores{(crowded ? " (above the core count, other work shared the CPU)" : "")}  ");
        if (_parameters.Count > 0) text.AppendLine($"Parameters: {string.Join(", ", _parameters)}");
        text.AppendLine();
        text.AppendLine("| " + string.Join(" | ", _header) + " |");
        text.AppendLine("|" + string.Join("|", _header.Select(_ => "---")) + "|");
        foreach (var row in _rows) text.AppendLine("| " + string.Join(" | ", row) + " |");
        foreach (var note in _notes)
        {
            text.AppendLine();
            text.AppendLine(note);
        }
        return text.ToString();
    }

    /// <summary>Prints the table and appends it to docs/benchmarks.md in the repository.</summary>
    public void Publish()
    {
        var markdown = ToMarkdown();
        Console.WriteLine();
        Console.WriteLine(markdown);
        var file = Path.Combine(Repository.Root, "docs", "benchmarks.md");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        if (!File.Exists(file))
            File.WriteAllText(file, "# Benchmarks\n\nEvery table below was appended by `./bench`; the newest of each kind is the current figure. Timings on this 2-core shared machine are noisy: compare ratios within one table.\n\n");
        File.AppendAllText(file, markdown + "\n");
    }

    /// <summary>The 1-minute load average (Linux), so a reader can tell a quiet run from a crowded one; "?" elsewhere.</summary>
    public static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    public static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return $"{Environment.ProcessorCount} cores ({cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}), {memory:0} GiB, " +
               $"{RuntimeInformation.OSDescription}, .NET {Environment.Version}, {PostgresVersion()}";
    }

    private static string PostgresVersion()
    {
        try
        {
            var bin = Hearth.Postgres.PostgresBinaries.Find();
            if (bin is null) return "PostgreSQL ?";
            using var process = Process.Start(new ProcessStartInfo(Path.Combine(bin.Directory, "postgres"), "--version") { RedirectStandardOutput = true })!;
            var text = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return text.Replace("postgres (PostgreSQL)", "PostgreSQL", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "PostgreSQL ?";
        }
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) return double.NaN;
        var index = (int)Math.Ceiling(p / 100 * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }
}

/// <summary>Locates the repository (the folder holding Functions.sln).</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Functions.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}

/// <summary>Command-line options of a harness: <c>--name value</c> pairs.</summary>
public sealed class HarnessArgs(string[] args)
{
    public string? Get(string name)
    {
        var i = Array.IndexOf(args, "--" + name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public bool Flag(string name) => Array.IndexOf(args, "--" + name) >= 0;

    public override string ToString() => string.Join(' ', args);
}
