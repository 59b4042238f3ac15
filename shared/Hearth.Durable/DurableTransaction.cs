using System.Runtime.CompilerServices;
using Npgsql;

namespace Hearth.Durable;

/// <summary>
/// A transaction for business writes that enqueue durable work (jobs, orchestration starts). Use it instead of a raw
/// <see cref="NpgsqlTransaction"/> when the transaction may enqueue: work enqueued in it wakes the workers right after
/// <see cref="CommitAsync"/>, not from inside the transaction, so concurrent business commits do not queue behind each
/// other's WAL flush (PostgreSQL serialises the commits of transactions that NOTIFY). A raw transaction still works:
/// its enqueues notify from inside it.
/// </summary>
public sealed class DurableTransaction : IAsyncDisposable
{
    private static readonly ConditionalWeakTable<NpgsqlTransaction, DurableTransaction> Open = new();
    private int _notify;

    private DurableTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Connection = connection;
        Transaction = transaction;
    }

    public NpgsqlConnection Connection { get; }

    /// <summary>The transaction to pass to enqueue and start calls, and to run the business statements in.</summary>
    public NpgsqlTransaction Transaction { get; }

    /// <summary>Opens a connection of <paramref name="db"/> and begins a transaction on it.</summary>
    public static async Task<DurableTransaction> BeginAsync(NpgsqlDataSource db, CancellationToken ct = default)
    {
        var connection = await db.OpenConnectionAsync(ct);
        try
        {
            var transaction = await connection.BeginTransactionAsync(ct);
            var durable = new DurableTransaction(connection, transaction);
            Open.Add(transaction, durable);
            return durable;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Commits, then wakes the workers if anything was enqueued.</summary>
    public async Task CommitAsync(CancellationToken ct = default)
    {
        await Transaction.CommitAsync(ct);
        if (Volatile.Read(ref _notify) == 0) return;
        try
        {
            await using var notify = new NpgsqlCommand("select pg_notify('durable_jobs', '')", Connection);
            await notify.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
        {
            // The work is committed; workers poll, so a lost wake-up costs at most one polling interval.
        }
    }

    public Task RollbackAsync(CancellationToken ct = default) => Transaction.RollbackAsync(ct);

    public async ValueTask DisposeAsync()
    {
        Open.Remove(Transaction);
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }

    /// <summary>
    /// Called by the runtime before it inserts jobs in <paramref name="transaction"/>: returns the statement that defers
    /// the trigger's notification to after commit when the transaction is a <see cref="DurableTransaction"/>, else null.
    /// </summary>
    internal static string? DeferNotification(NpgsqlTransaction? transaction)
    {
        if (transaction is null || !Open.TryGetValue(transaction, out var durable)) return null;
        Volatile.Write(ref durable._notify, 1);
        return DeferSql;
    }

    internal const string DeferSql = "select set_config('durable.defer_notify', 'on', true)";
}

/// <summary><c>db.BeginDurableAsync()</c>: shorthand for <see cref="DurableTransaction.BeginAsync"/>.</summary>
public static class DurableTransactionExtensions
{
    public static Task<DurableTransaction> BeginDurableAsync(this NpgsqlDataSource db, CancellationToken ct = default) =>
        DurableTransaction.BeginAsync(db, ct);
}
