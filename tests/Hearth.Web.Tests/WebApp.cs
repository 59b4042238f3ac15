using System.Net;
using Hearth.Memory;
using Hearth.Testing.Fakes;
using Hearth.Testing.Host;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Hearth.Durable;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Web.Tests;

/// <summary>
/// The real host on loopback Kestrel (fresh database, offline model, placeholder pictures) and Debian's headless
/// Chromium driven by Playwright; shared by every browser test (one host start, one browser start).
/// </summary>
public sealed class WebApp : IAsyncLifetime
{
    public const string DevToken = "web-dev-token";
    private IPlaywright? _playwright;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<IPage, System.Collections.Concurrent.ConcurrentQueue<string>> _violations = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<IPage, bool> _violationsExpected = new();
    private readonly SemaphoreSlim _modelGate = new(1, 1);
    private ModelSite? _model;
    private ModelSite? _memoryModel;
    private OidcSite? _oidc;

    public HearthFactory Factory { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Factory = await HearthFactory.CreateAsync("Development", new Dictionary<string, string?>
        {
            ["Auth:DevToken"] = DevToken,
            // Any companion may send a picture: the picture test should not have to court it first.
            ["Chat:Pictures:MinAffinity"] = "0",
            ["RateLimits:Chat:PermitLimit"] = "0",
        }, services => services.AddDurable().AddFunction<FlakyJob>(FlakyJob.Queue, FlakyJob.RunAsync));
        Factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        Factory.StartServer();
        var address = Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
        // The skills tab shows a run's problems: the database refuses the search documents of files with this in their path.
        await Factory.Services.GetRequiredService<Hearth.Durable.Migrations.DatabaseReadiness>().WaitAsync(CancellationToken.None);
        await Hearth.Testing.Faults.SkillDatabaseFaults.FailIndexingAsync(Factory.ConnectionString, "unsearchable-in-browser");

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.ExecutablePath(),
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
    }

    public async Task DisposeAsync()
    {
        // Every page of every browser test ran under the Content-Security-Policy: any violation fails the collection.
        var unexpected = _violations.Where(p => !_violationsExpected.ContainsKey(p.Key)).SelectMany(p => p.Value).ToList();
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (Factory is not null) await Factory.DisposeAsync();
        if (_model is not null) await _model.DisposeAsync();
        if (_memoryModel is not null) await _memoryModel.DisposeAsync();
        if (_oidc is not null) await _oidc.DisposeAsync();
        if (unexpected.Count > 0) throw new InvalidOperationException("Content-Security-Policy violations on the pages:\n" + string.Join("\n", unexpected.Distinct()));
    }

    /// <summary>What the browser refused on <paramref name="page"/> under the Content-Security-Policy so far.</summary>
    public IReadOnlyList<string> CspViolations(IPage page) => _violations.TryGetValue(page, out var list) ? list.ToList() : [];

    /// <summary>For a test that provokes violations on purpose: the collection's check leaves this page out.</summary>
    public void ExpectCspViolations(IPage page) => _violationsExpected[page] = true;

    /// <summary>
    /// The second host, whose chat model is a fake OpenAI-compatible server (started on first use, shared by the tests
    /// that need to script replies or see what the model was sent). Pages of it: <see cref="NewPageAsync"/> with its address.
    /// </summary>
    public async Task<ModelSite> ModelSiteAsync()
    {
        await _modelGate.WaitAsync();
        try
        {
            return _model ??= await ModelSite.StartAsync();
        }
        finally
        {
            _modelGate.Release();
        }
    }

    /// <summary>
    /// A host like <see cref="ModelSiteAsync"/>'s whose memory model is the fake server too (suggestions, core memory
    /// proposals and summaries are the fake's answers), started on first use.
    /// </summary>
    public async Task<ModelSite> MemoryModelSiteAsync()
    {
        await _modelGate.WaitAsync();
        try
        {
            return _memoryModel ??= await ModelSite.StartAsync(memoryOnModel: true);
        }
        finally
        {
            _modelGate.Release();
        }
    }

