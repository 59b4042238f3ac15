using Xunit;
using System.Net.Http.Json;
using System.Text.Json;

namespace Hearth.Testing.Host;

/// <summary>One Development host shared by a test class (an xunit class fixture); derive to add test services.</summary>
public class DevelopmentHost : IAsyncLifetime
{
    public const string DevTokenValue = "dev-token-for-tests";
    public HearthFactory Factory { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>(Settings) { ["Auth:DevToken"] = DevTokenValue };
        Factory = await HearthFactory.CreateAsync("Development", settings, ConfigureServices);
        _ = Factory.Server; // start now, so tests measure nothing of the start
    }

    public async Task DisposeAsync() => await Factory.DisposeAsync();

    /// <summary>Services to add or replace in the host under test.</summary>
    protected virtual void ConfigureServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services)
    {
    }

    /// <summary>Extra configuration (highest precedence) for the host under test.</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public HttpClient Admin => Factory.ClientWith(DevTokenValue);

    /// <summary>A non-admin user of its own (dev:&lt;name&gt;).</summary>
    public HttpClient User(string name) => Factory.ClientWith($"{DevTokenValue}:{name}");

    public HttpClient Anonymous => Factory.ClientWith(null);

    /// <summary>The id of the dev user <paramref name="name"/> (created on first sight).</summary>
    public async Task<string> UserIdAsync(string name)
    {
        var me = await User(name).GetFromJsonAsync<JsonElement>("/api/me");
        return me.GetProperty("id").GetString()!;
    }
}
