using System.Data.Common;
using Npgsql;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Hosting;

/// <summary>Registers the one <see cref="NpgsqlDataSource"/> of the host.</summary>
internal static class DatabaseServices
{
    private static readonly string[] PoolSizeKeywords = ["maximum pool size", "max pool size", "maxpoolsize"];

    public static IServiceCollection AddHearthDatabase(this IServiceCollection services)
    {
        services.AddSingleton(sp => PostgresConnection.Open(
            sp.GetRequiredService<IConfiguration>(),
            sp.GetRequiredService<IHostEnvironment>(),
            sp.GetRequiredService<FunctionAppRoot>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp =>
        {
            var connection = sp.GetRequiredService<PostgresConnection>();
            var builder = new NpgsqlDataSourceBuilder(connection.ConnectionString);
            var settings = builder.ConnectionStringBuilder;
            // Statements run again and again (fetch, heartbeat, lookups): let Npgsql prepare the hot ones.
            if (settings.MaxAutoPrepare == 0) settings.MaxAutoPrepare = 64;
            settings.AutoPrepareMinUsages = 2;
            if (!SetsPoolSize(connection.ConnectionString)) settings.MaxPoolSize = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.MaxPoolSize;
            settings.ApplicationName ??= "hearth";
            builder.UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>());
            return builder.Build();
        });
        return services;
    }

    private static bool SetsPoolSize(string connectionString)
    {
        var parsed = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return parsed.Keys.Cast<string>().Any(k => PoolSizeKeywords.Contains(k.Trim(), StringComparer.OrdinalIgnoreCase));
    }
}
