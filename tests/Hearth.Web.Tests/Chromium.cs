namespace Hearth.Web.Tests;

/// <summary>Debian's Chromium (the <c>chromium</c> package): Playwright drives it; no browser is ever downloaded.</summary>
public static class Chromium
{
    public static string ExecutablePath()
    {
        var configured = Environment.GetEnvironmentVariable("HEARTH_CHROMIUM");
        if (!string.IsNullOrEmpty(configured) && File.Exists(configured)) return configured;
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in new[] { "chromium", "chromium-browser" })
            {
                var candidate = Path.Combine(directory, name);
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new InvalidOperationException(
            "Chromium is not installed. Install Debian's package (tests/Hearth.Web.Tests/install-browser.sh does it as root: apt-get install chromium), or set HEARTH_CHROMIUM to its path.");
    }
}
