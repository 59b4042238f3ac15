namespace Hearth.Postgres;

/// <summary>Where and how to run a local PostgreSQL cluster.</summary>
public sealed record ClusterOptions
{
    /// <summary>Folder that holds the cluster (<c>pg/</c>), its log and its password. Created when missing.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Database created on first start and named in <see cref="EmbeddedCluster.ConnectionString"/>.</summary>
    public string Database { get; init; } = "hearth";

    /// <summary>
    /// False for throwaway clusters (tests, benchmarks of logic): fsync and synchronous commit off.
    /// Never false for data a person keeps.
    /// </summary>
    public bool Durable { get; init; } = true;

    /// <summary>Extra server settings passed as <c>-c name=value</c>.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Binaries to use; found with <see cref="PostgresBinaries.Find"/> when null.</summary>
    public PostgresBinaries? Binaries { get; init; }
}
