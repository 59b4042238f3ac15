using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;

namespace Hearth.Benchmarks.Resting;

/// <summary>
/// The function host at rest: started as a process (Release build, Development, its own database), given a few requests,
/// then left idle; reports resident memory (VmRSS) after it settles, and the start time to ready.
/// </summary>
public sealed class IdleHarness : IHarness
{
    public string Name => "idle";
    public string Description => "host RSS when idle and time to ready (--settle 20 --runs 3 --env NAME=value,... --dll PATH --mappings)";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new HarnessArgs(args);
        var settle = options.Int("settle", 20);
        var runs = options.Int("runs", 3);
        var dll = options.Get("dll") ?? Path.Combine(Repository.Root, "functions", "bin", "Release", "net10.0", "Hearth.Functions.dll");
        if (options.Get("dll") is null) // the Release build of the checkout, brought up to date (a stale one measures old code)
        {
            var build = Process.Start("dotnet", ["build", Path.Combine(Repository.Root, "functions"), "-c", "Release", "-nologo", "-v", "quiet"])!;
            await build.WaitForExitAsync();
        }

        await using var cluster = await BenchCluster.StartAsync();
        var rss = new List<double>();
        var anonymous = new List<double>();
        var fileBacked = new List<double>();
        var ready = new List<double>();
        var afterOpenApi = new List<double>();
        for (var r = 0; r < runs; r++)
        {
            var connection = await cluster.NewDatabaseAsync("idle");
            var port = FreePort();
            var info = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
            info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
            info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
            info.Environment["ConnectionStrings__Postgres"] = connection;
            info.Environment["Auth__DevToken"] = "dev";
            foreach (var variable in (options.Get("env") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
                info.Environment[variable.Split('=')[0]] = variable.Split('=', 2)[1];
            using var host = Process.Start(info)!;
            _ = host.StandardOutput.ReadToEndAsync();
            _ = host.StandardError.ReadToEndAsync();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "dev");
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    if ((await http.GetAsync("/readyz")).IsSuccessStatusCode) break;
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
                if (clock.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException("The host did not become ready.");
                await Task.Delay(50);
            }
            ready.Add(clock.Elapsed.TotalSeconds);
            // A little use, as a person would: the pages, status, the agents list, who am I.
            foreach (var path in new[] { "/", "/api/status", "/api/agents", "/api/me" }) await http.GetAsync(path);
            await Task.Delay(TimeSpan.FromSeconds(settle));
            rss.Add(Megabytes(host.Id, "VmRSS:"));
            anonymous.Add(Megabytes(host.Id, "RssAnon:"));
            fileBacked.Add(Megabytes(host.Id, "RssFile:"));
            Console.WriteLine($"run {r + 1}: ready in {ready[^1]:0.00} s, idle RSS {rss[^1]:0} MB ({anonymous[^1]:0} anonymous, {fileBacked[^1]:0} file-backed)");
            if (options.Flag("mappings")) PrintLargestMappings(host.Id);
            // The OpenAPI document is built on its first request, a cost a client generator pays, not a person: apart.
            await http.GetAsync("/openapi/v1.json");
            await Task.Delay(TimeSpan.FromSeconds(settle));
            afterOpenApi.Add(Megabytes(host.Id, "VmRSS:"));
            Console.WriteLine($"run {r + 1}: after the OpenAPI document {afterOpenApi[^1]:0} MB");
            host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync();
        }

        new BenchReport("Host at rest", $"./bench idle {options}".Trim())
            .Parameter("settle (s)", settle).Parameter("runs", runs)
            .Columns("measure", "median", "runs")
            .Row("idle RSS (MB), after a few requests", BenchReport.Median(rss), string.Join(" / ", rss.Select(v => v.ToString("0", CultureInfo.InvariantCulture))))
            .Row("of which anonymous (heaps, JIT code)", BenchReport.Median(anonymous), string.Join(" / ", anonymous.Select(v => v.ToString("0", CultureInfo.InvariantCulture))))
            .Row("of which file-backed (mapped assemblies and libraries)", BenchReport.Median(fileBacked), string.Join(" / ", fileBacked.Select(v => v.ToString("0", CultureInfo.InvariantCulture))))
            .Row("idle RSS (MB) once the OpenAPI document was asked for", BenchReport.Median(afterOpenApi), string.Join(" / ", afterOpenApi.Select(v => v.ToString("0", CultureInfo.InvariantCulture))))
            .Row("start to ready (s), migrations on a fresh database included", BenchReport.Median(ready), string.Join(" / ", ready.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture))))
            .Note("The host is the Release build started with `dotnet`, Development environment, every feature module registered, its own database on an embedded PostgreSQL. RSS is VmRSS from /proc after the settle time, after the pages, status, agents and me were asked for; the OpenAPI document is asked for after that and measured apart. `--env Models__Embeddings__Provider=Hashing` leaves the embedding model out; `--mappings` prints what holds the resident set.")
            .Publish();
        return 0;
    }

    private static double Megabytes(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    /// <summary>The files and kinds of memory that hold the most of the resident set, to see what a change would save.</summary>
    private static void PrintLargestMappings(int pid)
    {
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        string? current = null;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 5 && fields[0].Contains('-', StringComparison.Ordinal) && !fields[0].EndsWith(':'))
                current = fields.Length >= 6 ? Path.GetFileName(fields[5]) + (fields.Length > 6 ? " " + fields[6] : "") : "[anonymous]";
            else if (fields is ["Rss:", var kb, "kB"] && current is not null)
                sizes[current] = sizes.GetValueOrDefault(current) + long.Parse(kb, CultureInfo.InvariantCulture);
        }
        foreach (var (name, kb) in sizes.OrderByDescending(p => p.Value).Take(40))
            Console.WriteLine($"  {kb / 1024.0,7:0.0} MB  {name}");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