    /// <summary>
    /// A third host, in the Production environment, whose people sign in with <see cref="OidcSite.Provider"/>, a fake
    /// OpenID Connect provider at the HTTP boundary (started on first use).
    /// </summary>
    public async Task<OidcSite> OidcSiteAsync()
    {
        await _modelGate.WaitAsync();
        try
        {
            return _oidc ??= await OidcSite.StartAsync();
        }
        finally
        {
            _modelGate.Release();
        }
    }

    /// <summary>A fresh browser context (own storage) with a page on a desktop or phone-sized screen (of <paramref name="site"/>, else this host).</summary>
    public async Task<IPage> NewPageAsync(bool phone = false, Uri? site = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = (site ?? BaseAddress).ToString(),
            ViewportSize = phone ? new ViewportSize { Width = 390, Height = 780 } : new ViewportSize { Width = 1280, Height = 800 },
            IsMobile = phone,
            HasTouch = phone,
            TimezoneId = "Europe/Lisbon",
            Locale = "en-GB",
        });
        context.SetDefaultTimeout(20_000);
        // Scripts added by Playwright run outside the page's policy: this one reports each violation to the console.
        await context.AddInitScriptAsync(
            "document.addEventListener('securitypolicyviolation', e => console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));");
        var page = await context.NewPageAsync();
        var violations = _violations.GetOrAdd(page, _ => new());
        page.Console += (_, message) =>
        {
            if (message.Text.StartsWith("CSP violation", StringComparison.Ordinal) || message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
                violations.Enqueue(message.Text);
        };
        return page;
    }

    /// <summary>An API client for the dev user <paramref name="name"/> (set-up that is not under test).</summary>
    public HttpClient Api(string name) => ClientWith(TokenOf(name));

    /// <summary>An API client for the admin dev user.</summary>
    public HttpClient AdminApi() => ClientWith(DevToken);

    private HttpClient ClientWith(string token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static string TokenOf(string name) => $"{DevToken}:{name}";

    /// <summary>
    /// Creates a companion for <paramref name="user"/> through the API; answers its id. It is free all week (an empty
    /// availability) so that the hour the suite runs at never changes what it does: with the default week it sleeps from
    /// 23:00 to 07:00 Lisbon time and refuses pictures then.
    /// </summary>
    public Task<string> CreateAgentAsync(string user, string name, string timezone = "Europe/Lisbon", string? appearance = null) =>
        CreateAgentAsync(Api(user), name, timezone, appearance);

    internal static async Task<string> CreateAgentAsync(HttpClient api, string name, string timezone = "Europe/Lisbon", string? appearance = null)
    {
        var response = await api.PostAsJsonAsync("/api/agents", new
        {
            name, timezone, occupation = "florist", homeCity = "Lisbon", appearancePrompt = appearance, availability = Array.Empty<object>(),
        });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}

/// <summary>A job that fails for good the first time it runs and succeeds afterwards (the admin's dead job and retry).</summary>
public sealed record FlakyJob(string Label)
{
    public const string Queue = "web-test.flaky";
    private static int _runs;

    public static Task RunAsync(FlakyJob job, Hearth.Durable.Jobs.JobContext context, CancellationToken ct) =>
        Interlocked.Increment(ref _runs) == 1
            ? throw new Hearth.Durable.Jobs.PermanentJobFailureException($"The printer is on fire ({job.Label}).")
            : Task.CompletedTask;
}

/// <summary>
/// A host like <see cref="WebApp"/>'s whose chat model is <see cref="Model"/>, a fake OpenAI-compatible server: the only
/// thing faked, at the HTTP boundary. Memory's own model calls stay on their rules so that only chat turns reach the fake,
/// unless the site is started with memory on the model (then they reach it as in production).
/// </summary>
public sealed class ModelSite : IAsyncDisposable
{
    private ModelSite(FakeOpenAiServer model, HearthFactory factory, Uri baseAddress)
    {
        Model = model;
        Factory = factory;
        BaseAddress = baseAddress;
    }

    public FakeOpenAiServer Model { get; }
    public HearthFactory Factory { get; }
    public Uri BaseAddress { get; }

    internal static async Task<ModelSite> StartAsync(bool memoryOnModel = false)
    {
        var model = await FakeOpenAiServer.StartAsync();
        var factory = await HearthFactory.CreateAsync("Development", new Dictionary<string, string?>
        {
            ["Auth:DevToken"] = WebApp.DevToken,
            ["RateLimits:Chat:PermitLimit"] = "0",
            ["Models:Chat:0:Provider"] = "OpenAICompatible",
            ["Models:Chat:0:Endpoint"] = model.V1.ToString(),
            ["Models:Chat:0:Model"] = "fake-model",
            ["Models:Chat:0:TimeoutSeconds"] = "30",
        }, services =>
        {
            if (!memoryOnModel) services.Replace(ServiceDescriptor.Singleton<IMemoryModel>(new ChainMemoryModel(null)));
        });
        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        await ModelWarmUp.RunAsync(factory.Services);
        return new ModelSite(model, factory, new Uri(address));
    }

    /// <summary>An API client for the dev user <paramref name="name"/> (set-up that is not under test).</summary>
    public HttpClient Api(string name)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", WebApp.TokenOf(name));
        return client;
    }

    /// <summary>A companion free all week (see <see cref="WebApp.CreateAgentAsync(string, string, string, string?)"/>).</summary>
    public Task<string> CreateAgentAsync(string user, string name) => WebApp.CreateAgentAsync(Api(user), name);

    /// <summary>The chat requests the fake received whose last user message contains <paramref name="text"/>.</summary>
    public IReadOnlyList<FakeChatRequest> RequestsAbout(string text) =>
        Model.Requests.Where(r => r.LastUser.Contains(text, StringComparison.Ordinal)).ToList();

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Model.DisposeAsync();
    }
}

