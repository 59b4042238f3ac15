using Npgsql;

namespace Hearth.Durable.Jobs;

/// <summary>
/// Runs a statement that inserts jobs on behalf of a caller, so that it wakes the workers without serialising commits:
/// inside a <see cref="DurableTransaction"/> the notification waits for its commit; without a transaction the statement
/// commits on its own and the notification follows in a transaction that writes nothing; inside a raw transaction the
/// insert trigger notifies at commit (correct, but such commits wait for each other's WAL flush).
/// </summary>
internal static class JobInserts
{
    /// <summary>
    /// Runs <paramref name="commands"/> in order (one round trip); returns the first column of the last one's first row
    /// (or null) and the rows the last one affected.
    /// </summary>
    public static async Task<(object? Scalar, int Affected)> ExecuteAsync(NpgsqlDataSource db, NpgsqlTransaction? transaction, CancellationToken ct,
        params NpgsqlBatchCommand[] commands)
    {
        if (transaction is not null)
        {
            await using var batch = new NpgsqlBatch(transaction.Connection, transaction);
            if (DurableTransaction.DeferNotification(transaction) is { } defer) batch.BatchCommands.Add(new NpgsqlBatchCommand(defer));
            foreach (var command in commands) batch.BatchCommands.Add(command);
            return await RunAsync(batch, ct);
        }

        await using var connection = await db.OpenConnectionAsync(ct);
        (object? Scalar, int Affected) result;
        await using (var batch = new NpgsqlBatch(connection))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(DurableTransaction.DeferSql));
            foreach (var command in commands) batch.BatchCommands.Add(command);
            result = await RunAsync(batch, ct);
        }
        if (result.Affected > 0 || result.Scalar is > 0)
        {
            await using var notify = new NpgsqlCommand("select pg_notify('durable_jobs', '')", connection);
            await notify.ExecuteNonQueryAsync(CancellationToken.None);
        }
        return result;
    }

    private static async Task<(object? Scalar, int Affected)> RunAsync(NpgsqlBatch batch, CancellationToken ct)
    {
        object? scalar = null;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            for (var skip = batch.BatchCommands.Count - 1; skip > 0; skip--) await reader.NextResultAsync(ct);
            if (reader.FieldCount > 0 && await reader.ReadAsync(ct)) scalar = reader.GetValue(0);
        }
        return (scalar, batch.BatchCommands[^1].RecordsAffected);
    }
}
