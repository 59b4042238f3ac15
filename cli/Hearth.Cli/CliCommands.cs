using System.CommandLine;

namespace Hearth.Cli;

/// <summary>One top-level command of the CLI; implementations are found by reflection, so adding a command is adding a file.</summary>
public interface ICliCommand
{
    Command Build();
}

internal static class CliCommands
{
    public static IEnumerable<ICliCommand> Discover() => typeof(CliCommands).Assembly.GetTypes()
        .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .Select(t => (ICliCommand)Activator.CreateInstance(t)!);
}
