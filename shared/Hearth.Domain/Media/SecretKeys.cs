using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Hearth.Media;

/// <summary>Server secrets generated on first use and kept, so every replica (and every restart) uses the same one.</summary>
public interface ISecretKeyStore
{
    /// <summary>The 32-byte secret called <paramref name="name"/>, created at random the first time it is asked for.</summary>
    Task<byte[]> GetOrCreateAsync(string name, CancellationToken ct);
}

/// <summary><see cref="ISecretKeyStore"/> in <c>media.secret_keys</c>. Concurrent first calls agree on one key.</summary>
public sealed class PostgresSecretKeyStore(NpgsqlDataSource db) : ISecretKeyStore
{
    public async Task<byte[]> GetOrCreateAsync(string name, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        // Two attempts: when another process inserts between our snapshot and our insert, the second read sees its key.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            await using var command = db.CreateCommand("""
                with inserted as (
                    insert into media.secret_keys (name, key) values ($1, $2)
                    on conflict (name) do nothing
                    returning key)
                select key from inserted
                union all
                select key from media.secret_keys where name = $1
                limit 1
                """);
            command.Parameters.Add(new() { Value = name });
            command.Parameters.Add(new() { Value = RandomNumberGenerator.GetBytes(32) });
            if (await command.ExecuteScalarAsync(ct) is byte[] key) return key;
        }
        throw new InvalidOperationException($"Could not create or read the secret '{name}'.");
    }
}

/// <summary>
/// A secret taken from configuration when set (its UTF-8 bytes), otherwise generated and kept by an
/// <see cref="ISecretKeyStore"/>. Read once, then cached for the life of the process.
/// </summary>
public sealed class ConfiguredOrStoredSecret(string? configured, string storedName, ISecretKeyStore store)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _key = string.IsNullOrEmpty(configured) ? null : Encoding.UTF8.GetBytes(configured);

    /// <summary>True when the secret comes from configuration.</summary>
    public bool IsConfigured { get; } = !string.IsNullOrEmpty(configured);

    public async ValueTask<byte[]> GetAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _key) is { } key) return key;
        await _gate.WaitAsync(ct);
        try
        {
            return _key ??= await store.GetOrCreateAsync(storedName, ct);
        }
        finally
        {
            _gate.Release();
        }
    }
}
