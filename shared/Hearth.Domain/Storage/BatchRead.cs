using Npgsql;

namespace Hearth;

/// <summary>
/// One statement a feature's store lends to another feature's batch, so that a caller which needs a few facts from
/// several features still makes one round trip while each table's SQL stays with the feature that owns it. The caller
/// adds <see cref="Command"/> to its <see cref="NpgsqlBatch"/> and, with the reader moved to that statement's result,
/// calls <see cref="ReadAsync"/>.
/// </summary>
public sealed class BatchRead<T>(NpgsqlBatchCommand command, Func<NpgsqlDataReader, CancellationToken, Task<T>> read)
{
    public NpgsqlBatchCommand Command { get; } = command;

    /// <summary>Reads this statement's rows; the reader must be on its result set.</summary>
    public Task<T> ReadAsync(NpgsqlDataReader reader, CancellationToken ct) => read(reader, ct);
}
