using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Hearth.Cli.Skills;

/// <summary><c>hearth status</c>: what the API reports about itself (version, database, jobs, providers).</summary>
public sealed class StatusCommand : ICliCommand
{
    private readonly Func<HttpClient> _http;
    private readonly IAnsiConsole _console;

    public StatusCommand() : this(() => CliConfig.Load().CreateClient(), CliConsole.Create())
    {
    }

    public StatusCommand(Func<HttpClient> http, IAnsiConsole console)
    {
        _http = http;
        _console = console;
    }

    public Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print the whole status document." };
        var command = new Command("status", "The API's status: version, environment, database, jobs, functions and providers.") { json };
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                using var http = _http();
                var api = new HearthApiClient(http);
                var status = await api.GetAsync("/api/status", ct);
                if (parse.GetValue(json))
                {
                    _console.WriteLine(JsonSerializer.Serialize(status, new JsonSerializerOptions { WriteIndented = true }));
                    return 0;
                }
                var database = status.GetProperty("database");
                _console.MarkupLine($"[bold]Hearth {Markup.Escape(status.GetProperty("version").GetString() ?? "?")}[/] at {Markup.Escape(http.BaseAddress?.ToString() ?? "")} ({Markup.Escape(status.GetProperty("environment").GetString() ?? "?")}), started {Markup.Escape(status.GetProperty("startedAt").GetString() ?? "?")}");
                _console.MarkupLine($"database: {(database.GetProperty("reachable").GetBoolean() ? "[green]reachable[/]" : "[red]unreachable[/]")}, migrations {(database.GetProperty("migrationsDone").GetBoolean() ? "done" : "[yellow]pending[/]")}");
                if (status.TryGetProperty("jobs", out var jobs) && jobs.ValueKind == JsonValueKind.Object && jobs.TryGetProperty("dead", out var dead))
                    _console.MarkupLine($"jobs: {(dead.ValueKind == JsonValueKind.Number && dead.GetInt64() > 0 ? $"[red]{dead.GetInt64()} dead[/]" : "none dead")}");
                if (status.TryGetProperty("providers", out var providers) && providers.ValueKind == JsonValueKind.Object)
                {
                    var table = new Table().Border(TableBorder.Rounded).AddColumns("provider", "status");
                    foreach (var provider in providers.EnumerateObject())
                        table.AddRow(Markup.Escape(provider.Name), Markup.Escape(provider.Value.ValueKind == JsonValueKind.String ? provider.Value.GetString()! : provider.Value.GetRawText()));
                    _console.Write(table);
                }
                return 0;
            }
            catch (HearthApiException e)
            {
                _console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return 2;
            }
        });
        return command;
    }
}
