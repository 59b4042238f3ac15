using System.Text.RegularExpressions;
using Hearth.Deploy.Tests.Text;

namespace Hearth.Deploy.Tests.Deployment;

/// <summary>Checks of azure.yaml, the Dockerfile and the container app against each other and the host (each returns problems).</summary>
public static partial class ContainerChecks
{
    /// <summary>
    /// azure.yaml has one containerapp service in .NET whose Dockerfile exists, builds a context that holds what it
    /// copies, and publishes the project that lives in the service's folder and produces <paramref name="hostAssembly"/>;
    /// the service's name is the container app's azd-service-name tag.
    /// </summary>
    public static IReadOnlyList<string> AzureYaml(string root, string azureYaml, string hostAssembly, string? containerAppServiceName)
    {
        var problems = new List<string>();
        var services = YamlMap.Parse(azureYaml).Map("services");
        var names = services?.Keys.ToList() ?? [];
        if (names.Count != 1) return [$"azure.yaml should declare exactly one service (the function app); it declares {names.Count}."];
        var name = names[0];
        var service = services!.Map(name)!;
        if (service.Scalar("host") != "containerapp") problems.Add($"Service '{name}': host is '{service.Scalar("host")}', expected containerapp.");
        if (service.Scalar("language") != "dotnet") problems.Add($"Service '{name}': language is '{service.Scalar("language")}', expected dotnet.");
        if (containerAppServiceName != name)
            problems.Add($"Service '{name}' has no container app: the Bicep tags its container app azd-service-name='{containerAppServiceName}'.");

        var project = service.Scalar("project");
        if (string.IsNullOrEmpty(project)) return [.. problems, $"Service '{name}' has no project."];
        var projectDir = Path.GetFullPath(Path.Combine(root, project));
        var dockerfilePath = Path.GetFullPath(Path.Combine(projectDir, service.Scalar("docker.path") ?? "./Dockerfile"));
        var context = Path.GetFullPath(Path.Combine(projectDir, service.Scalar("docker.context") ?? "."));
        if (!File.Exists(dockerfilePath)) return [.. problems, $"Service '{name}': the Dockerfile {dockerfilePath} does not exist."];

        var docker = Dockerfile.Parse(File.ReadAllText(dockerfilePath));
        foreach (var source in docker.CopiedFromContext)
            if (!File.Exists(Path.Combine(context, source)) && !Directory.Exists(Path.Combine(context, source)))
                problems.Add($"The Dockerfile copies '{source}', which is not in the build context {context}.");
        problems.AddRange(PublishedProject(context, docker, hostAssembly, projectDir));
        return problems;
    }

