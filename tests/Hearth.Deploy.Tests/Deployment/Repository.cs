namespace Hearth.Deploy.Tests.Deployment;

/// <summary>The repository these tests run in (the folder holding Functions.sln).</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    public static string PathOf(string relative) => Path.GetFullPath(Path.Combine(Root, relative));

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Functions.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No Functions.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>A copy of the deployment files in a temporary folder, to show that a check fails on a broken variant.</summary>
public sealed class ScratchCopy : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("hearth-deploy-").FullName;

    /// <summary>Copies files or folders (relative to the repository) into the scratch root.</summary>
    public ScratchCopy With(params string[] relativePaths)
    {
        foreach (var relative in relativePaths)
        {
            var source = Repository.PathOf(relative);
            var target = Path.Combine(Root, relative);
            if (Directory.Exists(source))
            {
                foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
                {
                    var destination = Path.Combine(target, Path.GetRelativePath(source, file));
                    Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                    File.Copy(file, destination);
                }
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(source, target);
            }
        }
        return this;
    }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Rewrites a copied file; fails when <paramref name="find"/> is not in it (so a broken variant is really broken).</summary>
    public void Replace(string relative, string find, string replacement)
    {
        var path = PathOf(relative);
        var text = File.ReadAllText(path);
        if (!text.Contains(find, StringComparison.Ordinal)) throw new InvalidOperationException($"'{find}' is not in {relative}.");
        File.WriteAllText(path, text.Replace(find, replacement, StringComparison.Ordinal));
    }

    public void Delete(string relative) => File.Delete(PathOf(relative));

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
