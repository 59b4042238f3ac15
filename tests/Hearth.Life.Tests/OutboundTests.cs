using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Durable.Jobs;
using Hearth.Functions.Hosting;
using Hearth.Outbound;
using Hearth.Testing.Fakes;
using Hearth.Testing.Host;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hearth.Life.Tests;

/// <summary>
/// The push webhook never makes the server call into its own network (issue 18, M2): every spelling of an inside address is
/// refused when the URL is saved, and a name that resolves inside later (DNS rebinding) or a redirect is refused when sent.
/// </summary>
public sealed class OutboundTests
{
    private const string Secret = "a-webhook-secret-for-tests-0123456789";

    /// <summary>The URLs issue 18 found accepted in Production, and their cousins, with the rule each breaks.</summary>
    public static TheoryData<string, string> InsideUrls => new()
    {
        { "http://127.0.0.1:55432/", "loopback" },
        { "http://[::1]:55432/", "loopback" },
        { "http://localhost:55432/", "local-name" },
        { "http://2130706433:55432/", "loopback" },
        { "http://0x7f000001:55432/", "loopback" },
        { "http://127.1:55432/", "loopback" },
        { "https://0177.0.0.1/", "loopback" },
        { "https://127.0.0.1:47071/", "loopback" },
        { "https://169.254.169.254/latest/meta-data/", "link-local" },
        { "https://10.0.0.1/", "private" },
        { "https://172.16.0.1/", "private" },
        { "https://192.168.1.1/", "private" },
        { "https://100.100.100.200/", "shared-address-space" },
        { "https://0.0.0.0/", "unspecified" },
        { "https://224.0.0.1/", "multicast" },
        { "https://[::ffff:127.0.0.1]/", "loopback" },
        { "https://[::ffff:a9fe:a9fe]/", "link-local" },
        { "https://[fd00:ec2::254]/", "unique-local" },
        { "https://[fe80::1]/", "link-local" },
        { "https://[::]/", "unspecified" },
        { "https://[64:ff9b::a00:1]/", "private" },
        { "https://[2002:7f00:1::]/", "loopback" },
        { "https://metadata.google.internal/computeMetadata/v1/", "local-name" },
        { "https://app.localhost/", "local-name" },
        { "https://intranet/", "local-name" },
        { "http://example.com/hook", "https-only" },
        { "ftp://example.com/x", "https-only" },
        { "https://user:pass@example.com/", "no-credentials" },
        { "/relative/path", "absolute-url" },
    };

    [Theory]
    [MemberData(nameof(InsideUrls))]
    public void Every_spelling_of_an_inside_address_breaks_its_rule(string url, string rule)
    {
        var refusal = OutboundUrls.Check(url, new OutboundOptions(), out _);
        Assert.NotNull(refusal);
        Assert.Equal(rule, refusal.Rule);
    }

    [Theory]
    [InlineData("https://hooks.example.com/push?x=1")]
    [InlineData("https://93.184.215.14/")]
    [InlineData("https://[2606:4700::1111]/")]
    [InlineData("https://abc.de/")]
    public void Public_https_urls_pass(string url) => Assert.Null(OutboundUrls.Check(url, new OutboundOptions(), out _));

    [Fact]
    public void The_development_allowance_opens_loopback_only()
    {
        var allow = new OutboundOptions { AllowLoopback = true };
        Assert.Null(OutboundUrls.Check("http://127.0.0.1:5000/push", allow, out _));
        Assert.Null(OutboundUrls.Check("http://localhost:5000/push", allow, out _));
        Assert.Equal("private", OutboundUrls.Check("https://10.0.0.1/", allow, out _)?.Rule);
        Assert.Equal("link-local", OutboundUrls.Check("https://169.254.169.254/", allow, out _)?.Rule);
        Assert.Equal("https-only", OutboundUrls.Check("http://93.184.215.14/", allow, out _)?.Rule);
    }

