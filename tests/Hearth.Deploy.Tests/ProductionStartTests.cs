using Hearth.Deploy.Tests.Deployment;
using Hearth.Functions.Hosting;
using Hearth.Testing.Host;

namespace Hearth.Deploy.Tests;

/// <summary>
/// A container started without its settings stops at once (exit 78) naming every missing key — the keys are taken from
/// the catalogue, so settings added by modules (models, search...) are covered as they arrive.
/// </summary>
public sealed class ProductionStartTests
{
    private static async Task<(int Code, string Output)> RunAsync(Dictionary<string, string> environment)
    {
        await using var process = HostProcess.Start(environment);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(90));
        return (code, process.Output);
    }

    [Fact]
    public async Task Production_with_no_settings_exits_78_naming_every_required_key()
    {
        var (code, output) = await RunAsync(new() { ["ASPNETCORE_ENVIRONMENT"] = "Production" });

        Assert.Equal(78, code);
        foreach (var key in SettingsCatalog.RequiredInProduction)
            Assert.Contains($"Missing setting '{key}' (required in Production)", output);
        foreach (var group in SettingsCatalog.RequiredOneOfInProduction)
            Assert.Contains($"Missing setting {string.Join(" or ", group.Select(k => $"'{k}'"))} (one is required in Production)", output);
        Assert.DoesNotContain("Now listening", output);
    }

    [Fact]
    public async Task Production_with_the_container_apps_settings_but_one_exits_78_naming_only_that_one()
    {
        var environment = Template.App.Environment.Where(e => !e.Conditional).ToDictionary(e => e.Name, e => e.SampleValue);
        Assert.True(environment.Remove("Auth__Jwt__Audience"));
        environment["Media__Root"] = Path.Combine(Path.GetTempPath(), "hearth-media-unused");

        var (code, output) = await RunAsync(environment);

        Assert.Equal(78, code);
        var problems = output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("Missing setting", StringComparison.Ordinal) || l.StartsWith("Invalid setting", StringComparison.Ordinal)).ToList();
        Assert.Equal(["Missing setting 'Auth:Jwt:Audience' (required in Production)"], problems);
        Assert.DoesNotContain("sample-secret-value", output); // secrets are never printed
    }
}
