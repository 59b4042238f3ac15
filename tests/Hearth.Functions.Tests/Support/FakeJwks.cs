using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Functions.Tests.Support;

/// <summary>An identity provider's JWKS endpoint on loopback: serves whatever keys the test sets, counts fetches.</summary>
public sealed class FakeJwks : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile object[] _keys = [];
    private int _fetches;

    private FakeJwks(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public int Fetches => Volatile.Read(ref _fetches);

    /// <summary>When true the endpoint answers 500.</summary>
    public bool Failing { get; set; }

    public void SetKeys(params object[] keys) => _keys = keys;

    public static async Task<FakeJwks> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var jwks = new FakeJwks(app);
        app.MapGet("/.well-known/jwks.json", () =>
        {
            Interlocked.Increment(ref jwks._fetches);
            return jwks.Failing ? Results.StatusCode(500) : Results.Json(new { keys = jwks._keys });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        jwks.Url = new Uri(new Uri(address), "/.well-known/jwks.json");
        return jwks;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
