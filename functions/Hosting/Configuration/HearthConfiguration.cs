using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Hearth.Functions.Hosting;

/// <summary>
/// The configuration chain, lowest precedence first: appsettings.json, appsettings.{Environment}.json (from the binaries'
/// folder when the content root has none), user secrets (Development), host.json (under AzureFunctionsJobHost),
/// local.settings.json, environment variables, command line.
/// </summary>
public static class HearthConfiguration
{
    /// <summary>Port of the local host when neither ASPNETCORE_URLS nor Host:LocalHttpPort says otherwise (the Functions default).</summary>
    public const int DefaultLocalHttpPort = 7071;

    /// <summary>Inserts host.json and local.settings.json before the environment variables, and appsettings from the binaries' folder.</summary>
    public static void AddSources(IConfigurationBuilder configuration, FunctionAppRoot root, string contentRoot, string environmentName)
    {
        var sources = configuration.Sources;
        AddAppSettingsFromBinaries(sources, contentRoot, environmentName);

        // Before the unprefixed environment variables: they, and the command line, keep the last word.
        var index = LastIndex(sources, s => s is EnvironmentVariablesConfigurationSource { Prefix: null or "" });
        if (index < 0) index = sources.Count;
        sources.Insert(index, new HostJsonConfigurationSource(root.HostJson));
        sources.Insert(index + 1, new LocalSettingsConfigurationSource(root.LocalSettings));
    }

    /// <summary>
    /// The URL to listen on when none is configured: <c>http://localhost:{Host:LocalHttpPort}</c>, default 7071.
    /// Null when ASPNETCORE_URLS, --urls, HTTP_PORTS or Kestrel endpoints are set (they decide).
    /// </summary>
    public static string? DefaultUrl(IConfiguration configuration)
    {
        if (!string.IsNullOrEmpty(configuration[WebHostDefaults.ServerUrlsKey])
            || !string.IsNullOrEmpty(configuration[WebHostDefaults.HttpPortsKey])
            || !string.IsNullOrEmpty(configuration[WebHostDefaults.HttpsPortsKey])
            || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
            return null;
        var port = configuration["Host:LocalHttpPort"] is { Length: > 0 } text ? ParsePort(text) : DefaultLocalHttpPort;
        return $"http://localhost:{port}";
    }

    private static int ParsePort(string text) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new SettingsException([SettingProblem.Invalid("Host:LocalHttpPort", $"'{text}' is not a port number (1-65535)")]);

    private static void AddAppSettingsFromBinaries(IList<IConfigurationSource> sources, string contentRoot, string environmentName)
    {
        var binaries = Path.GetFullPath(AppContext.BaseDirectory);
        if (string.Equals(Path.GetFullPath(contentRoot).TrimEnd('/'), binaries.TrimEnd('/'), StringComparison.Ordinal)) return;
        if (File.Exists(Path.Combine(contentRoot, "appsettings.json")) || !File.Exists(Path.Combine(binaries, "appsettings.json"))) return;

        var index = sources.IndexOf(sources.FirstOrDefault(s => s is JsonConfigurationSource { Path: "appsettings.json" })!);
        if (index < 0) index = LastIndex(sources, s => s is EnvironmentVariablesConfigurationSource { Prefix: null or "" });
        if (index < 0) index = sources.Count;
        var provider = new PhysicalFileProvider(binaries);
        sources.Insert(index, Json(provider, "appsettings.json"));
        sources.Insert(index + 1, Json(provider, $"appsettings.{environmentName}.json"));
    }

    private static JsonConfigurationSource Json(IFileProvider provider, string path)
    {
        var source = new JsonConfigurationSource { FileProvider = provider, Path = path, Optional = true, ReloadOnChange = false };
        source.ResolveFileProvider();
        return source;
    }

    private static int LastIndex(IList<IConfigurationSource> sources, Func<IConfigurationSource, bool> match)
    {
        for (var i = sources.Count - 1; i >= 0; i--)
            if (match(sources[i])) return i;
        return -1;
    }
}
