using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Hearth.Testing.Fakes;

/// <summary>An authorization request the fake provider received (the query of <c>/authorize</c>).</summary>
public sealed record OidcAuthorization(string ClientId, string RedirectUri, string Scope, string State, string? Nonce, string CodeChallenge, string CodeChallengeMethod, string? Prompt);

/// <summary>A token request the fake provider received (the form of <c>/token</c>) and whether it was granted.</summary>
public sealed record OidcTokenRequest(string GrantType, string? ClientId, string? RedirectUri, string? CodeVerifier, bool Granted, string? Origin);

/// <summary>
/// A fake OpenID Connect provider (standing in for Microsoft Entra ID) on a real loopback Kestrel server: discovery,
/// JWKS (an RSA key made at start), an authorize endpoint that "signs the person in" without a page and redirects back
/// with a code (or with <c>login_required</c> for <c>prompt=none</c> when nobody is signed in), a token endpoint that
/// checks PKCE (S256) and the redirect URI and hands out RS256 access tokens, id tokens and rotating refresh tokens,
/// and an end-session endpoint. Answers cross-origin calls as a provider does for single-page apps (CORS).
/// </summary>
public sealed class FakeOidcProvider : IAsyncDisposable
{
    private readonly RSA _key = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, OidcAuthorization> _codes = new();
    private readonly ConcurrentDictionary<string, bool> _refreshTokens = new();
    private readonly ConcurrentQueue<OidcAuthorization> _authorizations = new();
    private readonly ConcurrentQueue<OidcTokenRequest> _tokenRequests = new();
    private readonly ConcurrentQueue<string> _accessTokens = new();
    private LoopbackServer _server = null!;
    private int _expiredToIssue;

    private FakeOidcProvider(string clientId, string audience, TimeProvider time)
    {
        ClientId = clientId;
        Audience = audience;
        Time = time;
    }

    public const string KeyId = "fake-oidc-key";

    /// <summary>The issuer and authority (no trailing slash).</summary>
    public string Issuer => _server.BaseUrl.ToString().TrimEnd('/');

    public string ClientId { get; }
    public string Audience { get; }
    public TimeProvider Time { get; }

    /// <summary>Who signs in at the provider.</summary>
    public string Subject { get; set; } = "fake-person-1";
    public string Name { get; set; } = "Ada Lovelace";

    /// <summary>Whether the person has a session at the provider (set by an interactive sign-in, cleared by sign-out).</summary>
    public bool SessionActive { get; set; }

    public IReadOnlyList<OidcAuthorization> Authorizations => _authorizations.ToList();
    public IReadOnlyList<OidcTokenRequest> TokenRequests => _tokenRequests.ToList();
    public IReadOnlyList<string> AccessTokens => _accessTokens.ToList();
    public int SignOuts { get; private set; }

    /// <summary>Forgets what it was asked and ends the person's session (for the next test on a shared provider).</summary>
    public void Reset()
    {
        _authorizations.Clear();
        _tokenRequests.Clear();
        _accessTokens.Clear();
        SessionActive = false;
        SignOuts = 0;
        Interlocked.Exchange(ref _expiredToIssue, 0);
    }

    /// <summary>The next <paramref name="count"/> access tokens are issued already expired (as if revoked or issued long ago).</summary>
    public void IssueExpiredAccessTokens(int count) => Interlocked.Exchange(ref _expiredToIssue, count);