/// <summary>
/// A host in Production whose web app signs people in with <see cref="Provider"/> (authorization code with PKCE), the
/// API accepting its access tokens beside Hearth's own HS256 tokens; the provider is the only thing faked.
/// </summary>
public sealed class OidcSite : IAsyncDisposable
{
    public const string ButtonText = "Sign in with Fake ID";
    public const string ApiScope = "api://hearth-test/access_as_user";
    public const string OwnIssuer = "https://hearth.test/own";

    private OidcSite(FakeOidcProvider provider, HearthFactory factory, Uri baseAddress)
    {
        Provider = provider;
        Factory = factory;
        BaseAddress = baseAddress;
    }

    public FakeOidcProvider Provider { get; }
    public HearthFactory Factory { get; }
    public Uri BaseAddress { get; }

    internal static async Task<OidcSite> StartAsync()
    {
        var provider = await FakeOidcProvider.StartAsync("hearth-web", "api://hearth-test");
        var factory = await HearthFactory.CreateAsync("Production", new Dictionary<string, string?>
        {
            ["Auth:Jwt:Issuer"] = OwnIssuer,
            ["Auth:Jwt:Audience"] = "hearth-scripts",
            ["Auth:Jwt:Secret"] = "an-hs256-secret-of-at-least-32-bytes-for-scripts",
            ["Auth:Oidc:Authority"] = provider.Issuer,
            ["Auth:Oidc:ClientId"] = provider.ClientId,
            ["Auth:Oidc:Audience"] = provider.Audience,
            ["Auth:Oidc:Scopes"] = $"openid profile offline_access {ApiScope}",
            ["Auth:Oidc:ButtonText"] = ButtonText,
            ["RateLimits:Chat:PermitLimit"] = "0",
        });
        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new OidcSite(provider, factory, new Uri(address));
    }

    /// <summary>An API client with <paramref name="token"/>.</summary>
    public HttpClient Api(string token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebApp>
{
    public const string Name = "web";
}
