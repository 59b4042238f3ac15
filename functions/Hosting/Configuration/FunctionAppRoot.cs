namespace Hearth.Functions.Hosting;

/// <summary>
/// The folder holding <c>host.json</c> and <c>local.settings.json</c> (and, by default, the embedded database in <c>.data/</c>):
/// the current directory when it has a host.json (./run runs from the repository root), else the content root when it
/// has one, else the folder of the binaries (where the build copies host.json).
/// </summary>
public sealed record FunctionAppRoot(string Path)
{
    public string HostJson => System.IO.Path.Combine(Path, "host.json");

    public string LocalSettings => System.IO.Path.Combine(Path, "local.settings.json");

    public static FunctionAppRoot Find(string contentRoot)
    {
        foreach (var candidate in new[] { Directory.GetCurrentDirectory(), contentRoot })
        {
            if (File.Exists(System.IO.Path.Combine(candidate, "host.json"))) return new FunctionAppRoot(System.IO.Path.GetFullPath(candidate));
        }
        return new FunctionAppRoot(System.IO.Path.GetFullPath(AppContext.BaseDirectory));
    }
}
