using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Hearth.Testing.Faults;

/// <summary>
/// Faults for the skill library's tests, injected at the database boundary: triggers a test adds to its own database
/// once the host has migrated it. The product carries no seam for them; what fails is the statement the product runs,
/// as a real database error or a slow write would.
/// </summary>
public static class SkillDatabaseFaults
{
    /// <summary>Every version a run writes waits <paramref name="delay"/> inside its transaction (so a test can kill the host mid-run).</summary>
    public static Task SlowRunWritesAsync(string connectionString, TimeSpan delay) => RunAsync(connectionString, $"""
        create function public.test_slow_write() returns trigger language plpgsql as $$
        begin
            perform pg_sleep({delay.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)});
            return new;
        end $$;
        create trigger test_slow_write before insert on skills.versions for each row when (new.run_id is not null)
            execute function public.test_slow_write();
        """);

    /// <summary>
    /// The first write of a run's version of each of <paramref name="paths"/> in <paramref name="owner"/>'s library fails
    /// (its transaction rolls back); later attempts succeed. A sequence per path counts attempts, since a sequence is not
    /// rolled back with the transaction.
    /// </summary>
    public static Task FailFirstRunWritesAsync(string connectionString, string owner, IEnumerable<string> paths)
    {
        var sql = new StringBuilder($$"""
            create table public.test_first_failures (path text primary key, attempts regclass not null);
            create function public.test_fail_first_write() returns trigger language plpgsql as $$
            declare counter regclass;
            begin
                select attempts into counter from public.test_first_failures where path = new.path;
                if counter is not null and nextval(counter) = 1 then
                    raise exception 'Injected failure of the first attempt for ''%''', new.path;
                end if;
                return new;
            end $$;
            create trigger test_fail_first_write before insert on skills.versions for each row
                when (new.run_id is not null and new.owner_id::text = '{{owner.Replace("'", "''")}}')
                execute function public.test_fail_first_write();

            """);
        var i = 0;
        foreach (var path in paths.Distinct(StringComparer.Ordinal))
        {
            i++;
            sql.Append($"create sequence public.test_attempts_{i}; insert into public.test_first_failures values ('{path.Replace("'", "''")}', 'public.test_attempts_{i}');\n");
        }
        return RunAsync(connectionString, sql.ToString());
    }

    /// <summary>Indexing fails for every skill file whose path contains <paramref name="fragment"/>: its search documents cannot be written.</summary>
    public static Task FailIndexingAsync(string connectionString, string fragment) => RunAsync(connectionString, $"""
        create function public.test_fail_indexing() returns trigger language plpgsql as $$
        begin
            raise exception 'Injected indexing failure for ''%''', new.source;
        end $$;
        create trigger test_fail_indexing before insert or update on search.documents for each row
            when (not new.deleted and new.source like '%{fragment.Replace("'", "''").Replace("%", "\\%")}%')
            execute function public.test_fail_indexing();
        """);

    /// <summary>A fixed, path-hashed <paramref name="fraction"/> of paths (the same every run, so a test can count them).</summary>
    public static bool IsSampled(string path, double fraction)
    {
        if (fraction <= 0) return false;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(path));
        return BitConverter.ToUInt32(hash, 0) / (double)uint.MaxValue < fraction;
    }

    private static async Task RunAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
