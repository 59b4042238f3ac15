using System.Runtime;

namespace Hearth.Functions.Hosting;

/// <summary>
/// One full, compacting collection once the host listens: building the configuration, the service container and the
/// route table leaves garbage that the server GC would otherwise keep committed while the host rests (a host that
/// scales to zero spends most of its life at rest).
/// </summary>
public sealed class StartupGarbage(IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
