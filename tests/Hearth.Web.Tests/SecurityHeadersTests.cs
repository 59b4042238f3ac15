using System.Net;

namespace Hearth.Web.Tests;

/// <summary>
/// The pages and their files carry the security headers (issue 18, L1), and the web app works under its
/// Content-Security-Policy: no inline script, style or handler anywhere (every browser test also fails on a violation).
/// </summary>
[Collection(WebCollection.Name)]
public sealed class SecurityHeadersTests(WebApp app)
{
    [Theory]
    [InlineData("/")]
    [InlineData("/admin")]
    [InlineData("/js/chat.js")]
    [InlineData("/js/admin.js")]
    [InlineData("/css/app.css")]
    [InlineData("/web/config.json")]
    public async Task Pages_and_static_files_carry_the_security_headers(string path)
    {
        using var client = new HttpClient { BaseAddress = app.BaseAddress };
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = Header(response, "Content-Security-Policy");
        Assert.Contains("script-src 'self'", csp);
        Assert.Contains("style-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.False(response.Headers.Contains("Strict-Transport-Security"), "no HSTS in Development (localhost over http)");
    }

    [Fact]
    public async Task The_chat_and_every_admin_tab_work_under_the_policy_without_a_single_violation()
    {
        var agent = await app.CreateAgentAsync("csp", "Wren");
        var page = await app.NewPageAsync();
        await PageSteps.SignInAsync(page, "/", "csp");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Wren" })).ToBeVisibleAsync();
        var reply = await PageSteps.SendAsync(page, "Hello Wren, how is the shop today?");
        await Expect(reply.Locator(".text")).Not.ToBeEmptyAsync();

        await page.GotoAsync("/admin");
        await Expect(page.GetByRole(AriaRole.Form, new() { Name = "New companion" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.List, new() { Name = "Companions" }).GetByText("Wren").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Form, new() { Name = "Edit Wren" })).ToBeVisibleAsync();
        foreach (var tab in new[] { "Memory", "Lorebook", "Skills", "Jobs", "Companions" })
        {
            await page.GetByRole(AriaRole.Tab, new() { Name = tab }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Tab, new() { Name = tab })).ToHaveAttributeAsync("aria-selected", "true");
        }
        await page.EvaluateAsync("() => new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve)))"); // queued violation reports are out
        Assert.Empty(app.CspViolations(page));
        Assert.NotNull(agent);

        // The watch itself works: an inline style set by a script is refused and reported.
        app.ExpectCspViolations(page);
        await page.EvaluateAsync("() => document.body.setAttribute('style', 'background: red')");
        await Hearth.Testing.Eventually.TrueAsync(() => Task.FromResult(app.CspViolations(page).Count > 0), TimeSpan.FromSeconds(10), "the browser reports the inline style");
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : throw new Xunit.Sdk.XunitException($"{response.RequestMessage?.RequestUri?.AbsolutePath} has no {name} header");
}
