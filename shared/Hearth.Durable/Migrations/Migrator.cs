using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Durable.Migrations;

/// <summary>
/// Applies migrations under a PostgreSQL advisory lock, so any number of hosts starting at once apply each script once.
/// Each script runs in its own transaction together with its record in <c>public.schema_migrations</c>.
/// A script changed after it was applied stops the start: fix it with a new migration instead.
/// </summary>
public static class Migrator
{
    private const long LockKey = 0x4845_4152_5448; // "HEARTH"

    public static async Task<int> ApplyAsync(NpgsqlDataSource dataSource, IEnumerable<MigrationSource> sources, ILogger logger, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand("select pg_advisory_lock($1)", connection) { Parameters = { new() { Value = LockKey } } })
            await lockCommand.ExecuteNonQueryAsync(ct);
        try
        {
            await using (var create = new NpgsqlCommand("""
                create table if not exists public.schema_migrations (
                    module     text        not null,
                    version    int         not null,
                    name       text        not null,
                    checksum   text        not null,
                    applied_at timestamptz not null default now(),
                    primary key (module, version))
                """, connection))
                await create.ExecuteNonQueryAsync(ct);

            var applied = new Dictionary<(string, int), string>();
            await using (var read = new NpgsqlCommand("select module, version, checksum from public.schema_migrations", connection))
            await using (var reader = await read.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                    applied[(reader.GetString(0), reader.GetInt32(1))] = reader.GetString(2);
            }

            var count = 0;
            foreach (var source in sources)
            {
                foreach (var migration in source.Load())
                {
                    if (applied.TryGetValue((migration.Module, migration.Version), out var checksum))
                    {
                        if (checksum != migration.Checksum)
                            throw new InvalidOperationException(
                                $"Migration {migration.Module}/{migration.Name} was changed after it was applied (checksum {checksum}, now {migration.Checksum}). Add a new migration instead.");
                        continue;
                    }
                    await using var tx = await connection.BeginTransactionAsync(ct);
                    await using (var run = new NpgsqlCommand(migration.Sql, connection, tx))
                        await run.ExecuteNonQueryAsync(ct);
                    await using (var record = new NpgsqlCommand(
                        "insert into public.schema_migrations (module, version, name, checksum) values ($1, $2, $3, $4)", connection, tx)
                    {
                        Parameters = { new() { Value = migration.Module }, new() { Value = migration.Version }, new() { Value = migration.Name }, new() { Value = migration.Checksum } },
                    })
                        await record.ExecuteNonQueryAsync(ct);
                    await tx.CommitAsync(ct);
                    logger.LogInformation("Applied migration {Module}/{Migration}", migration.Module, migration.Name);
                    count++;
                }
            }
            return count;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("select pg_advisory_unlock($1)", connection) { Parameters = { new() { Value = LockKey } } };
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
