using System.Net;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Hearth.Cli.Skills;

/// <summary>
/// <c>hearth skills push DIR</c>: hashes the folder's files, asks the API which are new or changed, uploads those as
/// tar.gz batches (each a run), follows the runs with a progress bar and prints the combined report. It pushes what it
/// can: a file it cannot read, one larger than the API takes, or one the API refuses is skipped and listed with the
/// reason (a refused batch is split until the offending file is found), and the rest goes up.
/// Exit code 0 when every file was stored and is searchable; 1 when a file was skipped, failed, or is not searchable
/// (the run completed with problems); 2 when the push could not be done at all.
/// </summary>
public sealed class SkillPush(HearthApiClient api, IAnsiConsole console)
{
    private const int CompareChunk = 5000;

    public async Task<int> RunAsync(string folder, string? prefix, int batchFiles, long batchBytes, bool wait, CancellationToken ct)
    {
        var scan = LocalLibrary.Scan(folder, prefix);
        var files = scan.Files;
        var skipped = scan.Skipped;
        foreach (var s in scan.LeftOut) console.MarkupLine($"[grey]left out {Markup.Escape(s)}[/]");
        if (files.Count == 0)
        {
            console.MarkupLine($"[grey]No files in {Markup.Escape(folder)}.[/]");
            return PrintSkipped(skipped) ? 1 : 0;
        }

        var changed = new List<LocalFile>();
        int unchanged = 0, added = 0, modified = 0, unindexed = 0;
        var byPath = files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        foreach (var chunk in files.Chunk(CompareChunk))
        {
            var result = await api.PostJsonAsync("/api/skills/files/compare", new { files = chunk.Select(f => new { path = f.Path, sha256 = f.Sha256, size = f.Size }) }, ct);
            unchanged += result.GetProperty("unchanged").GetInt32();
            foreach (var c in result.GetProperty("changed").EnumerateArray())
            {
                changed.Add(byPath[c.GetProperty("path").GetString()!]);
                switch (c.GetProperty("change").GetString())
                {
                    case "new": added++; break;
                    case "unindexed": unindexed++; break;
                    default: modified++; break;
                }
            }
            foreach (var bad in result.GetProperty("invalid").EnumerateArray())
                skipped.Add(new SkippedFile(bad.GetProperty("path").GetString()!, bad.GetProperty("error").GetString()!));
        }
        console.MarkupLine($"{files.Count:N0} files: [green]{added:N0} new[/], [blue]{modified:N0} modified[/], {unchanged:N0} unchanged" +
            (unindexed > 0 ? $", [yellow]{unindexed:N0} stored but not searchable (sent again to be indexed)[/]." : "."));
        if (changed.Count == 0)
        {
            var anySkipped = PrintSkipped(skipped);
            if (!anySkipped) console.MarkupLine("[green]Everything is up to date.[/]");
            return anySkipped ? 1 : 0;
        }

        changed.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        var batches = new Queue<List<LocalFile>>(LocalLibrary.Batches(changed, batchFiles, batchBytes));
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
                var uploaded = 0;
                while (batches.TryDequeue(out var batch))
                {
                    var (body, packed) = await LocalLibrary.TarGzAsync(batch, skipped, ct);
                    if (packed.Count > 0)
                    {
                        try
                        {
                            var accepted = await api.PostBytesAsync("/api/skills/ingest", body, "application/gzip", ct);
                            runs.Add(accepted.GetProperty("id").GetString()!);
                            uploaded += packed.Count;
                        }
                        catch (HearthApiException e) when (e.Status is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity)
                        {
                            // Refused whole: split the batch until the file the API refuses is alone, and push the rest.
                            if (packed.Count > 1)
                            {
                                var half = packed.Count / 2;
                                batches.Enqueue(packed[..half]);
                                batches.Enqueue(packed[half..]);
                                continue;
                            }
                            skipped.Add(new SkippedFile(packed[0].Path, e.Status == HttpStatusCode.RequestEntityTooLarge ? $"too large for the API: {e.Message}" : $"refused by the API: {e.Message}"));
                        }
                    }
                    upload.Increment(batch.Sum(f => Math.Max(1, f.Size)));
                }
                ingest.MaxValue = Math.Max(1, uploaded);
                if (!wait || runs.Count == 0) return;
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

        if (!wait || runs.Count == 0)
        {
            foreach (var id in runs) console.MarkupLine($"run [blue]{id}[/]: {api.BaseAddress}api/skills/runs/{id}");
            return PrintSkipped(skipped) ? 1 : 0;
        }
        var code = await PrintReportAsync(statuses.Values.ToList(), ct);
        return PrintSkipped(skipped) ? Math.Max(code, 1) : code;
    }

    /// <summary>Lists the files not pushed and why; true when there was any.</summary>
    private bool PrintSkipped(List<SkippedFile> skipped)
    {
        foreach (var s in skipped)
            console.MarkupLine($"[yellow]skipped[/] {Markup.Escape(s.Path)}: {Markup.Escape(s.Reason)}");
        if (skipped.Count > 0)
            console.MarkupLine($"[yellow]{skipped.Count:N0} file{(skipped.Count == 1 ? " was" : "s were")} not pushed.[/]");
        return skipped.Count > 0;
    }

    private async Task<int> PrintReportAsync(List<JsonElement> runs, CancellationToken ct)
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
        // Each run compares the mirror when it ends, and batches end in any order: once all have ended, ask again so the
        // figure printed covers every batch.
        if (reports.Any(r => r.TryGetProperty("mirror", out var mirror) && mirror.ValueKind == JsonValueKind.Object))
            SkillsCommand.PrintMirror(console, await api.GetAsync("/api/skills/mirror/verify", ct));
        foreach (var broken in runs.Where(r => r.GetProperty("status").GetString() == "failed"))
            console.MarkupLine($"[red]run {broken.GetProperty("id").GetString()} failed:[/] {Markup.Escape(broken.GetProperty("error").GetString() ?? "")}");

        var binary = reports.Sum(r => r.TryGetProperty("binary", out var b) ? b.GetArrayLength() : 0);
        if (binary > 0) console.MarkupLine($"[grey]{binary:N0} binary file{(binary == 1 ? "" : "s")} (images, fonts, PDFs, archives…) stored exactly and flagged; not searchable as text.[/]");
        // The run's own verdict: completed only when every file is stored and every text file searchable.
        var problems = runs.SelectMany(r => r.TryGetProperty("problems", out var p) ? p.EnumerateArray() : Enumerable.Empty<JsonElement>()).ToList();
        foreach (var p in problems.Where(p => p.GetProperty("problem").GetString() != "not_stored"))
            console.MarkupLine($"[yellow]not searchable[/] {Markup.Escape(p.GetProperty("path").GetString()!)}: {Markup.Escape(p.GetProperty("reason").GetString()!)}");
        var withProblems = runs.Any(r => r.GetProperty("status").GetString() == "completed_with_problems");
        if (withProblems)
            console.MarkupLine($"[yellow]completed with problems:[/] {problems.Count:N0} file{(problems.Count == 1 ? "" : "s")} not stored or not searchable.");
        else if (runs.All(r => r.GetProperty("status").GetString() == "completed"))
            console.MarkupLine("[green]completed:[/] every file stored and searchable.");

        return failures.Count > 0 || withProblems || runs.Any(r => r.GetProperty("status").GetString() == "failed") ? 1 : 0;
    }
}
