namespace Hearth.Functions.Hosting;

/// <summary>One configuration key the host reads, as listed by the <see cref="SettingsCatalog"/>.</summary>
/// <param name="Key">Full key with ':' separators (environment variables use '__').</param>
/// <param name="OptionsType">The options class the key binds to.</param>
/// <param name="Property">The property of <paramref name="OptionsType"/> it binds to.</param>
/// <param name="Description">What it is for.</param>
/// <param name="Default">The value used when it is not set, as text (null: none).</param>
public sealed record SettingInfo(
    string Key,
    Type OptionsType,
    string Property,
    string Description,
    string? Default,
    bool Required = false,
    bool RequiredInProduction = false,
    string? OneOfInProduction = null,
    bool Secret = false);
