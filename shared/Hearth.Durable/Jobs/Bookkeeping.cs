using Npgsql;

namespace Hearth.Durable.Jobs;

/// <summary>
/// Batches for the runtime's own bookkeeping (fetch, finish, heartbeat, rescue, orchestration steps) commit without
/// waiting for the WAL flush (<c>synchronous_commit = off</c>, local to that transaction). An operating-system crash can
/// lose the last few hundred milliseconds of such commits; the database then looks as if they never happened, which
/// only makes a job or step run again — the at-least-once contract already allows that. Writes that acknowledge work
/// to a caller (enqueue, start, raise event, terminate) stay fully durable.
/// They also plan without sequential or bitmap scans: the runtime's tables are queues whose statistics are stale after
/// every burst (the planner last saw them empty, or full), and every bookkeeping statement is written for an index.
/// </summary>
internal static class Bookkeeping
{
    private const string RelaxCommit =
        "select set_config('synchronous_commit', 'off', true), set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)";

    /// <summary>A batch on its own connection whose implicit transaction commits asynchronously.</summary>
    public static NpgsqlBatch Batch(NpgsqlDataSource db)
    {
        var batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(RelaxCommit));
        return batch;
    }

    /// <summary>A batch on an open connection (its own implicit transaction).</summary>
    public static NpgsqlBatch Batch(NpgsqlConnection connection)
    {
        var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(RelaxCommit));
        return batch;
    }

    /// <summary>A batch inside an explicit transaction that commits asynchronously.</summary>
    public static NpgsqlBatch Batch(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(RelaxCommit));
        return batch;
    }

    /// <summary>A batch with the relaxing command followed by one statement.</summary>
    public static NpgsqlBatch Single(NpgsqlDataSource db, string sql, out NpgsqlBatchCommand command)
    {
        var batch = Batch(db);
        command = new NpgsqlBatchCommand(sql);
        batch.BatchCommands.Add(command);
        return batch;
    }
}
