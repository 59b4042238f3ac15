using Hearth.Deploy.Tests.Deployment;
using Hearth.Deploy.Tests.Text;

namespace Hearth.Deploy.Tests;

/// <summary>main.bicep and its modules form a complete template, and azd can supply every parameter without asking.</summary>
public sealed class BicepModulesTests
{
    [Fact]
    public void Every_module_main_bicep_references_exists()
    {
        Assert.Empty(Template.ModuleProblems);
        // main.bicep, its modules, and the modules of modules (the app's image lookup, the database's secrets).
        Assert.Contains(Template.Documents, d => d.Path.EndsWith("app/container-image.bicep", StringComparison.Ordinal));
        Assert.Contains(Template.Documents, d => d.Path.EndsWith("security/key-vault-secret.bicep", StringComparison.Ordinal));
        Assert.True(Template.Documents.Count >= 12, $"{Template.Documents.Count} Bicep files");
    }

    [Theory]
    [InlineData("infra/core/search/search.bicep", "main.bicep: module 'search' references 'core/search/search.bicep'")]
    [InlineData("infra/app/container-image.bicep", "functions.bicep: module 'currentImage' references 'container-image.bicep'")]
    [InlineData("infra/abbreviations.json", "main.bicep: loads 'abbreviations.json'")]
    public void A_missing_module_or_file_fails(string deleted, string expected)
    {
        using var scratch = new ScratchCopy().With("infra");
        Assert.Empty(BicepModules.Load(scratch.PathOf(Template.MainBicep)).Problems);

        scratch.Delete(deleted);
        var (_, problems) = BicepModules.Load(scratch.PathOf(Template.MainBicep));

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal) && p.EndsWith("does not exist.", StringComparison.Ordinal));
    }

    [Fact]
    public void A_module_from_a_registry_is_reported()
    {
        using var scratch = new ScratchCopy().With("infra");
        scratch.Replace(Template.MainBicep, "module search 'core/search/search.bicep'", "module search 'br/public:avm/res/search/search-service:0.9.0'");

        var (_, problems) = BicepModules.Load(scratch.PathOf(Template.MainBicep));

        Assert.Contains(problems, p => p.Contains("comes from a registry", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_template_under_infra_compiles_and_lints_without_a_warning()
    {
        Assert.Empty(BicepCli.Diagnostics(Repository.PathOf("infra")));
    }

    [Theory]
    [InlineData("    sku: searchSku\n", "    tier: searchSku\n", "main.bicep", "BCP037")]
    [InlineData("    administratorPassword: postgresAdminPassword\n", "", "main.bicep", "BCP035")]
    [InlineData("postgres.outputs.appConnectionKeyVaultUrl", "postgres.outputs.connectionString", "main.bicep", "BCP053")]
    [InlineData("@secure()\n@description('Filled in only", "@description('Filled in only", "main.bicep", "secure-secrets-in-params")]
    public void A_module_call_the_compiler_refuses_or_a_lint_warning_fails(string find, string replacement, string file, string code)
    {
        using var scratch = new ScratchCopy().With("infra");
        var main = File.ReadAllText(scratch.PathOf(Template.MainBicep)).ReplaceLineEndings("\n");
        File.WriteAllText(scratch.PathOf(Template.MainBicep), main.Swap(find, replacement));

        var diagnostics = BicepCli.Diagnostics(scratch.PathOf("infra"));

        Assert.Contains(diagnostics, d => d.StartsWith(file, StringComparison.Ordinal) && d.Contains($" {code}: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Azd_supplies_every_parameter_without_a_default()
    {
        var main = BicepDocument.Load(Repository.PathOf(Template.MainBicep));

        Assert.Empty(BicepModules.ParameterProblems(main, Repository.Read(Template.Parameters)));
        Assert.Contains(main.Parameters, p => p is { Name: "postgresAdminPassword", HasDefault: false });
    }

    [Fact]
    public void A_parameter_left_for_azd_to_ask_fails_and_so_does_a_stray_entry()
    {
        var main = BicepDocument.Load(Repository.PathOf(Template.MainBicep));
        var parameters = Repository.Read(Template.Parameters);
        var withoutPassword = parameters.Swap("\"postgresAdminPassword\"", "\"postgresAdminPasswordTypo\"");

        var problems = BicepModules.ParameterProblems(main, withoutPassword);

        Assert.Contains(problems, p => p.StartsWith("Parameter 'postgresAdminPassword' has no default", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("supplies 'postgresAdminPasswordTypo'", StringComparison.Ordinal));
    }
}
