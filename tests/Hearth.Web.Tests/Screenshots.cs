namespace Hearth.Web.Tests;

/// <summary>
/// Every browser test ends with a full-page screenshot in <c>artifacts/screenshots/</c>. With
/// <c>HEARTH_DOCS_SCREENSHOTS=1</c> the ones the README shows are also written to <c>docs/screenshots/</c>.
/// </summary>
public static class Screenshots
{
    public static async Task SaveAsync(IPage page, string name, bool forDocs = false)
    {
        var root = RepositoryRoot();
        var path = Path.Combine(root, "artifacts", "screenshots", $"{name}.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = false });
        Assert.True(bytes.Length > 1000, $"screenshot {name} is empty");
        if (forDocs && Environment.GetEnvironmentVariable("HEARTH_DOCS_SCREENSHOTS") == "1")
        {
            var docs = Path.Combine(root, "docs", "screenshots", $"{name}.png");
            Directory.CreateDirectory(Path.GetDirectoryName(docs)!);
            await File.WriteAllBytesAsync(docs, bytes);
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Functions.sln"))) return directory.FullName;
        return Directory.GetCurrentDirectory();
    }
}
