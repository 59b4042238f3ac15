using Hearth.Deploy.Tests.Deployment;

namespace Hearth.Deploy.Tests;

/// <summary>azure.yaml deploys the function host: its one service builds functions/Dockerfile, which publishes the host.</summary>
public sealed class AzureYamlTests
{
    private static readonly string HostAssembly = typeof(Program).Assembly.GetName().Name!;

    private static IReadOnlyList<string> Check(string root, string azureYaml) =>
        ContainerChecks.AzureYaml(root, azureYaml, HostAssembly, Template.App.ServiceName);

    /// <summary>The files the service check reads, in a scratch folder that can be broken.</summary>
    private static ScratchCopy Scratch()
    {
        var scratch = new ScratchCopy().With(Template.AzureYaml, Template.Dockerfile, "functions/Hearth.Functions.csproj", "cli/Hearth.Cli/Hearth.Cli.csproj",
            "global.json", "Directory.Build.props", "Directory.Packages.props", "host.json");
        Directory.CreateDirectory(scratch.PathOf("shared"));
        return scratch;
    }

    [Fact]
    public void The_service_points_at_the_Dockerfile_that_publishes_the_host()
    {
        Assert.Equal("Hearth.Functions", HostAssembly);

        Assert.Empty(Check(Repository.Root, Repository.Read(Template.AzureYaml)));
    }

    [Theory]
    [InlineData("project: ./functions", "project: ./cli/Hearth.Cli", "cli/Hearth.Cli/Dockerfile does not exist")]
    [InlineData("path: ./Dockerfile", "path: ./Dockerfile.missing", "does not exist")]
    [InlineData("context: ..", "context: .", "is not in the build context")]
    [InlineData("host: containerapp", "host: appservice", "expected containerapp")]
    [InlineData("language: dotnet", "language: js", "expected dotnet")]
    [InlineData("  functions:", "  api:", "has no container app")]
    public void A_broken_azure_yaml_fails(string find, string replacement, string expected)
    {
        var problems = Check(Repository.Root, Repository.Read(Template.AzureYaml).Swap(find, replacement));

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_service_whose_project_is_not_the_one_the_Dockerfile_publishes_fails()
    {
        var azureYaml = Repository.Read(Template.AzureYaml)
            .Swap("project: ./functions", "project: ./shared/Hearth.Domain")
            .Swap("path: ./Dockerfile", "path: ../../functions/Dockerfile")
            .Swap("context: ..", "context: ../..");

        var problems = Check(Repository.Root, azureYaml);

        Assert.Contains(problems, p => p.Contains("publishes functions/Hearth.Functions.csproj, but the azd service's project is", StringComparison.Ordinal));
    }

    [Fact]
    public void A_Dockerfile_that_publishes_another_project_fails()
    {
        using var scratch = Scratch();
        Assert.Empty(Check(scratch.Root, File.ReadAllText(scratch.PathOf(Template.AzureYaml))));

        scratch.Replace(Template.Dockerfile, "dotnet publish functions/Hearth.Functions.csproj", "dotnet publish cli/Hearth.Cli/Hearth.Cli.csproj");
        var problems = Check(scratch.Root, File.ReadAllText(scratch.PathOf(Template.AzureYaml)));

        Assert.Contains(problems, p => p.Contains("(hearth.dll), not the host (Hearth.Functions.dll)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_Dockerfile_that_copies_what_the_context_lacks_fails()
    {
        using var scratch = Scratch();
        Directory.Delete(scratch.PathOf("shared"));

        var problems = Check(scratch.Root, File.ReadAllText(scratch.PathOf(Template.AzureYaml)));

        Assert.Contains(problems, p => p.Contains("copies 'shared/'", StringComparison.Ordinal));
    }
}
