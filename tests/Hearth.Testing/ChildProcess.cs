using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Hearth.Testing;

/// <summary>A process started by a test (a host, a CLI), with its output captured and signals at hand.</summary>
public sealed partial class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(string Marker, TaskCompletionSource Seen)> _waiters = [];

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything written to stdout and stderr so far.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Starts <c>dotnet &lt;dll&gt;</c> (or any file) with extra environment variables.</summary>
    public static ChildProcess Start(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Starts a .NET assembly built next to the tests with <c>dotnet</c>.</summary>
    public static ChildProcess StartDotnet(string dllPath, IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        Start("dotnet", [dllPath, .. arguments], environment, Path.GetDirectoryName(dllPath));

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AppendLine(line);
            foreach (var (marker, seen) in _waiters)
                if (line.Contains(marker, StringComparison.Ordinal)) seen.TrySetResult();
        }
    }

    /// <summary>Waits until a line containing <paramref name="marker"/> is printed; fails early if the process exits.</summary>
    public async Task WaitForOutputAsync(string marker, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            if (_output.ToString().Contains(marker, StringComparison.Ordinal)) return;
            _waiters.Add((marker, seen));
        }
        var exited = _process.WaitForExitAsync();
        var finished = await Task.WhenAny(seen.Task, exited, Task.Delay(timeout));
        if (finished == seen.Task) return;
        throw new TimeoutException(finished == exited
            ? $"The process exited ({_process.ExitCode}) before printing '{marker}'. Output:\n{Output}"
            : $"'{marker}' not printed within {timeout.TotalSeconds} s. Output:\n{Output}");
    }

    /// <summary>SIGKILL: no cleanup, no drain — a crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM: a graceful stop request (what Kubernetes and Container Apps send).</summary>
    public void Terminate()
    {
        if (!_process.HasExited && SendSignal(_process.Id, 15) != 0)
            throw new InvalidOperationException($"kill(SIGTERM) failed: {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Waits for the process to exit; returns false on timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Terminate();
            if (!await WaitForExitAsync(TimeSpan.FromSeconds(20))) Kill();
        }
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
