using System.Diagnostics;
using System.Net.Sockets;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hearth.Benchmarks.Orchestration;

/// <summary>
/// The peer: the same Microsoft.DurableTask orchestrators and activities on DurableTask.Core's <see cref="TaskHubWorker"/>
/// with Microsoft's Azure Storage provider (<c>Microsoft.Azure.DurableTask.AzureStorage</c>, the engine Durable
/// Functions uses by default) against Azurite, the storage emulator, started and stopped here (installed by
/// <c>./bench</c> into perf/azurite). Only in the bench, never in the product.
/// </summary>
internal static class AzuritePeer
{
    public sealed record Figures(double FanOut, double Chain);

    private static string AzuriteJs => Path.GetFullPath("perf/azurite/node_modules/azurite/dist/src/azurite.js");

    public static bool Available => File.Exists(AzuriteJs);

    // Azurite's well-known development account (public, documented for the emulator).
    private const string DevAccount = "devstoreaccount1";
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public static async Task<Figures> RunAsync(int fanOut, int chain)
    {
        var ports = new[] { FreePort(), FreePort(), FreePort() };
        var location = Directory.CreateTempSubdirectory("hearth-azurite-");
        var info = new ProcessStartInfo("node",
        [
            AzuriteJs, "--silent", "--skipApiVersionCheck", "--location", location.FullName,
            "--blobPort", ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queuePort", ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tablePort", ports[2].ToString(System.Globalization.CultureInfo.InvariantCulture),
        ]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        using var azurite = Process.Start(info) ?? throw new InvalidOperationException("Could not start Azurite.");
        _ = Task.Run(async () => { while (await azurite.StandardOutput.ReadLineAsync() is not null) { } });
        _ = Task.Run(async () => { while (await azurite.StandardError.ReadLineAsync() is not null) { } });
        try
        {
            foreach (var port in ports) await WaitForPortAsync(port);
            var connection = $"DefaultEndpointsProtocol=http;AccountName={DevAccount};AccountKey={DevKey};"
                + $"BlobEndpoint=http://127.0.0.1:{ports[0]}/{DevAccount};QueueEndpoint=http://127.0.0.1:{ports[1]}/{DevAccount};"
                + $"TableEndpoint=http://127.0.0.1:{ports[2]}/{DevAccount};";
            var service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
            {
                TaskHubName = "hearthbench",
                StorageAccountClientProvider = new StorageAccountClientProvider(connection),
            });
            await service.CreateIfNotExistsAsync();

            var shims = new DurableTaskShimFactory(new DurableTaskWorkerOptions(), NullLoggerFactory.Instance);
            var orchestrations = new Map<TaskOrchestration>();
            orchestrations.Add(nameof(SideBySide.TaskSumOfSquares), () => shims.CreateOrchestration(new TaskName(nameof(SideBySide.TaskSumOfSquares)), new SideBySide.TaskSumOfSquares()));
            orchestrations.Add(nameof(SideBySide.TaskChain), () => shims.CreateOrchestration(new TaskName(nameof(SideBySide.TaskChain)), new SideBySide.TaskChain()));
            var activities = new Map<TaskActivity>();
            activities.Add(nameof(SideBySide.SquareActivity), () => shims.CreateActivity(new TaskName(nameof(SideBySide.SquareActivity)), new SideBySide.SquareActivity()));
            activities.Add(nameof(SideBySide.NextActivity), () => shims.CreateActivity(new TaskName(nameof(SideBySide.NextActivity)), new SideBySide.NextActivity()));
            var worker = new TaskHubWorker(service, orchestrations, activities, NullLoggerFactory.Instance)
            {
                ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails,
            };
            await worker.StartAsync();
            var client = new TaskHubClient(service);
            try
            {
                // Warm-up (untimed), as on the other engines.
                await RunOneAsync(client, nameof(SideBySide.TaskSumOfSquares), 20);
                await RunOneAsync(client, nameof(SideBySide.TaskChain), 5);

                var clock = Stopwatch.StartNew();
                var sum = await RunOneAsync(client, nameof(SideBySide.TaskSumOfSquares), fanOut);
                var fanOutRate = fanOut / clock.Elapsed.TotalSeconds;
                if (long.Parse(sum, System.Globalization.CultureInfo.InvariantCulture) != Enumerable.Range(1, fanOut).Sum(i => (long)i * i))
                    throw new InvalidOperationException("The Azurite peer's fan-out ended with a wrong result.");

                clock.Restart();
                var steps = await RunOneAsync(client, nameof(SideBySide.TaskChain), chain);
                var chainRate = chain / clock.Elapsed.TotalSeconds;
                if (steps != chain.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    throw new InvalidOperationException("The Azurite peer's chain ended with a wrong result.");
                return new Figures(fanOutRate, chainRate);
            }
            finally
            {
                await worker.StopAsync(true);
            }
        }
        finally
        {
            if (!azurite.HasExited) azurite.Kill(entireProcessTree: true);
            await azurite.WaitForExitAsync();
            location.Delete(recursive: true);
        }
    }

    private static async Task<string> RunOneAsync(TaskHubClient client, string name, int input)
    {
        var instance = await client.CreateOrchestrationInstanceAsync(name, string.Empty, input);
        // Polled every 10 ms (the provider's own wait polls its table with a back-off up to seconds).
        while (true)
        {
            var state = await client.GetOrchestrationStateAsync(instance);
            if (state?.OrchestrationStatus is OrchestrationStatus.Completed) return state.Output;
            if (state?.OrchestrationStatus is OrchestrationStatus.Failed or OrchestrationStatus.Terminated)
                throw new InvalidOperationException($"The Azurite peer's {name} ended {state.OrchestrationStatus}: {state.Output}");
            await Task.Delay(10);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(System.Net.IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50);
            }
        }
    }

    private sealed class Map<T> : INameVersionObjectManager<T>
    {
        private readonly Dictionary<string, Func<T>> _creators = new(StringComparer.Ordinal);

        public void Add(string name, Func<T> create) => _creators[name] = create;

        public void Add(ObjectCreator<T> creator) => _creators[creator.Name] = creator.Create;

        public T? GetObject(string name, string? version) => _creators.TryGetValue(name, out var create) ? create() : default;
    }
}