    [Fact]
    public async Task Every_inside_url_is_refused_when_saved_with_a_400_naming_the_rule()
    {
        await using var host = await CreateHostAsync(allowLoopback: false, new StubResolver());
        var client = host.User("mallory");
        foreach (var (url, rule) in InsideUrls.Select(row => ((string)row[0], (string)row[1])))
        {
            using var response = await client.PutAsJsonAsync("/api/notifications/webhook", new { url, secret = Secret });
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode}");
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(ProblemTypes.UrlRefused, problem.GetProperty("type").GetString());
            Assert.Equal(rule, problem.GetProperty("rule").GetString());
            Assert.True(problem.GetProperty("errors").TryGetProperty("url", out _));
        }
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/notifications/webhook")).StatusCode);
    }

    [Fact]
    public async Task A_name_that_resolves_inside_is_refused_when_saved_and_when_it_rebinds_before_the_push()
    {
        var resolver = new StubResolver();
        await using var sink = await WebhookSink.StartAsync();
        var clock = new ManualTime(LifeTestKit.Start.AddDays(40));
        await using var host = await CreateHostAsync(allowLoopback: false, resolver, clock);

        resolver.Answer("inside.example.com", IPAddress.Parse("10.1.2.3"));
        using (var inside = await host.User("ada").PutAsJsonAsync("/api/notifications/webhook", new { url = "https://inside.example.com/push", secret = Secret }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, inside.StatusCode);
            Assert.Equal("private", (await inside.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rule").GetString());
        }

        // Public when saved; the name then answers loopback (the sink's own address), as a rebinding attacker's DNS would.
        resolver.Answer("hooks.example.com", IPAddress.Parse("93.184.215.14"));
        var push = await DeliveredPushAsync(host, clock, "ada", $"https://hooks.example.com:{sink.BaseUrl.Port}/push");
        resolver.Answer("hooks.example.com", IPAddress.Loopback);
        var sender = host.Services.GetRequiredService<WebhookSender>();
        var refused = await Assert.ThrowsAsync<PermanentJobFailureException>(() => sender.SendAsync(push, CancellationToken.None));
        Assert.Contains("'loopback'", refused.Message);
        Assert.Empty(sink.Received);

        // A name with one public and one inside address is refused too.
        resolver.Answer("hooks.example.com", IPAddress.Parse("93.184.215.14"), IPAddress.Parse("::ffff:169.254.169.254"));
        refused = await Assert.ThrowsAsync<PermanentJobFailureException>(() => sender.SendAsync(push, CancellationToken.None));
        Assert.Contains("'link-local'", refused.Message);
        Assert.Empty(sink.Received);
    }

    [Fact]
    public async Task A_redirect_is_never_followed_so_a_hook_cannot_bounce_the_push_into_the_server()
    {
        await using var target = await WebhookSink.StartAsync();
        var redirects = 0;
        await using var redirector = await LoopbackServer.StartAsync(context =>
        {
            Interlocked.Increment(ref redirects);
            context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            context.Response.Headers.Location = target.UrlFor("/internal-admin").ToString();
            return Task.CompletedTask;
        });
        var clock = new ManualTime(LifeTestKit.Start.AddDays(41));
        // Development's loopback allowance, so that the redirecting server on this machine can be reached at all.
        await using var host = await CreateHostAsync(allowLoopback: true, new StubResolver(), clock);
        var push = await DeliveredPushAsync(host, clock, "bo", new Uri(redirector.BaseUrl, "/push").ToString());

        var refused = await Assert.ThrowsAsync<PermanentJobFailureException>(() => host.Services.GetRequiredService<WebhookSender>().SendAsync(push, CancellationToken.None));
        Assert.Contains("redirect", refused.Message);
        Assert.Equal(1, redirects);
        Assert.Empty(target.Received);
    }

    [Fact]
    public async Task The_loopback_allowance_stops_the_start_outside_development()
    {
        await using var host = await CreateHostAsync(allowLoopback: false, new StubResolver());
        var registry = host.Services.GetRequiredService<SettingsRegistry>();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Outbound:AllowLoopback"] = "true" }).Build();
        Assert.Contains(registry.Validate(configuration, isDevelopment: false), p => p.Key == "Outbound:AllowLoopback");
        Assert.DoesNotContain(registry.Validate(configuration, isDevelopment: true), p => p.Key == "Outbound:AllowLoopback");
    }

    private static Task<HearthFactory> CreateHostAsync(bool allowLoopback, StubResolver resolver, ManualTime? clock = null) =>
        LifeTestKit.CreateHostAsync(clock ?? new ManualTime(LifeTestKit.Start), new Dictionary<string, string?>
        {
            ["Outbound:AllowLoopback"] = allowLoopback ? "true" : "false",
            ["AzureFunctionsJobHost:extensions:timers:enabled"] = "false",
        }, services: services => services.Replace(ServiceDescriptor.Singleton<IHostResolver>(resolver)));

    /// <summary>A notification delivered to <paramref name="user"/> before the webhook is set (so no push job runs by itself), then the webhook.</summary>
    private static async Task<WebhookPush> DeliveredPushAsync(HearthFactory host, ManualTime clock, string user, string url)
    {
        var owner = await host.SetUpUserAsync(user, "UTC");
        var agent = await host.CreateAgentAsync(user, new { name = "Noa", timezone = "UTC", availability = Array.Empty<object>() });
        await host.EnableInitiationsAsync(user, agent, new { enabled = true, quietFrom = "00:00", quietTo = "00:00", minGapMinutes = 0 });
        var delivered = await host.DeliverInitiationAsync(owner, agent, clock.GetUtcNow());
        using var saved = await host.User(user).PutAsJsonAsync("/api/notifications/webhook", new { url, secret = Secret });
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        return new WebhookPush(owner, delivered.NotificationId!);
    }

    /// <summary>A resolver the test scripts: each name answers what it was last told to (no answer: the name does not exist).</summary>
    private sealed class StubResolver : IHostResolver
    {
        private readonly Dictionary<string, IPAddress[]> _answers = new(StringComparer.OrdinalIgnoreCase);

        public void Answer(string host, params IPAddress[] addresses)
        {
            lock (_answers) _answers[host] = addresses;
        }

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
        {
            lock (_answers)
                return _answers.TryGetValue(host, out var addresses)
                    ? Task.FromResult(addresses)
                    : Task.FromException<IPAddress[]>(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound));
        }
    }
}
