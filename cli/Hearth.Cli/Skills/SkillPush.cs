using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Hearth.Cli.Skills;

/// <summary>
/// <c>hearth skills push DIR</c>: hashes the folder's files, asks the API which are new or changed, uploads those as
/// tar.gz batches (each a run), follows the runs with a progress bar and prints the combined report.
/// Exit code 0 when every file was ingested, 1 when some failed, 2 when the push could not be done.
/// </summary>
public sealed class SkillPush(HearthApiClient api, IAnsiConsole console)
{
    private const int CompareChunk = 5000;

    public async Task<int> RunAsync(string folder, string? prefix, int batchFiles, long batchBytes, bool wait, CancellationToken ct)
    {
        var (files, skipped) = LocalLibrary.Scan(folder, prefix);
        foreach (var s in skipped) console.MarkupLine($"[yellow]skipped[/] {Markup.Escape(s)}");
        if (files.Count == 0)
        {
            console.MarkupLine($"[grey]No files in {Markup.Escape(folder)}.[/]");
            return 0;
        }

        var changed = new List<LocalFile>();
        int unchanged = 0, added = 0, modified = 0;
        var byPath = files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        foreach (var chunk in files.Chunk(CompareChunk))
        {
            var result = await api.PostJsonAsync("/api/skills/files/compare", new { files = chunk.Select(f => new { path = f.Path, sha256 = f.Sha256 }) }, ct);
            unchanged += result.GetProperty("unchanged").GetInt32();
            foreach (var c in result.GetProperty("changed").EnumerateArray())
            {
                changed.Add(byPath[c.GetProperty("path").GetString()!]);
                if (c.GetProperty("change").GetString() == "new") added++;
                else modified++;
            }
            foreach (var bad in result.GetProperty("invalid").EnumerateArray())
                console.MarkupLine($"[yellow]not pushed[/] {Markup.Escape(bad.GetProperty("path").GetString()!)}: {Markup.Escape(bad.GetProperty("error").GetString()!)}");
        }
        console.MarkupLine($"{files.Count:N0} files: [green]{added:N0} new[/], [blue]{modified:N0} modified[/], {unchanged:N0} unchanged.");
        if (changed.Count == 0)
        {
            console.MarkupLine("[green]Everything is up to date.[/]");
            return 0;
        }

        changed.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        var batches = LocalLibrary.Batches(changed, batchFiles, batchBytes);
        console.MarkupLine($"Uploading {changed.Count:N0} files in {batches.Count} batch{(batches.Count == 1 ? "" : "es")}.");
        var runs = new List<string>();
        var statuses = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var upload = progress.AddTask("Uploading", maxValue: changed.Sum(f => Math.Max(1, f.Size)));
                var ingest = progress.AddTask("Ingesting", autoStart: wait, maxValue: changed.Count);
                foreach (var batch in batches)
                {
                    var body = await LocalLibrary.TarGzAsync(batch, ct);
                    var accepted = await api.PostBytesAsync("/api/skills/ingest", body, "application/gzip", ct);
                    runs.Add(accepted.GetProperty("id").GetString()!);
                    upload.Increment(batch.Sum(f => Math.Max(1, f.Size)));
                }
                if (!wait) return;
                while (true)
                {
                    foreach (var id in runs)
                        if (!statuses.TryGetValue(id, out var known) || known.GetProperty("status").GetString() == "running")
                            statuses[id] = await api.GetAsync($"/api/skills/runs/{id}", ct);
                    var done = statuses.Values.Sum(s => s.GetProperty("done").GetInt32() + s.GetProperty("failed").GetInt32());
                    var sections = statuses.Values.Sum(s => s.GetProperty("sections").GetInt32());
                    ingest.Value = done;
                    ingest.Description = $"Ingesting ({sections:N0} sections)";
                    if (statuses.Values.All(s => s.GetProperty("status").GetString() != "running")) break;
                    await Task.Delay(250, ct);
                }
                ingest.Value = ingest.MaxValue;
            });

        if (!wait)
        {
            foreach (var id in runs) console.MarkupLine($"run [blue]{id}[/]: {api.BaseAddress}api/skills/runs/{id}");
            return 0;
        }
        return PrintReport(statuses.Values.ToList());
    }

    private int PrintReport(List<JsonElement> runs)
    {
        var reports = runs.Where(r => r.GetProperty("report").ValueKind == JsonValueKind.Object).Select(r => r.GetProperty("report")).ToList();
        int Sum(string field) => reports.Sum(r => r.GetProperty(field).GetInt32());
        var table = new Table().Border(TableBorder.Rounded).AddColumns("files", "new", "updated", "unchanged", "failed", "sections", "retried", "seconds");
        table.AddRow(Sum("total").ToString("N0", CultureInfo.InvariantCulture), Sum("created").ToString("N0", CultureInfo.InvariantCulture),
            Sum("updated").ToString("N0", CultureInfo.InvariantCulture), Sum("unchanged").ToString("N0", CultureInfo.InvariantCulture),
            Sum("failed").ToString("N0", CultureInfo.InvariantCulture), Sum("sections").ToString("N0", CultureInfo.InvariantCulture),
            Sum("retried").ToString("N0", CultureInfo.InvariantCulture),
            reports.Sum(r => r.GetProperty("seconds").GetDouble()).ToString("0.0", CultureInfo.InvariantCulture));
        console.Write(table);

        var failures = reports.SelectMany(r => r.GetProperty("failures").EnumerateArray()).ToList();
        foreach (var f in failures)
            console.MarkupLine($"[red]failed[/] {Markup.Escape(f.GetProperty("path").GetString()!)} after {f.GetProperty("attempts").GetInt32()} attempts: {Markup.Escape(f.GetProperty("error").GetString()!)}");
        var warnings = reports.SelectMany(r => r.GetProperty("warnings").EnumerateArray()).ToList();
        foreach (var w in warnings.Take(10))
            console.MarkupLine($"[yellow]warning[/] {Markup.Escape(w.GetProperty("path").GetString()!)}: {Markup.Escape(string.Join("; ", w.GetProperty("warnings").EnumerateArray().Select(x => x.GetString())))}");
        if (warnings.Count > 10) console.MarkupLine($"[yellow]… and {warnings.Count - 10} more files with warnings[/]");
        foreach (var note in reports.SelectMany(r => r.GetProperty("indexErrors").EnumerateArray()))
            console.MarkupLine($"[yellow]search[/] {Markup.Escape(note.GetString()!)}");
        if (reports.LastOrDefault() is { } last && last.TryGetProperty("mirror", out var mirror) && mirror.ValueKind == JsonValueKind.Object)
            SkillsCommand.PrintMirror(console, mirror);
        foreach (var broken in runs.Where(r => r.GetProperty("status").GetString() == "failed"))
            console.MarkupLine($"[red]run {broken.GetProperty("id").GetString()} failed:[/] {Markup.Escape(broken.GetProperty("error").GetString() ?? "")}");

        return failures.Count > 0 || runs.Any(r => r.GetProperty("status").GetString() == "failed") ? 1 : 0;
    }
}
