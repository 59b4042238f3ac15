using System.Reflection;

namespace Hearth.Functions.Hosting;

/// <summary>
/// Every setting the host reads: the options classes marked <see cref="SettingsSectionAttribute"/> in this assembly,
/// the domain and the adapters (each registered with <c>builder.AddSettings&lt;T&gt;()</c>; a test checks that the two
/// sets are the same) and the host.json runtime keys. At start the host validates the registered classes and exits,
/// naming every key at fault, before it listens.
/// </summary>
public static class SettingsCatalog
{
    private static readonly Lazy<IReadOnlyList<Type>> Types = new(() => new[]
        {
            typeof(SettingsCatalog).Assembly,                              // the host and its feature modules
            typeof(Hearth.Chat.ChatTurnOptions).Assembly,                  // the domain's feature options
            typeof(Hearth.Adapters.Fal.FalOptions).Assembly,               // the adapters' options
        }.SelectMany(a => a.GetTypes())
        .Where(t => t.GetCustomAttribute<SettingsSectionAttribute>() is not null)
        .OrderBy(t => SettingsBinder.SectionOf(t), StringComparer.Ordinal)
        .ThenBy(t => t.Name, StringComparer.Ordinal)
        .ToList());

    private static readonly Lazy<IReadOnlyList<SettingInfo>> Settings = new(() =>
        [.. Types.Value.SelectMany(SettingsBinder.Describe), .. HostJsonSettings.Describe()]);

    /// <summary>The options classes of the host and its feature modules.</summary>
    public static IReadOnlyList<Type> OptionsTypes => Types.Value;

    /// <summary>Every setting, with description, default and flags.</summary>
    public static IReadOnlyList<SettingInfo> All => Settings.Value;

    /// <summary>Keys that must be set outside Development (each one on its own), e.g. <c>ConnectionStrings:Postgres</c>.</summary>
    public static IReadOnlyList<string> RequiredInProduction =>
        All.Where(s => s.Required || s.RequiredInProduction).Select(s => s.Key).ToList();

    /// <summary>Groups of keys of which at least one must be set outside Development, e.g. a JWT secret or a JWKS URL.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> RequiredOneOfInProduction =>
        All.Where(s => s.OneOfInProduction is not null)
            .GroupBy(s => (s.OptionsType, s.OneOfInProduction))
            .Select(g => (IReadOnlyList<string>)g.Select(s => s.Key).ToList())
            .ToList();

    /// <summary>Keys whose values are secrets: never printed, logged or returned.</summary>
    public static IReadOnlyList<string> Secrets => All.Where(s => s.Secret).Select(s => s.Key).ToList();
}
