using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Hearth.Benchmarks.Memory;

/// <summary>
/// The real host (Hearth.Functions.dll) as a child process, set up for imports: Development with a dev token, no import
/// rate limit, the given import batch size and parallelism, warnings only. Its output is kept for error messages.
/// </summary>
internal sealed class ImportHostProcess : IDisposable
{
    private ImportHostProcess(Process process, StringBuilder output, int port) => (Process, Output, Port) = (process, output, port);

    public Process Process { get; }

    public StringBuilder Output { get; }

    public int Port { get; }

    public static ImportHostProcess Start(string connectionString, string token, int batch, int parallel, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Hearth.Functions.dll") }, WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ConnectionStrings__Postgres"] = connectionString;
        start.Environment["Auth__DevToken"] = token;
        start.Environment["RateLimits__Imports__PermitLimit"] = "0";
        start.Environment["Memory__ImportBatchSize"] = batch.ToString(CultureInfo.InvariantCulture);
        start.Environment["Memory__ImportParallelism"] = parallel.ToString(CultureInfo.InvariantCulture);
        start.Environment["Memory__ImportMaxBytes"] = (1L << 31).ToString(CultureInfo.InvariantCulture);
        start.Environment["AzureFunctionsJobHost__logging__logLevel__default"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) start.Environment[key] = value;
        var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ImportHostProcess(process, output, port);
    }

    /// <summary>Until /readyz answers 200 (at most 2 minutes); the host's output in the error when it exits or times out.</summary>
    public async Task WaitReadyAsync(HttpClient http)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (Process.HasExited) throw new InvalidOperationException($"The host exited with {Process.ExitCode}:\n{Output}");
            try
            {
                if ((await http.GetAsync("readyz")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException($"The host was not ready in 2 minutes:\n{Output}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => Process.Dispose();
}
