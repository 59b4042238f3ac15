using Hearth.Deploy.Tests.Deployment;
using Hearth.Deploy.Tests.Support;
using Hearth.Functions.Hosting;
using Xunit.Abstractions;

namespace Hearth.Deploy.Tests;

/// <summary>
/// The container app gives the host every setting it requires in Production. The required keys come from the host's own
/// catalogue and start check at test time, so a module that adds a required setting fails here until the Bicep sets it.
/// </summary>
[Collection(RealHostCollection.Name)]
public sealed class ContainerAppSettingsTests(RealHost host, ITestOutputHelper output)
{
    private static IReadOnlyList<string> RequiredProblems(ContainerAppDefinition app) =>
        SettingsChecks.RequiredSettings(app, SettingsCatalog.RequiredInProduction, SettingsCatalog.RequiredOneOfInProduction, SettingsCatalog.Secrets);

    public static TheoryData<string> RequiredKeys => [.. SettingsCatalog.RequiredInProduction];

    [Fact]
    public void The_container_app_sets_every_setting_the_catalogue_requires_in_Production()
    {
        Assert.NotEmpty(SettingsCatalog.RequiredInProduction);
        Assert.NotEmpty(SettingsCatalog.RequiredOneOfInProduction);

        Assert.Empty(RequiredProblems(Template.App));
    }

    [Fact]
    public void The_hosts_start_check_passes_on_the_container_apps_environment()
    {
        Assert.Empty(SettingsChecks.HostStartCheck(Template.App, host.Settings));
    }

    [Theory]
    [MemberData(nameof(RequiredKeys))]
    public void Without_a_required_setting_both_checks_name_it(string key)
    {
        var entry = Assert.Single(Template.App.Environment, e => SettingKeys.Same(e.Key, key));
        var broken = Template.AppWith(text => text.Swap($"name: '{entry.Name}'", $"name: 'Removed{entry.Name}'"));

        Assert.Contains(RequiredProblems(broken), p => p.Contains($"'{key}'", StringComparison.Ordinal));
        Assert.Contains(SettingsChecks.HostStartCheck(broken, host.Settings), p => p.Contains($"'{key}'", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Without_any_key_of_a_one_of_group_both_checks_name_the_group()
    {
        var broken = Template.AppWith(text => text.Swap("name: 'Auth__Jwt__Secret'", "name: 'RemovedAuth__Jwt__Secret'"));

        Assert.Contains(RequiredProblems(broken), p => p.Contains("'Auth:Jwt:Secret'", StringComparison.Ordinal) && p.Contains("'Auth:Jwt:JwksUrl'", StringComparison.Ordinal));
        Assert.Contains(SettingsChecks.HostStartCheck(broken, host.Settings), p => p.Contains("'Auth:Jwt:Secret' or 'Auth:Jwt:JwksUrl'", StringComparison.Ordinal));
    }

    [Fact]
    public void A_required_setting_set_only_in_some_deployments_does_not_count()
    {
        // Issuer moved into the branch of a condition, next to the optional JWKS URL.
        var broken = Template.AppWith(text => text
            .Swap("name: 'Auth__Jwt__Issuer'", "name: 'RemovedAuth__Jwt__Issuer'")
            .Swap("name: 'Auth__Jwt__JwksUrl'", "name: 'Auth__Jwt__Issuer'"));

        Assert.Contains(broken.Environment, e => e.Name == "Auth__Jwt__Issuer" && e.Conditional);
        Assert.Contains(RequiredProblems(broken), p => p.Contains("'Auth:Jwt:Issuer'", StringComparison.Ordinal));
    }

    [Fact]
    public void A_literal_value_the_host_refuses_fails_the_start_check()
    {
        var broken = Template.AppWith(text => text.Swap("value: string(databasePoolSize)", "value: 'plenty'"));

        Assert.Contains(SettingsChecks.HostStartCheck(broken, host.Settings), p => p.Contains("Database:MaxPoolSize", StringComparison.Ordinal));
    }

    [Fact]
    public void Secret_settings_come_from_Key_Vault_references_read_with_the_apps_identity()
    {
        Assert.Empty(SettingsChecks.Secrets(Template.App));
        foreach (var key in SettingsCatalog.Secrets)
            foreach (var entry in Template.App.Environment.Where(e => SettingKeys.Same(e.Key, key)))
                Assert.NotNull(entry.SecretRef);
    }

    [Fact]
    public void A_secret_as_a_plain_value_or_an_inline_secret_or_a_dangling_reference_fails()
    {
        var plain = Template.AppWith(text => text.Swap("secretRef: 'postgres-connection'", "value: 'Host=db;Password=visible'"));
        var inline = Template.AppWith(text => text.Swap("keyVaultUrl: postgresConnectionSecretUri", "value: 'Host=db;Password=visible'"));
        var dangling = Template.AppWith(text => text.Swap("secretRef: 'auth-jwt-secret'", "secretRef: 'no-such-secret'"));
        var scaler = Template.AppWith(text => text.Swap("secretRef: 'postgres-keda-connection'", "secretRef: 'keda-typo'"));

        Assert.Contains(RequiredProblems(plain), p => p.Contains("'ConnectionStrings:Postgres' is a secret", StringComparison.Ordinal));
        Assert.Contains(SettingsChecks.Secrets(inline), p => p.Contains("'postgres-connection' is not a Key Vault reference", StringComparison.Ordinal));
        Assert.Contains(SettingsChecks.Secrets(dangling), p => p.Contains("'no-such-secret'", StringComparison.Ordinal));
        Assert.Contains(SettingsChecks.Secrets(scaler), p => p.Contains("'keda-typo'", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_setting_the_container_app_sets_is_one_the_host_reads()
    {
        var (unknown, pending) = SettingsChecks.UnknownSettings(Template.App, SettingsCatalog.All.Select(s => s.Key));

        // Sections whose module has not declared its settings yet (they join the check once the module is merged).
        output.WriteLine("Pending: " + string.Join(", ", pending));
        Assert.Empty(unknown);
    }

    [Fact]
    public void A_misspelled_setting_in_a_known_section_fails()
    {
        var broken = Template.AppWith(text => text.Swap("name: 'Database__MaxPoolSize'", "name: 'Database__MaxPoolSise'"));

        var (unknown, _) = SettingsChecks.UnknownSettings(broken, SettingsCatalog.All.Select(s => s.Key));

        Assert.Contains(unknown, p => p.Contains("'Database:MaxPoolSise'", StringComparison.Ordinal));
    }

    [Fact]
    public void List_shaped_keys_match_any_index_placeholder()
    {
        Assert.True(SettingKeys.Same("Models:Chat:0:Endpoint", "Models:Chat:{n}:Endpoint"));
        Assert.True(SettingKeys.Same(SettingKeys.FromEnvironmentName("Models__Chat__0__Endpoint"), "models:chat:N:endpoint"));
        Assert.False(SettingKeys.Same("Models:Chat:0:Endpoint", "Models:Chat:0:Model"));
        Assert.Equal("models:chat", SettingKeys.Section("Models:Chat:0:Endpoint"));
    }

    [Fact]
    public void The_media_root_is_where_the_share_is_mounted()
    {
        var media = Assert.Single(Template.App.Environment, e => e.Key == "Media:Root");
        var root = Assert.IsType<Text.BicepString>(media.Value);

        Assert.Contains(root.Text, Template.App.MountPaths);
    }
}
