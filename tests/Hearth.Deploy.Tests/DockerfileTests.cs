using System.Net;
using Hearth.Deploy.Tests.Deployment;
using Hearth.Deploy.Tests.Support;
using Hearth.Deploy.Tests.Text;
using Hearth.Functions.Hosting;
using Hearth.Testing;
using Hearth.Testing.Host;
using Microsoft.Extensions.Configuration;

namespace Hearth.Deploy.Tests;

/// <summary>
/// `docker build` cannot run here, so the Dockerfile is checked against the host: the project it publishes, the port it
/// tells the host to use (the same everywhere the container app looks), and the health endpoint it polls.
/// </summary>
[Collection(RealHostCollection.Name)]
public sealed class DockerfileTests(RealHost host)
{
    private static readonly string HostAssembly = typeof(Program).Assembly.GetName().Name!;

    private static Dockerfile Variant(string find, string replacement) => Dockerfile.Parse(Repository.Read(Template.Dockerfile).Swap(find, replacement));

    [Fact]
    public void The_Dockerfile_publishes_the_host_project_and_starts_it()
    {
        Assert.Equal("functions/Hearth.Functions.csproj", Template.Container.PublishedProject);

        Assert.Empty(ContainerChecks.PublishedProject(Repository.Root, Template.Container, HostAssembly));
    }

    [Theory]
    [InlineData("dotnet publish functions/Hearth.Functions.csproj", "dotnet publish cli/Hearth.Cli/Hearth.Cli.csproj", "not the host")]
    [InlineData("dotnet publish functions/Hearth.Functions.csproj", "dotnet publish functions/Functions.csproj", "is not in the build context")]
    [InlineData("\"Hearth.Functions.dll\"", "\"Hearth.Cli.dll\"", "does not start Hearth.Functions.dll")]
    public void A_Dockerfile_that_builds_or_starts_something_else_fails(string find, string replacement, string expected)
    {
        Assert.Contains(ContainerChecks.PublishedProject(Repository.Root, Variant(find, replacement), HostAssembly),
            p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void One_port_everywhere_and_a_non_root_user()
    {
        Assert.Equal(8080, ContainerChecks.ListeningPort(Template.Container));

        Assert.Empty(ContainerChecks.Ports(Template.Container, Template.App));
    }

    [Theory]
    [InlineData("EXPOSE 8080", "EXPOSE 80", "exposes 80")]
    [InlineData("ASPNETCORE_HTTP_PORTS=8080", "ASPNETCORE_HTTP_PORTS=7071", "listens on 7071")]
    [InlineData("http://localhost:8080/healthz", "http://localhost:7071/healthz", "HEALTHCHECK asks port 7071")]
    [InlineData("USER $APP_UID", "USER root", "'root'")]
    [InlineData("USER $APP_UID", "", "root (no USER)")]
    public void A_Dockerfile_whose_ports_or_user_disagree_fails(string find, string replacement, string expected)
    {
        Assert.Contains(ContainerChecks.Ports(Variant(find, replacement), Template.App), p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("targetPort: 8080", "targetPort: 80", "ingress targets port 80")]
    [InlineData("path: '/readyz'\n                port: 8080", "path: '/readyz'\n                port: 8081", "Readiness probe asks port 8081")]
    public void A_container_app_whose_ports_disagree_fails(string find, string replacement, string expected)
    {
        var app = Template.AppWith(text => text.ReplaceLineEndings("\n").Swap(find, replacement));

        Assert.Contains(ContainerChecks.Ports(Template.Container, app), p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_probes_are_within_what_Container_Apps_accepts()
    {
        Assert.Equal(["Startup", "Liveness", "Readiness"], Template.App.Probes.Select(p => p.Type));
        Assert.Empty(ContainerChecks.ProbeLimits(Template.App));

        var broken = Template.AppWith(text => text.Swap("failureThreshold: 10", "failureThreshold: 40"));
        Assert.Contains(ContainerChecks.ProbeLimits(broken), p => p.Contains("Startup probe's failureThreshold is 40", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_health_check_and_the_probes_ask_endpoints_the_host_answers()
    {
        var paths = new[] { Template.Container.HealthCheckUrl!.AbsolutePath }.Concat(Template.App.Probes.Select(p => p.Path)).Distinct().ToList();
        Assert.Contains("/healthz", paths);
        Assert.Contains("/readyz", paths);

        foreach (var path in paths)
            Assert.Equal(HttpStatusCode.OK, (await host.Anonymous.GetAsync(path)).StatusCode);
        // The same request fails for a path the host does not serve, so a wrong path in the Dockerfile would be caught.
        Assert.NotEqual(HttpStatusCode.OK, (await host.Anonymous.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public void The_host_keeps_the_port_the_container_sets()
    {
        // ASP.NET Core reads ASPNETCORE_-prefixed variables without the prefix; the host then must not impose its local 7071.
        var fromImage = Template.Container.Environment
            .Where(e => e.Key.StartsWith("ASPNETCORE_", StringComparison.Ordinal))
            .Select(e => new KeyValuePair<string, string?>(e.Key["ASPNETCORE_".Length..], e.Value));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(fromImage).Build();

        Assert.Null(HearthConfiguration.DefaultUrl(configuration));
        Assert.Equal("http://localhost:7071", HearthConfiguration.DefaultUrl(new ConfigurationBuilder().Build()));
    }

    [Fact]
    public async Task The_host_starts_in_Production_with_the_container_apps_environment_on_the_images_port_variable()
    {
        var port = HostProcess.FreePort();
        var environment = Template.App.Environment.Where(e => !e.Conditional).ToDictionary(e => e.Name, e => e.SampleValue);
        foreach (var (key, value) in Template.Container.Environment) environment[key] = value;
        environment["ASPNETCORE_HTTP_PORTS"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["ConnectionStrings__Postgres"] = await TestPostgres.CreateDatabaseAsync();
        var media = Directory.CreateTempSubdirectory("hearth-media-").FullName;
        environment["Media__Root"] = media;

        try
        {
            await using var process = HostProcess.Start(environment);
            await process.WaitUntilReadyAsync($"http://127.0.0.1:{port}/readyz", TimeSpan.FromSeconds(90));

            Assert.Contains("Hosting environment: Production", process.Output);
            Assert.Contains($"Now listening on: http://[::]:{port}", process.Output);
        }
        finally
        {
            Directory.Delete(media, recursive: true);
        }
    }
}