    /// <summary>
    /// The Dockerfile publishes a project (relative to the build context) that exists, sits in <paramref name="serviceDir"/>
    /// when given, builds <paramref name="hostAssembly"/>, and is what ENTRYPOINT starts.
    /// </summary>
    public static IReadOnlyList<string> PublishedProject(string context, Dockerfile docker, string hostAssembly, string? serviceDir = null)
    {
        var problems = new List<string>();
        var published = docker.PublishedProject;
        if (published is null) return ["The Dockerfile has no `dotnet publish <project>.csproj`."];
        var path = Path.GetFullPath(Path.Combine(context, published));
        if (!File.Exists(path)) return [$"The Dockerfile publishes {published}, which is not in the build context {context}."];
        if (serviceDir is not null && !string.Equals(Path.GetDirectoryName(path), serviceDir.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
            problems.Add($"The Dockerfile publishes {published}, but the azd service's project is {serviceDir}.");
        var assembly = AssemblyNameOf(path);
        if (assembly != hostAssembly) problems.Add($"The Dockerfile publishes {published} ({assembly}.dll), not the host ({hostAssembly}.dll).");
        var entrypoint = docker.Entrypoint;
        if (!entrypoint.Contains($"{hostAssembly}.dll"))
            problems.Add($"ENTRYPOINT [{string.Join(", ", entrypoint)}] does not start {hostAssembly}.dll.");
        return problems;
    }

    /// <summary>
    /// One port everywhere: EXPOSE, the port the host is told to listen on (ASPNETCORE_HTTP_PORTS or ASPNETCORE_URLS), the
    /// HEALTHCHECK URL, the container app's target port and its probes. The image runs as a non-root user.
    /// </summary>
    public static IReadOnlyList<string> Ports(Dockerfile docker, ContainerAppDefinition app)
    {
        var problems = new List<string>();
        var listening = ListeningPort(docker);
        if (listening is null) return ["The Dockerfile does not set ASPNETCORE_HTTP_PORTS (or ASPNETCORE_URLS), so the port depends on the base image."];
        var port = listening.Value;
        if (!docker.ExposedPorts.Contains(port)) problems.Add($"The host listens on {port}, but the Dockerfile exposes {string.Join(", ", docker.ExposedPorts)}.");
        if (docker.HealthCheckUrl is not { } health) problems.Add("The Dockerfile has no HEALTHCHECK with a URL.");
        else if (health.Port != port) problems.Add($"The HEALTHCHECK asks port {health.Port}, but the host listens on {port}.");
        if (app.TargetPort != port) problems.Add($"The container app's ingress targets port {app.TargetPort}, but the host listens on {port}.");
        foreach (var probe in app.Probes.Where(p => p.Port != port))
            problems.Add($"The {probe.Type} probe asks port {probe.Port}, but the host listens on {port}.");
        if (docker.User is not { Length: > 0 } user || user is "root" or "0" || user.StartsWith("root:", StringComparison.Ordinal) || user.StartsWith("0:", StringComparison.Ordinal))
            problems.Add($"The image runs as {(docker.User is { Length: > 0 } ? $"'{docker.User}'" : "root (no USER)")}; use a non-root user.");
        return problems;
    }

    /// <summary>
    /// Probes stay within what Container Apps accepts (a revision with a value out of range is refused at deployment):
    /// initialDelaySeconds 0..60, periodSeconds and timeoutSeconds 1..240, failureThreshold 1..10.
    /// </summary>
    public static IReadOnlyList<string> ProbeLimits(ContainerAppDefinition app)
    {
        var limits = new Dictionary<string, (int Min, int Max)>
        {
            ["initialDelaySeconds"] = (0, 60),
            ["periodSeconds"] = (1, 240),
            ["timeoutSeconds"] = (1, 240),
            ["failureThreshold"] = (1, 10),
            ["successThreshold"] = (1, 10),
        };
        var problems = new List<string>();
        foreach (var probe in app.Probes)
            foreach (var (property, value) in probe.Timing)
                if (value is { } v && limits.TryGetValue(property, out var range) && (v < range.Min || v > range.Max))
                    problems.Add($"The {probe.Type} probe's {property} is {v}; Container Apps accepts {range.Min}..{range.Max}.");
        return problems;
    }

    /// <summary>The port the Dockerfile tells ASP.NET Core to listen on.</summary>
    public static int? ListeningPort(Dockerfile docker)
    {
        var env = docker.Environment;
        if (env.TryGetValue("ASPNETCORE_HTTP_PORTS", out var ports) && int.TryParse(ports.Split(';', ',')[0], out var port)) return port;
        if (env.TryGetValue("ASPNETCORE_URLS", out var urls) && UrlPort().Match(urls) is { Success: true } m) return int.Parse(m.Groups[1].Value);
        return null;
    }

    /// <summary>The assembly a project builds: its AssemblyName, else the file name.</summary>
    public static string AssemblyNameOf(string csproj) =>
        Regex.Match(File.ReadAllText(csproj), "<AssemblyName>([^<]+)</AssemblyName>") is { Success: true } m
            ? m.Groups[1].Value.Trim()
            : Path.GetFileNameWithoutExtension(csproj);

    [GeneratedRegex(@":(\d+)")]
    private static partial Regex UrlPort();
}
