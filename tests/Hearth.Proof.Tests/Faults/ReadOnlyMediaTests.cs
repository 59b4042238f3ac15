using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Durable.Orchestrations;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Proof.Tests.Faults;

/// <summary>
/// The media folder turns read-only (a full or remounted share): a picture job fails with a reason that says so, nothing
/// half-written is left (no file, no picture row, no chat message), and once the folder is writable again pictures work.
/// In ./chaos only: the store activity retries a failed copy five times with backoff (about 40 s) before the job fails.
/// </summary>
[Trait("Category", "Chaos")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ReadOnlyMediaTests(ProofHost host) : IClassFixture<ProofHost>
{
    [Fact]
    public async Task A_read_only_media_folder_fails_the_picture_with_a_reason_and_leaves_nothing_half_written()
    {
        var user = host.User("readonly");
        var agent = await ProofHost.CreateAgentAsync(user);
        Directory.CreateDirectory(host.MediaRoot);

        string jobId;
        await using (var readOnly = await ReadOnlyFolder.MakeAsync(host.MediaRoot))
        {
            Assert.ThrowsAny<Exception>(() => File.WriteAllText(Path.Combine(host.MediaRoot, "probe"), "x")); // the fault is real
            jobId = await ProofHost.RequestPictureAsync(user, agent);
            var job = await FinishedAsync(user, jobId);

            Assert.Equal("failed", job.GetProperty("status").GetString());
            Assert.Contains("media store", job.GetProperty("reason").GetString()!, StringComparison.OrdinalIgnoreCase);
            Assert.Empty(job.GetProperty("images").EnumerateArray());
            Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from images.job_images where job_id = $1", jobId));
            Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from chat.messages where image_job_id = $1 and kind = 'picture'", jobId));
        }
        Assert.Empty(Directory.EnumerateFiles(host.MediaRoot, "*", SearchOption.AllDirectories)); // not even a temporary file

        // Writable again: the next picture is made and stored.
        var next = await FinishedAsync(user, await ProofHost.RequestPictureAsync(user, agent));
        Assert.Equal("succeeded", next.GetProperty("status").GetString());
    }

    private async Task<JsonElement> FinishedAsync(HttpClient client, string jobId)
    {
        var status = await host.Factory.Services.GetRequiredService<IOrchestrationClient>().WaitForCompletionAsync(jobId, TimeSpan.FromSeconds(60));
        Assert.True(status is { IsFinished: true }, $"picture job {jobId} did not finish: {status?.Status} {status?.CustomStatus}");
        return await client.GetFromJsonAsync<JsonElement>($"/api/images/{jobId}");
    }
}

/// <summary>
/// Makes a folder read-only for everyone, root included: as root, a read-only tmpfs is mounted over it (EROFS, as a
/// remounted share); otherwise its mode becomes 0555.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ReadOnlyFolder : IAsyncDisposable
{
    private readonly string _path;
    private readonly bool _mounted;

    private ReadOnlyFolder(string path, bool mounted)
    {
        _path = path;
        _mounted = mounted;
    }

    public static async Task<ReadOnlyFolder> MakeAsync(string path)
    {
        if (Environment.IsPrivilegedProcess)
        {
            var (code, output) = await RunAsync("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", path);
            if (code != 0) throw new InvalidOperationException($"mount of a read-only tmpfs over {path} failed ({code}): {output}");
            return new ReadOnlyFolder(path, mounted: true);
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return new ReadOnlyFolder(path, mounted: false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_mounted) await RunAsync("umount", _path);
        else File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }
}
