using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Hearth.Deploy.Tests.Deployment;

/// <summary>
/// The Bicep compiler and linter as Azure ships them (the Azure.Bicep.CommandLine package restored by this project), run
/// over every template in a folder. What it reports is what <c>azd up</c> would meet, so a warning here is a failure.
/// </summary>
public static partial class BicepCli
{
    private static readonly string Executable = typeof(BicepCli).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "BicepCli").Value!;

    /// <summary>Every warning and error of <c>bicep build</c> and <c>bicep lint</c> over the <c>.bicep</c> files under <paramref name="folder"/>.</summary>
    public static IReadOnlyList<string> Diagnostics(string folder)
    {
        var output = Directory.CreateTempSubdirectory("hearth-bicep-").FullName;
        try
        {
            return Run(folder, "build", "--pattern", "**/*.bicep", "--outdir", output)
                .Concat(Run(folder, "lint", "--pattern", "**/*.bicep"))
                .Distinct(StringComparer.Ordinal)
                .ToList();
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static IEnumerable<string> Run(string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // No telemetry, and no attempt to reach a module registry: templates here use local modules only.
        start.Environment["BICEP_TRACING_ENABLED"] = "false";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Executable}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();

        var lines = (stdout.Result + "\n" + stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var diagnostics = lines.Where(l => Diagnostic().IsMatch(l)).Select(l => l.Replace(folder.TrimEnd('/') + "/", "", StringComparison.Ordinal)).ToList();
        if (process.ExitCode != 0 && diagnostics.Count == 0)
            diagnostics.Add($"bicep {arguments[0]} exited with {process.ExitCode}: {stderr.Trim()}");
        return diagnostics;
    }

    [GeneratedRegex(@"\) : (Warning|Error) ")]
    private static partial Regex Diagnostic();
}
