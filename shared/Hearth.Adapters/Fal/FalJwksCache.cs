using System.Buffers.Text;
using System.Text.Json;
using Hearth.Adapters.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hearth.Adapters.Fal;

/// <summary>
/// Fal's webhook signing keys (a JWKS of OKP/Ed25519 keys, <c>x</c> in base64url), fetched from <c>Fal:JwksUrl</c> and
/// trusted for at most <c>Fal:JwksCacheDuration</c> (≤ 24 h, as Fal asks). When no cached key verifies a signature the
/// verifier may force a refresh (Fal rotated its keys), at most once per <c>Fal:JwksMinRefreshInterval</c>. One fetch at
/// a time: concurrent callers wait for it rather than each calling Fal. Fetches go through
/// <see cref="FalOptions.JwksResilience"/> (a quick retry, a per-try timeout, a circuit breaker on the host's clock).
/// </summary>
public sealed class FalJwksCache(HttpClient http, IOptions<FalOptions> options, TimeProvider time, ILogger<FalJwksCache> logger)
{
    /// <summary>
    /// The cache as the host builds it: a long-lived client (connections recycled to follow DNS changes) under the key
    /// fetch's resilience pipeline. <paramref name="inner"/> replaces the socket handler (tests).
    /// </summary>
    public static FalJwksCache Create(IOptions<FalOptions> options, TimeProvider time, ILogger<FalJwksCache> logger, HttpMessageHandler? inner = null)
    {
        var resilience = options.Value.JwksResilience();
        var handler = resilience.CreateHandler(time, inner ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, logger);
        return new FalJwksCache(new HttpClient(handler) { Timeout = resilience.Budget + TimeSpan.FromSeconds(1) }, options, time, logger);
    }

    private readonly FalOptions _options = options.Value;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Snapshot? _snapshot;
    private DateTimeOffset? _lastForcedRefresh;
    private int _fetches;

    /// <summary>How many times the keys were fetched (diagnostics and tests).</summary>
    public int FetchCount => Volatile.Read(ref _fetches);

    /// <summary>The current keys (32-byte Ed25519 public keys), fetched when none are cached or the cached ones are too old.</summary>
    public async ValueTask<IReadOnlyList<byte[]>> GetKeysAsync(CancellationToken ct)
    {
        if (Fresh(_snapshot) is { } keys) return keys;
        await _gate.WaitAsync(ct);
        try
        {
            if (Fresh(_snapshot) is { } again) return again;
            return await FetchAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Fetches the keys again, ignoring the cache, unless a forced refresh happened less than
    /// <c>Fal:JwksMinRefreshInterval</c> ago; then returns null.
    /// </summary>
    public async ValueTask<IReadOnlyList<byte[]>?> TryRefreshAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var now = time.GetUtcNow();
            if (_lastForcedRefresh is { } last && now - last < _options.JwksMinRefreshInterval) return null;
            _lastForcedRefresh = now;
            return await FetchAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    private IReadOnlyList<byte[]>? Fresh(Snapshot? snapshot) =>
        snapshot is not null && time.GetUtcNow() - snapshot.FetchedAt < _options.JwksCacheDuration ? snapshot.Keys : null;

    private async Task<IReadOnlyList<byte[]>> FetchAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _fetches);
        string body;
        try
        {
            using var response = await http.GetAsync(_options.JwksUrl, ct);
            if (!response.IsSuccessStatusCode)
                throw new FalKeysUnavailableException($"Fetching Fal's signing keys from {_options.JwksUrl.Host} failed with {(int)response.StatusCode}.");
            body = await response.Content.ReadAsStringAsync(ct);
        }
        catch (Exception e) when (ProviderResilience.IsTimeout(e) || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw new FalKeysUnavailableException($"Fetching Fal's signing keys from {_options.JwksUrl.Host} timed out.", e);
        }
        catch (Exception e) when (ProviderResilience.IsCircuitOpen(e))
        {
            throw new FalKeysUnavailableException($"Fal's signing keys are not fetched from {_options.JwksUrl.Host} for now: every recent fetch failed.", e);
        }
        catch (HttpRequestException e)
        {
            throw new FalKeysUnavailableException($"Fetching Fal's signing keys from {_options.JwksUrl.Host} failed: {e.Message}", e);
        }

        var keys = Parse(body);
        _snapshot = new Snapshot(keys, time.GetUtcNow());
        logger.LogInformation("Fetched {KeyCount} Fal webhook signing key(s) from {Host}", keys.Count, _options.JwksUrl.Host);
        return keys;
    }

    /// <summary>The Ed25519 keys of a JWKS document; other key types are skipped.</summary>
    public static IReadOnlyList<byte[]> Parse(string jwks)
    {
        var keys = new List<byte[]>();
        try
        {
            using var json = JsonDocument.Parse(jwks);
            if (json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("keys", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var key in list.EnumerateArray())
                {
                    if (key.ValueKind != JsonValueKind.Object) continue;
                    if (Text(key, "kty") != "OKP" || Text(key, "crv") != "Ed25519" || Text(key, "x") is not { } x) continue;
                    var bytes = new byte[48];
                    if (TryDecode(x, bytes, out var written) && written == 32) keys.Add(bytes[..32]);
                }
            }
        }
        catch (JsonException e)
        {
            throw new FalKeysUnavailableException("Fal's key set is not JSON.", e);
        }
        if (keys.Count == 0) throw new FalKeysUnavailableException("Fal's key set holds no Ed25519 keys.");
        return keys;
    }

    // Base64Url.TryDecodeFromChars throws on characters outside the alphabet or a bad length: such a key is skipped.
    private static bool TryDecode(string text, Span<byte> destination, out int written)
    {
        written = 0;
        try
        {
            return Base64Url.TryDecodeFromChars(text, destination, out written);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private sealed record Snapshot(IReadOnlyList<byte[]> Keys, DateTimeOffset FetchedAt);
}

/// <summary>Fal's signing keys could not be obtained; webhooks cannot be verified right now (answer 503 so Fal retries).</summary>
public sealed class FalKeysUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
