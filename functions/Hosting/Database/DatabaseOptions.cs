using System.ComponentModel.DataAnnotations;

namespace Hearth.Functions.Hosting;

/// <summary>Where the database is.</summary>
[SettingsSection("ConnectionStrings")]
public sealed class ConnectionStringSettings
{
    [Setting("PostgreSQL connection string (Npgsql format). Unset in Development: an embedded cluster is started from the local binaries.",
        RequiredInProduction = true, Secret = true)]
    public string? Postgres { get; set; }
}

/// <summary>How the host uses the database.</summary>
[SettingsSection("Database")]
public sealed class DatabaseOptions
{
    [Setting("Folder of the embedded PostgreSQL cluster (Development without a connection string); default .data/ in the function app root.",
        Key = "HEARTH_DATA_DIR")]
    public string? DataDirectory { get; set; }

    [Setting("Pooled connections at most, unless the connection string sets Maximum Pool Size.")]
    [Range(1, 1000)]
    public int MaxPoolSize { get; set; } = 50;
}
