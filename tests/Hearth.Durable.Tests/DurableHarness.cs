using Hearth.Durable.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Durable.Tests;

/// <summary>A generic host running the job runtime in this process against one test database.</summary>
public sealed class DurableHarness : IAsyncDisposable
{
    private readonly IHost _host;
    private int _stopped;

    private DurableHarness(IHost host, NpgsqlDataSource db)
    {
        _host = host;
        Db = db;
    }

    public NpgsqlDataSource Db { get; }
    public IServiceProvider Services => _host.Services;
    public IJobClient Jobs => Services.GetRequiredService<IJobClient>();

    /// <summary>Fast settings for tests: short leases and retry delays.</summary>
    public static void TestDefaults(DurableOptions o)
    {
        o.LeaseDuration = TimeSpan.FromSeconds(5);
        o.VisibilityTimeout = TimeSpan.FromMilliseconds(50);
        o.MaxRetryInterval = TimeSpan.FromSeconds(1);
        o.MaxPollingInterval = TimeSpan.FromMilliseconds(500);
        o.DrainTimeout = TimeSpan.FromSeconds(10);
    }

    public static async Task<DurableHarness> StartAsync(string connectionString, Action<DurableBuilder> register, Action<DurableOptions>? configure = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        var dataSourceBuilder = new NpgsqlDataSourceBuilder(connectionString);
        var db = dataSourceBuilder.Build();
        builder.Services.AddSingleton(db);
        var durable = builder.Services.AddDurable(o =>
        {
            TestDefaults(o);
            configure?.Invoke(o);
        });
        register(durable);
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        var harness = new DurableHarness(host, db);
        await host.Services.GetRequiredService<Migrations.DatabaseReadiness>().WaitAsync(CancellationToken.None);
        return harness;
    }

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await _host.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }

    /// <summary>A scalar query against the test database.</summary>
    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = Db.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
