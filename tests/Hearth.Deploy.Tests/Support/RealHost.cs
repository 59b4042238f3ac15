using Hearth.Functions.Hosting;
using Hearth.Testing.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Hearth.Deploy.Tests.Support;

/// <summary>
/// The real host, in process (Development, on a fresh database), for what the deployment must agree with: the settings
/// it validates (the same registrations as in production), its shutdown timeout, the endpoints it answers.
/// </summary>
public sealed class RealHost : IAsyncLifetime
{
    public HearthFactory Factory { get; private set; } = null!;

    /// <summary>What the host checks before it listens: every registered options class and extra check.</summary>
    public SettingsRegistry Settings => Factory.Services.GetRequiredService<SettingsRegistry>();

    /// <summary>How long the host takes to stop at most (drain + 30 s, from host.json).</summary>
    public TimeSpan ShutdownTimeout => Factory.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;

    public HttpClient Anonymous => Factory.ClientWith(null);

    public async Task InitializeAsync()
    {
        Factory = await HearthFactory.CreateAsync();
        _ = Factory.Server;
    }

    public async Task DisposeAsync() => await Factory.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class RealHostCollection : ICollectionFixture<RealHost>
{
    public const string Name = "real host";
}
