using Spectre.Console;

namespace Hearth.Cli;

/// <summary>
/// The console every command writes to: colours and other escape codes only on a terminal (and never with NO_COLOR set),
/// the width from COLUMNS when set, else the terminal's, else 200 when the output goes to a file or a pipe, so that
/// tables do not wrap a 32-character id across lines.
/// </summary>
public static class CliConsole
{
    private const int PipeWidth = 200;

    public static IAnsiConsole Create(TextWriter? output = null, IDictionary<string, string?>? environment = null)
    {
        var writer = output ?? Console.Out;
        string? Variable(string name) => environment is null ? Environment.GetEnvironmentVariable(name) : environment.TryGetValue(name, out var v) ? v : null;
        var terminal = writer == Console.Out && !Console.IsOutputRedirected;
        var colour = terminal && string.IsNullOrEmpty(Variable("NO_COLOR"));
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = colour ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = colour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (int.TryParse(Variable("COLUMNS"), out var columns) && columns > 0) console.Profile.Width = columns;
        else if (!terminal) console.Profile.Width = PipeWidth;
        return console;
    }

    /// <summary>A table column whose cells never wrap (ids, hashes): a narrow console shrinks the other columns instead.</summary>
    public static TableColumn Id(string header) => new TableColumn(header).NoWrap();
}
