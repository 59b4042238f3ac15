namespace Hearth.Functions.Hosting;

/// <summary>
/// Loads <c>host.json</c> under the section <c>AzureFunctionsJobHost</c>, as the Functions host does, so that
/// <c>AzureFunctionsJobHost__extensions__queues__batchSize</c> in the environment overrides it. The file is optional.
/// </summary>
public sealed class HostJsonConfigurationSource(string path) : IConfigurationSource
{
    public const string Section = "AzureFunctionsJobHost";

    public string Path { get; } = path;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new HostJsonConfigurationProvider(Path);
}

/// <summary>Loads <see cref="HostJsonConfigurationSource"/>.</summary>
public sealed class HostJsonConfigurationProvider(string path) : ConfigurationProvider
{
    public override void Load()
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (File.Exists(path))
        {
            using var document = JsonFlattener.Parse(path);
            JsonFlattener.Flatten(document.RootElement, HostJsonConfigurationSource.Section, data);
        }
        Data = data;
    }
}
