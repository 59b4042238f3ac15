using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Hearth.Functions.Identity;

/// <summary>Where the JWT verifier gets public keys.</summary>
public interface ISigningKeys
{
    /// <summary>The current keys; <paramref name="refresh"/> asks for a fresh fetch (an unknown key id), which may be throttled.</summary>
    ValueTask<IReadOnlyList<JsonWebKey>> GetAsync(bool refresh, CancellationToken ct);
}

/// <summary>
/// Keys fetched from <c>Auth:Jwt:JwksUrl</c>, cached for <c>JwksRefreshMinutes</c>; an unknown key id fetches again at most
/// every 30 seconds (so forged kids cannot hammer the provider). When a fetch fails the cached keys keep serving.
/// </summary>
public sealed class JwksSigningKeys(HttpClient http, Uri url, TimeSpan refreshInterval, TimeProvider time, ILogger<JwksSigningKeys> logger) : ISigningKeys
{
    private static readonly TimeSpan MinimumRefetch = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IReadOnlyList<JsonWebKey>? _keys;
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;

    public async ValueTask<IReadOnlyList<JsonWebKey>> GetAsync(bool refresh, CancellationToken ct)
    {
        if (_keys is { } cached && !Due(refresh)) return cached;
        await _gate.WaitAsync(ct);
        try
        {
            if (_keys is { } fresh && !Due(refresh)) return fresh;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                var json = await http.GetStringAsync(url, timeout.Token);
                _keys = [.. Read(json).Keys];
                _fetchedAt = time.GetUtcNow();
                logger.LogInformation("Fetched {Count} signing keys from {JwksUrl}", _keys.Count, url);
                return _keys;
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or ArgumentException || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                if (_keys is { } stale)
                {
                    logger.LogWarning("Fetching signing keys from {JwksUrl} failed ({Error}); using the {Count} cached keys", url, e.Message, stale.Count);
                    _fetchedAt = time.GetUtcNow(); // do not retry on every request
                    return stale;
                }
                throw new SigningKeysUnavailableException($"Could not fetch signing keys from {url}: {e.Message}", e);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private bool Due(bool refresh)
    {
        var age = time.GetUtcNow() - _fetchedAt;
        return age >= refreshInterval || (refresh && age >= MinimumRefetch);
    }

    /// <summary>A JWKS document as Microsoft.IdentityModel reads it (a key it cannot use is skipped, not fatal).</summary>
    private static JsonWebKeySet Read(string json) =>
        string.IsNullOrWhiteSpace(json) ? throw new JsonException("The JWKS document is empty.") : new JsonWebKeySet(json);
}
