using System.Net;

namespace Hearth.Web.Tests;

/// <summary>
/// Sign-in for people in production (issue 19): the web app runs the authorization code flow with PKCE against the
/// configured OpenID Connect provider — here a fake at the HTTP boundary — keeps the access token in memory only, renews
/// it, signs in again silently after a reload, and signs out at the provider. The host runs in Production.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class OidcSignInTests(WebApp app)
{
    [Fact]
    public async Task A_person_signs_in_with_the_provider_using_PKCE_the_token_stays_in_memory_is_renewed_and_a_reload_signs_in_silently()
    {
        var site = await app.OidcSiteAsync();
        var provider = site.Provider;
        provider.Reset();
        var page = await app.NewPageAsync(site: site.BaseAddress);
        var origin = site.BaseAddress.ToString().TrimEnd('/');

        await page.GotoAsync("/");
        var button = page.GetByRole(AriaRole.Button, new() { Name = OidcSite.ButtonText });
        await Expect(button).ToBeVisibleAsync();
        await Expect(button).ToBeFocusedAsync();
        // Production: no pasted tokens.
        await Expect(page.GetByLabel("Access token")).ToBeHiddenAsync();
        Assert.Empty(provider.Authorizations); // nobody was sent to the provider before the click

        // The first access token comes back already expired: the page renews it with the refresh token and carries on.
        provider.IssueExpiredAccessTokens(1);
        await button.ClickAsync();
        await Expect(page.Locator("#who")).ToHaveTextAsync(provider.Name);
        await Expect(page.GetByText("No companions yet.")).ToBeVisibleAsync();
        Assert.Equal($"{origin}/", page.Url); // the code left the address bar

        var authorization = Assert.Single(provider.Authorizations);
        Assert.Equal("S256", authorization.CodeChallengeMethod);
        Assert.Equal($"{origin}/", authorization.RedirectUri);
        Assert.Null(authorization.Prompt);
        Assert.Contains(OidcSite.ApiScope, authorization.Scope.Split(' '));
        Assert.False(string.IsNullOrEmpty(authorization.Nonce));
        Assert.Equal(["authorization_code", "refresh_token"], provider.TokenRequests.Select(r => r.GrantType).ToList());
        Assert.All(provider.TokenRequests, r => Assert.True(r.Granted)); // the verifier matched the challenge; the refresh token was known
        Assert.Equal(origin, provider.TokenRequests[0].Origin); // fetched by the page itself (a public client), not by the server
        Assert.Equal(2, provider.AccessTokens.Count);

        // Neither token is in the browser's storage.
        var stored = await page.EvaluateAsync<string>("() => JSON.stringify(Object.assign({}, localStorage)) + JSON.stringify(Object.assign({}, sessionStorage))");
        Assert.All(provider.AccessTokens, token => Assert.DoesNotContain(token, stored, StringComparison.Ordinal));

        // The server knows the person by the provider's subject: the valid token works, the expired one does not.
        var me = await site.Api(provider.AccessTokens[1]).GetFromJsonAsync<JsonElement>("/api/me");
        Assert.Equal(provider.Subject, me.GetProperty("subject").GetString());
        Assert.Equal(provider.Name, me.GetProperty("displayName").GetString());
        var expired = await site.Api(provider.AccessTokens[0]).GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Equal("application/problem+json", expired.Content.Headers.ContentType?.MediaType);
        // A companion made through the page's own token is the person's.
        await WebApp.CreateAgentAsync(site.Api(provider.AccessTokens[1]), "Orla");
        await page.ReloadAsync();

        // The reload lost the token (memory only): the page signed in again without a click, with prompt=none.
        await Expect(page.Locator("#who")).ToHaveTextAsync(provider.Name);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Orla" })).ToBeVisibleAsync();
        Assert.Equal(2, provider.Authorizations.Count);
        Assert.Equal("none", provider.Authorizations[1].Prompt);
        await Expect(button).ToBeHiddenAsync();
        await Screenshots.SaveAsync(page, "signin-oidc");

        // Signing out ends the provider's session too; a reload then waits for a click.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(button).ToBeVisibleAsync();
        Assert.Equal(1, provider.SignOuts);
        Assert.False(provider.SessionActive);
        await page.ReloadAsync();
        await Expect(button).ToBeVisibleAsync();
        Assert.Equal(2, provider.Authorizations.Count);
    }

    [Fact]
    public async Task When_the_providers_session_has_ended_a_reload_shows_the_sign_in_button_without_an_error()
    {
        var site = await app.OidcSiteAsync();
        var provider = site.Provider;
        provider.Reset();
        var page = await app.NewPageAsync(site: site.BaseAddress);
        await page.GotoAsync("/admin");
        var button = page.GetByRole(AriaRole.Button, new() { Name = OidcSite.ButtonText });
        await button.ClickAsync();
        await Expect(page.Locator("#who")).ToHaveTextAsync(provider.Name);
        // The admin page is its own redirect URI, and the person comes back to it.
        Assert.EndsWith("/admin", provider.Authorizations[^1].RedirectUri, StringComparison.Ordinal);
        Assert.Equal("/admin", new Uri(page.Url).AbsolutePath);

        provider.SessionActive = false; // expired or ended elsewhere
        var before = provider.Authorizations.Count;
        await page.ReloadAsync();
        await Expect(button).ToBeVisibleAsync();
        Assert.Equal("none", provider.Authorizations[before].Prompt);
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
        Assert.DoesNotContain("error=", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_page_config_names_the_provider_and_offers_no_token_form_in_Production_and_the_policy_lets_the_page_reach_the_provider()
    {
        var site = await app.OidcSiteAsync();
        using var http = new HttpClient { BaseAddress = site.BaseAddress };
        var config = await http.GetFromJsonAsync<JsonElement>("/web/config.json");
        Assert.Equal("Production", config.GetProperty("environment").GetString());
        Assert.False(config.GetProperty("tokenForm").GetBoolean());
        Assert.Equal(JsonValueKind.Null, config.GetProperty("devToken").ValueKind);
        Assert.Equal(site.Provider.Issuer, config.GetProperty("oidc").GetProperty("authority").GetString());
        Assert.Equal("hearth-web", config.GetProperty("oidc").GetProperty("clientId").GetString());
        var page = await http.GetAsync("/");
        Assert.Contains($"connect-src 'self' {site.Provider.Issuer}", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }
}
