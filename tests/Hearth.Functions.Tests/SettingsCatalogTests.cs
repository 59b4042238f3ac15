using Hearth.Functions.Hosting;
using Hearth.Functions.Identity;
using Microsoft.Extensions.Configuration;

namespace Hearth.Functions.Tests;

public sealed class SettingsCatalogTests
{
    private static IConfiguration Config(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static SettingsRegistry HostRegistry()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        foreach (var type in SettingsCatalog.OptionsTypes)
            typeof(SettingsServiceCollectionExtensions).GetMethods()
                .Single(m => m.Name == "AddSettings" && m.GetParameters()[0].ParameterType == typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection))
                .MakeGenericMethod(type).Invoke(null, [services]);
        return SettingsServiceCollectionExtensions.Registry(services);
    }

    [Fact]
    public void The_settings_required_in_Production_are_the_database_and_the_JWT_issuer_and_audience()
    {
        Assert.Contains("ConnectionStrings:Postgres", SettingsCatalog.RequiredInProduction);
        Assert.Contains("Auth:Jwt:Issuer", SettingsCatalog.RequiredInProduction);
        Assert.Contains("Auth:Jwt:Audience", SettingsCatalog.RequiredInProduction);
        var keyGroup = Assert.Single(SettingsCatalog.RequiredOneOfInProduction);
        Assert.Equal(["Auth:Jwt:Secret", "Auth:Jwt:JwksUrl"], keyGroup);
    }

    [Fact]
    public void Secrets_are_flagged()
    {
        Assert.Contains("ConnectionStrings:Postgres", SettingsCatalog.Secrets);
        Assert.Contains("Auth:Jwt:Secret", SettingsCatalog.Secrets);
        Assert.Contains("Auth:DevToken", SettingsCatalog.Secrets);
        Assert.DoesNotContain("Auth:Jwt:Issuer", SettingsCatalog.Secrets);
    }

    [Fact]
    public void The_catalogue_lists_host_json_keys_with_defaults()
    {
        var batch = Assert.Single(SettingsCatalog.All, s => s.Key == "AzureFunctionsJobHost:extensions:queues:batchSize");
        Assert.Equal("32", batch.Default);
        Assert.Contains(SettingsCatalog.All, s => s.Key == "AzureFunctionsJobHost:extensions:queues:drainTimeout" && s.Default == "00:00:30");
        Assert.Contains(SettingsCatalog.All, s => s.Key == "HEARTH_DATA_DIR");
    }

    [Fact]
    public void Production_with_nothing_configured_names_every_missing_key_one_per_line()
    {
        var problems = HostRegistry().Validate(Config(), isDevelopment: false);
        var messages = problems.Select(p => p.Message).ToList();

        Assert.Contains("Missing setting 'ConnectionStrings:Postgres' (required in Production)", messages);
        Assert.Contains("Missing setting 'Auth:Jwt:Issuer' (required in Production)", messages);
        Assert.Contains("Missing setting 'Auth:Jwt:Audience' (required in Production)", messages);
        Assert.Contains("Missing setting 'Auth:Jwt:Secret' or 'Auth:Jwt:JwksUrl' (one is required in Production)", messages);
        Assert.All(messages, m => Assert.DoesNotContain('\n', m));
    }

    [Fact]
    public void Development_needs_nothing()
    {
        Assert.Empty(HostRegistry().Validate(Config(), isDevelopment: true));
    }

    [Fact]
    public void Production_with_a_complete_configuration_passes()
    {
        var problems = HostRegistry().Validate(Config(
            ("ConnectionStrings:Postgres", "Host=db"),
            ("Auth:Jwt:Issuer", "https://issuer/"),
            ("Auth:Jwt:Audience", "hearth"),
            ("Auth:Jwt:JwksUrl", "https://issuer/.well-known/jwks.json")), isDevelopment: false);

        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("Auth:Jwt:ClockSkewSeconds", "soon", "whole number")]
    [InlineData("Auth:Jwt:ClockSkewSeconds", "100000", "out of range")]
    [InlineData("Http:MaxRequestBodyBytes", "12", "out of range")]
    [InlineData("Database:MaxPoolSize", "0", "out of range")]
    [InlineData("Auth:Jwt:JwksUrl", "not a url", "http(s) URL")]
    [InlineData("Life:Enabled", "sure", "true or false")]
    [InlineData("Skills:IngestParallelism", "0", "out of range")]
    [InlineData("Skills:IngestFirstRetry", "a second", "hh:mm:ss")]
    [InlineData("Memory:HotTurns", "21", "out of range")]
    [InlineData("Memory:DocumentsCollection", "Not A Collection!", "Memory:DocumentsCollection")]
    [InlineData("Memory:RecallEmbedTimeout", "00:05:00", "1 minute")]
    [InlineData("Search:Provider", "Elastic", "Local or AzureAISearch")]
    [InlineData("Search:Bm25Scale", "11", "between 0 and 10")]
    [InlineData("Search:MaxRetries", "11", "between 0 and 10")]
    [InlineData("Search:Endpoint", "http://search.example.com", "https URL")]
    [InlineData("Models:Embeddings:Provider", "Cohere", "Local, Hashing")]
    [InlineData("Models:Embeddings:TimeoutSeconds", "0", "between 1 and 600")]
    [InlineData("Models:Embeddings:BreakAfter", "1", "0 (never) or between 2")]
    [InlineData("Models:Embeddings:BreakDuration", "soon", "hh:mm:ss")]
    [InlineData("Models:Retry:BreakAfter", "1", "at least 2")]
    [InlineData("Models:Retry:BreakDuration", "00:00:00.1", "00:00:00.5")]
    [InlineData("Fal:BreakAfter", "1", "0 (never) or between 2")]
    public void An_unparsable_or_out_of_range_value_is_named(string key, string value, string why)
    {
        var problem = Assert.Single(HostRegistry().Validate(Config((key, value)), isDevelopment: true));

        Assert.Equal(key, problem.Key);
        Assert.StartsWith($"Invalid setting '{key}'", problem.Message);
        Assert.Contains(why, problem.Message);
    }

    [Fact]
    public void Azure_ai_search_without_an_endpoint_is_named_and_the_key_is_not_shown()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        services.AddSettings<Hearth.Search.SearchOptions>();
        services.AddSettingsCheck((configuration, _) =>
            Hearth.Adapters.AzureSearch.AzureSearchOptions.RequireEndpoint(configuration["Search:Provider"], configuration["Search:Endpoint"]));
        var problems = SettingsServiceCollectionExtensions.Registry(services)
            .Validate(Config(("Search:Provider", "AzureAISearch"), ("Search:ApiKey", "admin-key-secret")), isDevelopment: true);
        Assert.Equal("Search:Endpoint", Assert.Single(problems).Key);
        Assert.DoesNotContain("admin-key-secret", problems[0].Message);
        Assert.Empty(HostRegistry().Validate(Config(("Search:Endpoint", "https://unit.search.windows.net")), isDevelopment: true));
    }

    [Fact]
    public void A_partial_JWT_configuration_is_refused_in_Development_too()
    {
        var problems = HostRegistry().Validate(Config(("Auth:Jwt:Issuer", "https://issuer/")), isDevelopment: true);

        Assert.Contains(problems, p => p.Key == "Auth:Jwt:Audience");
        Assert.Contains(problems, p => p.Message.Contains("'Auth:Jwt:Secret' or 'Auth:Jwt:JwksUrl'"));
    }

    [Fact]
    public void A_short_secret_is_refused_without_printing_it()
    {
        const string secret = "short-secret";
        var problems = HostRegistry().Validate(Config(("Auth:Jwt:Issuer", "i"), ("Auth:Jwt:Audience", "a"), ("Auth:Jwt:Secret", secret)), isDevelopment: true);

        var problem = Assert.Single(problems);
        Assert.Equal("Auth:Jwt:Secret", problem.Key);
        Assert.DoesNotContain(secret, problem.Message);
    }

    [Fact]
    public void A_plain_http_JWKS_url_is_refused_in_Production_unless_on_loopback()
    {
        (string, string?)[] baseline = [("ConnectionStrings:Postgres", "Host=db"), ("Auth:Jwt:Issuer", "i"), ("Auth:Jwt:Audience", "a")];

        var remote = HostRegistry().Validate(Config([.. baseline, ("Auth:Jwt:JwksUrl", "http://idp.example/jwks")]), isDevelopment: false);
        var loopback = HostRegistry().Validate(Config([.. baseline, ("Auth:Jwt:JwksUrl", "http://127.0.0.1:5000/jwks")]), isDevelopment: false);

        Assert.Contains(remote, p => p.Key == "Auth:Jwt:JwksUrl" && p.Message.Contains("https"));
        Assert.Empty(loopback);
    }

    [Fact]
    public void Binding_reads_arrays_as_children_or_as_one_comma_separated_value()
    {
        var fromChildren = new AuthOptions();
        SettingsBinder.Bind(fromChildren, Config(("Auth:AdminSubjects:0", "a"), ("Auth:AdminSubjects:1", "b")));
        var fromList = new AuthOptions();
        SettingsBinder.Bind(fromList, Config(("Auth:AdminSubjects", "a, b")));

        Assert.Equal(["a", "b"], fromChildren.AdminSubjects);
        Assert.Equal(["a", "b"], fromList.AdminSubjects);
    }

    [Fact]
    public void Memory_domains_are_bound_with_the_memory_options_but_are_not_a_catalogued_setting()
    {
        Assert.DoesNotContain(SettingsCatalog.All, s => s.Key.StartsWith("Memory:Domains", StringComparison.Ordinal));
        Assert.Contains(SettingsCatalog.All, s => s.Key == "Memory:ImportMaxBytes" && s.OptionsType == typeof(Hearth.Memory.MemoryOptions));
        Assert.Contains(SettingsCatalog.All, s => s.Key == "Skills:IngestParallelism" && s.OptionsType == typeof(Hearth.Skills.SkillLibraryOptions));
        Assert.Empty(HostRegistry().Validate(Config(("Memory:Domains:0:Name", "code"), ("Memory:Domains:0:Keywords:0", "bug")), isDevelopment: true));
    }

    [Fact]
    public void A_class_without_a_section_cannot_be_registered()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();

        Assert.Throws<InvalidOperationException>(() => services.AddSettings<NotASettingsClass>());
    }

    private sealed class NotASettingsClass
    {
        public string? Value { get; set; }
    }
}