    public static async Task<FakeOidcProvider> StartAsync(string clientId = "hearth-web", string audience = "api://hearth-test", TimeProvider? time = null)
    {
        var provider = new FakeOidcProvider(clientId, audience, time ?? TimeProvider.System);
        provider._server = await LoopbackServer.StartAsync(provider.HandleAsync);
        return provider;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        response.Headers.AccessControlAllowOrigin = "*";
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            response.Headers.AccessControlAllowMethods = "GET, POST";
            response.Headers.AccessControlAllowHeaders = "Content-Type, Accept";
            response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        switch (context.Request.Path.Value)
        {
            case "/.well-known/openid-configuration":
                await response.WriteAsJsonAsync(new Dictionary<string, object>
                {
                    ["issuer"] = Issuer,
                    ["authorization_endpoint"] = $"{Issuer}/authorize",
                    ["token_endpoint"] = $"{Issuer}/token",
                    ["jwks_uri"] = $"{Issuer}/keys",
                    ["end_session_endpoint"] = $"{Issuer}/logout",
                    ["response_types_supported"] = new[] { "code" },
                    ["subject_types_supported"] = new[] { "pairwise" },
                    ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                    ["code_challenge_methods_supported"] = new[] { "S256" },
                    ["scopes_supported"] = new[] { "openid", "profile", "offline_access" },
                });
                return;
            case "/keys":
                var parameters = _key.ExportParameters(false);
                await response.WriteAsJsonAsync(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = KeyId, n = Base64Url(parameters.Modulus!), e = Base64Url(parameters.Exponent!) } } });
                return;
            case "/authorize":
                Authorize(context);
                return;
            case "/token" when HttpMethods.IsPost(context.Request.Method):
                await TokenAsync(context);
                return;
            case "/logout":
                SessionActive = false;
                SignOuts++;
                var back = context.Request.Query["post_logout_redirect_uri"].ToString();
                if (string.IsNullOrEmpty(back)) await response.WriteAsync("Signed out.");
                else response.Redirect(back);
                return;
            default:
                response.StatusCode = StatusCodes.Status404NotFound;
                return;
        }
    }

    private void Authorize(HttpContext context)
    {
        var q = context.Request.Query;
        var request = new OidcAuthorization(q["client_id"].ToString(), q["redirect_uri"].ToString(), q["scope"].ToString(), q["state"].ToString(),
            q["nonce"].FirstOrDefault(), q["code_challenge"].ToString(), q["code_challenge_method"].ToString(), q["prompt"].FirstOrDefault());
        _authorizations.Enqueue(request);
        // What a provider refuses outright: shown on its own page, never sent back to the client.
        if (request.ClientId != ClientId || string.IsNullOrEmpty(request.RedirectUri) || q["response_type"] != "code"
            || request.CodeChallengeMethod != "S256" || request.CodeChallenge.Length < 43 || !request.Scope.Split(' ').Contains("openid"))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        var redirect = new UriBuilder(request.RedirectUri);
        string answer;
        if (request.Prompt == "none" && !SessionActive)
            answer = $"error=login_required&error_description={Uri.EscapeDataString("The person is not signed in.")}";
        else
        {
            SessionActive = true;
            var code = Base64Url(RandomNumberGenerator.GetBytes(24));
            _codes[code] = request;
            answer = $"code={code}";
        }
        redirect.Query = $"{answer}&state={Uri.EscapeDataString(request.State)}";
        context.Response.Redirect(redirect.Uri.ToString());
    }

    private async Task TokenAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        var grant = form["grant_type"].ToString();
        var origin = context.Request.Headers.Origin.FirstOrDefault();
        OidcAuthorization? authorization = null;
        var granted = grant switch
        {
            "authorization_code" => _codes.TryRemove(form["code"].ToString(), out authorization)
                && authorization.ClientId == form["client_id"] && authorization.RedirectUri == form["redirect_uri"]
                && Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString()))) == authorization.CodeChallenge,
            "refresh_token" => form["client_id"] == ClientId && _refreshTokens.TryRemove(form["refresh_token"].ToString(), out _),
            _ => false,
        };
        _tokenRequests.Enqueue(new OidcTokenRequest(grant, form["client_id"].FirstOrDefault(), form["redirect_uri"].FirstOrDefault(), form["code_verifier"].FirstOrDefault(), granted, origin));
        if (!granted)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(new { error = "invalid_grant", error_description = "The code, verifier, redirect URI or refresh token does not match." });
            return;
        }
        var now = Time.GetUtcNow();
        var expired = Interlocked.Decrement(ref _expiredToIssue) >= 0;
        if (!expired) Interlocked.Exchange(ref _expiredToIssue, 0);
        var accessExpires = expired ? now.AddHours(-1) : now.AddHours(1);
        var access = Sign(new Dictionary<string, object>
        {
            ["iss"] = Issuer, ["aud"] = Audience, ["sub"] = Subject, ["name"] = Name, ["scp"] = "access_as_user",
            ["iat"] = (expired ? now.AddHours(-2) : now).ToUnixTimeSeconds(), ["nbf"] = (expired ? now.AddHours(-2) : now).ToUnixTimeSeconds(), ["exp"] = accessExpires.ToUnixTimeSeconds(),
        });
        _accessTokens.Enqueue(access);
        var idClaims = new Dictionary<string, object>
        {
            ["iss"] = Issuer, ["aud"] = ClientId, ["sub"] = Subject, ["name"] = Name,
            ["iat"] = now.ToUnixTimeSeconds(), ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
        };
        if (authorization?.Nonce is { } nonce) idClaims["nonce"] = nonce;
        var refresh = Base64Url(RandomNumberGenerator.GetBytes(32));
        _refreshTokens[refresh] = true;
        await context.Response.WriteAsJsonAsync(new Dictionary<string, object>
        {
            ["token_type"] = "Bearer", ["access_token"] = access, ["id_token"] = Sign(idClaims), ["refresh_token"] = refresh,
            ["expires_in"] = 3600, ["scope"] = "openid profile offline_access access_as_user",
        });
    }

    /// <summary>An RS256 JWT with the provider's key.</summary>
    public string Sign(IReadOnlyDictionary<string, object> claims)
    {
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "RS256", typ = "JWT", kid = KeyId }));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = _key.SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{header}.{payload}.{Base64Url(signature)}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _key.Dispose();
    }
}
