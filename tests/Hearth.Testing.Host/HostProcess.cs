using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Hearth.Testing.Host;

/// <summary>The built host (Hearth.Functions.dll) as a child process, with its own environment and working directory.</summary>
public sealed class HostProcess : IAsyncDisposable
{
    private static readonly string[] InheritedPrefixesToDrop =
        ["ASPNETCORE_", "DOTNET_ENVIRONMENT", "ConnectionStrings__", "Auth__", "AzureFunctionsJobHost__", "HEARTH_", "Testing__", "Http__", "RateLimits__", "Database__"];

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HostProcess(Process process) => _process = process;

    public int Id => _process.Id;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>
    /// Starts <c>dotnet Hearth.Functions.dll</c> with only the given Hearth settings in its environment; <paramref name="hostDll"/>
    /// runs another copy of the host (default: <see cref="HostDll"/>).
    /// </summary>
    public static HostProcess Start(Dictionary<string, string> environment, string? workingDirectory = null, string? hostDll = null)
    {
        hostDll ??= HostDll;
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { hostDll },
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(hostDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var key in start.Environment.Keys.ToList())
        {
            if (InheritedPrefixesToDrop.Any(p => key.StartsWith(p, StringComparison.OrdinalIgnoreCase))) start.Environment.Remove(key);
        }
        // As in HearthFactory: hosts embed by hashing unless the test names a provider (the model costs ~400 MB per process).
        start.Environment["Models__Embeddings__Provider"] = "Hashing";
        foreach (var (key, value) in environment) start.Environment[key] = value;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var host = new HostProcess(process);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.Exited += (_, _) => host._exited.TrySetResult();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Waits for the exit (bounded, so a hung host fails the test instead of hanging it) and returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan bound)
    {
        var finished = await Task.WhenAny(_exited.Task, Task.Delay(bound));
        if (finished != _exited.Task)
            throw new TimeoutException($"The host did not exit within {bound}. Output:\n{Output}");
        await _process.WaitForExitAsync(); // drains the redirected streams
        return _process.ExitCode;
    }

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>Sends SIGTERM, as a container runtime or systemd does.</summary>
    public void Terminate()
    {
        if (kill(_process.Id, 15) != 0) throw new InvalidOperationException($"kill -TERM {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>SIGKILL: the host dies without cleaning up (its embedded server keeps running).</summary>
    public void Kill() => _process.Kill();

    /// <summary>Polls <paramref name="url"/> until it answers 200, or the process exits, within a bound.</summary>
    public async Task WaitUntilReadyAsync(string url, TimeSpan bound)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + bound;
        while (DateTime.UtcNow < deadline)
        {
            if (HasExited) throw new InvalidOperationException($"The host exited with {_process.ExitCode} before it was ready. Output:\n{Output}");
            try
            {
                using var response = await http.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The host was not ready at {url} within {bound}. Output:\n{Output}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The host built next to this test project (same configuration).</summary>
    public static string HostDll { get; } = FindHostDll();

    private static string FindHostDll()
    {
        var testDir = AppContext.BaseDirectory; // …/tests/Hearth.Functions.Tests/bin/<Configuration>/<tfm>/
        var tfm = new DirectoryInfo(testDir).Name;
        var configuration = new DirectoryInfo(testDir).Parent!.Name;
        for (var dir = new DirectoryInfo(testDir); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "functions", "bin", configuration, tfm, "Hearth.Functions.dll");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"Hearth.Functions.dll ({configuration}/{tfm}) not found above {testDir}; build functions first.");
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    public async ValueTask DisposeAsync()
    {
        if (!HasExited)
        {
            try
            {
                Terminate();
                await WaitForExitAsync(TimeSpan.FromSeconds(60));
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
