using Hearth.Durable;
using Hearth.Functions.Hosting;
using Hearth.Settings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Hearth.Functions.Tests;

public sealed class ConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hearth-config-").FullName;
    private readonly string _envPrefix = "HearthConfigTest" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith(_envPrefix, StringComparison.Ordinal)))
            Environment.SetEnvironmentVariable(key, null);
    }

    private string Write(string name, string json)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>The same chain the host builds: appsettings.json, then the host's sources, then environment variables.</summary>
    private ConfigurationManager Chain()
    {
        var configuration = new ConfigurationManager();
        var appsettings = new JsonConfigurationSource { FileProvider = new PhysicalFileProvider(_dir), Path = "appsettings.json", Optional = true };
        ((IConfigurationBuilder)configuration).Add(appsettings);
        ((IConfigurationBuilder)configuration).Add(new EnvironmentVariablesConfigurationSource());
        HearthConfiguration.AddSources(configuration, new FunctionAppRoot(_dir), _dir, "Development");
        return configuration;
    }

    [Fact]
    public void Local_settings_override_appsettings_and_environment_variables_override_both()
    {
        var key = $"{_envPrefix}:Value";
        Write("appsettings.json", $$"""{ "{{_envPrefix}}": { "Value": "appsettings", "OnlyApp": "app", "AppAndLocal": "app" } }""");
        Write("local.settings.json", $$"""{ "Values": { "{{key}}": "local", "{{_envPrefix}}__AppAndLocal": "local" } }""");
        Environment.SetEnvironmentVariable($"{_envPrefix}__Value", "environment");

        var configuration = Chain();

        Assert.Equal("environment", configuration[key]);
        Assert.Equal("local", configuration[$"{_envPrefix}:AppAndLocal"]);
        Assert.Equal("app", configuration[$"{_envPrefix}:OnlyApp"]);
    }

    [Fact]
    public void Local_settings_are_read_in_the_Functions_format()
    {
        var path = Write("local.settings.json", """
            {
              "IsEncrypted": false,
              "Values": {
                "FUNCTIONS_WORKER_RUNTIME": "dotnet-isolated",
                "Auth:DevToken": "colon",
                "Auth__Jwt__Issuer": "underscores",
                "RateLimits__Chat__PermitLimit": 5,
                "Life:Enabled": false
              },
              "Host": { "LocalHttpPort": 7199, "CORS": "*" },
              "ConnectionStrings": {
                "Postgres": "Host=db;Database=hearth",
                "Other": { "ConnectionString": "Host=other", "ProviderName": "Npgsql" }
              }
            }
            """);

        var data = LocalSettingsConfigurationProvider.Read(path);

        Assert.Equal("colon", data["Auth:DevToken"]);
        Assert.Equal("underscores", data["Auth:Jwt:Issuer"]);
        Assert.Equal("5", data["RateLimits:Chat:PermitLimit"]);
        Assert.Equal("false", data["Life:Enabled"]);
        Assert.Equal("dotnet-isolated", data["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Equal("7199", data["Host:LocalHttpPort"]);
        Assert.Equal("Host=db;Database=hearth", data["ConnectionStrings:Postgres"]);
        Assert.Equal("Host=other", data["ConnectionStrings:Other"]);
    }

    [Fact]
    public void A_missing_local_settings_file_is_fine()
    {
        Assert.Empty(LocalSettingsConfigurationProvider.Read(Path.Combine(_dir, "local.settings.json")));
    }

    [Theory]
    [InlineData("""{ "IsEncrypted": true, "Values": {} }""", "IsEncrypted")]
    [InlineData("""{ "Values": { "Nested": { "a": 1 } } }""", "Values:Nested")]
    [InlineData("""{ "Values": [ "a" ] }""", "Values")]
    [InlineData("""{ "Values": { "a": "b" """, "local.settings.json")]
    public void A_bad_local_settings_file_is_refused_naming_the_key(string json, string key)
    {
        var path = Write("local.settings.json", json);

        var error = Assert.Throws<SettingsException>(() => LocalSettingsConfigurationProvider.Read(path));

        Assert.Contains(key, error.Message);
    }

    [Fact]
    public void The_port_comes_from_Host_LocalHttpPort_unless_urls_are_configured()
    {
        Assert.Equal("http://localhost:7071", HearthConfiguration.DefaultUrl(Config()));
        Assert.Equal("http://localhost:7199", HearthConfiguration.DefaultUrl(Config(("Host:LocalHttpPort", "7199"))));
        Assert.Null(HearthConfiguration.DefaultUrl(Config(("Host:LocalHttpPort", "7199"), ("urls", "http://0.0.0.0:8080"))));
        Assert.Null(HearthConfiguration.DefaultUrl(Config(("http_ports", "8080"))));
        Assert.Contains("Host:LocalHttpPort", Assert.Throws<SettingsException>(() => HearthConfiguration.DefaultUrl(Config(("Host:LocalHttpPort", "seventy")))).Message);
    }

    [Fact]
    public void Host_json_binds_to_the_runtime_options_and_the_environment_overrides_it()
    {
        Write("host.json", """
            {
              "version": "2.0",
              "functionTimeout": "00:02:00",
              "extensions": {
                "queues": { "batchSize": 8, "newBatchThreshold": 2, "maxDequeueCount": 3, "visibilityTimeout": "00:00:07",
                            "maxPollingInterval": "00:00:02", "leaseDuration": "00:01:00", "drainTimeout": "00:00:45" },
                "timers": { "schedules": { "Nightly": "0 0 3 * * *" } },
                "durableTask": { "instanceRetention": "7.00:00:00" }
              }
            }
            """);
        Environment.SetEnvironmentVariable("AzureFunctionsJobHost__extensions__queues__batchSize", null);
        var configuration = Chain();
        // The environment override, as the variable AzureFunctionsJobHost__extensions__queues__maxDequeueCount would give it.
        configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "9" });

        var options = new DurableOptions();
        var problems = new List<SettingProblem>();
        HostJsonSettings.Bind(options, configuration, problems);

        Assert.Empty(problems);
        Assert.Equal(TimeSpan.FromMinutes(2), options.FunctionTimeout);
        Assert.Equal(8, options.BatchSize);
        Assert.Equal(2, options.NewBatchThreshold);
        Assert.Equal(9, options.MaxDequeueCount);
        Assert.Equal(TimeSpan.FromSeconds(7), options.VisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.MaxPollingInterval);
        Assert.Equal(TimeSpan.FromMinutes(1), options.LeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(45), options.DrainTimeout);
        Assert.Equal(TimeSpan.FromDays(7), options.InstanceRetention);
        Assert.Equal("0 0 3 * * *", options.Schedules["Nightly"]);
        Assert.Empty(HostJsonSettings.Validate(configuration));
    }

    [Fact]
    public void Host_json_under_AzureFunctionsJobHost_is_overridden_by_an_environment_variable_of_that_name()
    {
        Write("host.json", $$"""{ "extensions": { "queues": { "{{_envPrefix}}": "file" } } }""");
        Environment.SetEnvironmentVariable($"AzureFunctionsJobHost__extensions__queues__{_envPrefix}", "environment");
        try
        {
            Assert.Equal("environment", Chain()[$"AzureFunctionsJobHost:extensions:queues:{_envPrefix}"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable($"AzureFunctionsJobHost__extensions__queues__{_envPrefix}", null);
        }
    }

    [Theory]
    [InlineData("extensions:queues:batchSize", "abc", "whole number")]
    [InlineData("extensions:queues:batchSize", "0", "batchSize")]
    [InlineData("extensions:queues:maxDequeueCount", "0", "maxDequeueCount")]
    [InlineData("extensions:queues:visibilityTimeout", "5 seconds", "hh:mm:ss")]
    [InlineData("functionTimeout", "-00:00:01", "hh:mm:ss")]
    [InlineData("extensions:queues:leaseDuration", "00:00:00", "leaseDuration")]
    [InlineData("extensions:timers:schedules:Nightly", "every night", "NCRONTAB")]
    [InlineData("logging:logLevel:default", "Loud", "Information")]
    public void A_bad_runtime_setting_is_reported_with_its_key(string path, string value, string why)
    {
        var configuration = Config(($"AzureFunctionsJobHost:{path}", value));

        var problem = Assert.Single(HostJsonSettings.Validate(configuration));

        Assert.Equal($"AzureFunctionsJobHost:{path}", problem.Key);
        Assert.Contains($"'AzureFunctionsJobHost:{path}'", problem.Message);
        Assert.Contains(why, problem.Message);
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
