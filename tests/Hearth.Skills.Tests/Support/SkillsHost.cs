using Hearth.Durable.Migrations;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing;
using Hearth.Testing.Host;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Skills.Tests.Support;

/// <summary>
/// The real host in process (Development, dev tokens) on a fresh database, with a checkout folder of its own, fast
/// retries, and (unless <see cref="WithArchive"/> is false) a second fresh database as the archive.
/// </summary>
public class SkillsHost : IAsyncLifetime
{
    public const string Token = "skills-dev-token";

    public HearthFactory Factory { get; private set; } = null!;
    public string CheckoutRoot { get; } = Path.Combine(Path.GetTempPath(), "hearth-skills-tests", Guid.NewGuid().ToString("N")[..10]);
    public string? ArchiveConnectionString { get; private set; }

    protected virtual bool WithArchive => true;

    /// <summary>Extra settings (highest precedence).</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Runs once the host has migrated its database, before any test (e.g. to add faults at the database boundary).</summary>
    protected virtual Task PrepareDatabaseAsync(string connectionString) => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:DevToken"] = Token,
            ["Skills:CheckoutRoot"] = CheckoutRoot,
            ["Skills:IngestFirstRetry"] = "00:00:00.050",
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
        };
        if (WithArchive) settings["ConnectionStrings:Archive"] = ArchiveConnectionString = await TestPostgres.CreateDatabaseAsync();
        foreach (var (key, value) in Settings) settings[key] = value;
        Factory = await HearthFactory.CreateAsync("Development", settings, ConfigureServices);
        _ = Factory.Server;
        await Factory.Services.GetRequiredService<DatabaseReadiness>().WaitAsync(CancellationToken.None);
        await PrepareDatabaseAsync(Factory.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        try { Directory.Delete(CheckoutRoot, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>A client for the dev user <paramref name="name"/> (each name its own library).</summary>
    public HttpClient User(string name) => Factory.ClientWith($"{Token}:{name}");

    public HttpClient Admin => Factory.ClientWith(Token);

    public HttpClient Anonymous => Factory.ClientWith(null);

    public T Service<T>() where T : notnull => Factory.Services.GetRequiredService<T>();

    public async Task<string> UserIdAsync(string name)
    {
        var me = await User(name).GetFromJsonAsync<JsonElement>("/api/me");
        return me.GetProperty("id").GetString()!;
    }
}
