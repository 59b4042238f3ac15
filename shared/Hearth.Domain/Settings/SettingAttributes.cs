namespace Hearth.Settings;

/// <summary>
/// Marks an options class as bound from one configuration section and listed in the host's settings catalogue. Features
/// in the domain and the adapters mark their own options classes, so each is bound once, straight from configuration.
/// </summary>
/// <param name="section">Section path with ':' separators, e.g. <c>Auth:Jwt</c>; empty for root keys.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class SettingsSectionAttribute(string section) : Attribute
{
    public string Section { get; } = section;
}

/// <summary>Describes one setting of an options class: what it is for, when it is required, whether it is a secret.</summary>
/// <param name="description">One sentence for the settings table in docs and for error messages.</param>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class SettingAttribute(string description) : Attribute
{
    public string Description { get; } = description;

    /// <summary>Must be set in every environment.</summary>
    public bool Required { get; init; }

    /// <summary>Must be set outside Development (the host refuses to start without it).</summary>
    public bool RequiredInProduction { get; init; }

    /// <summary>
    /// Outside Development, at least one setting of the group with this name must be set
    /// (e.g. a JWT secret or a JWKS URL).
    /// </summary>
    public string? OneOfInProduction { get; init; }

    /// <summary>Never printed, logged or shown in /api/status; its value is redacted from status output.</summary>
    public bool Secret { get; init; }

    /// <summary>Full key overriding <c>Section:PropertyName</c>, e.g. <c>HEARTH_DATA_DIR</c>.</summary>
    public string? Key { get; init; }
}

/// <summary>An options class with rules across its settings, checked at start after each setting parsed.</summary>
public interface IValidatableSettings
{
    IEnumerable<SettingProblem> Validate(SettingsContext context);
}

/// <summary>What a cross-setting rule may depend on.</summary>
/// <param name="IsDevelopment">True in the Development environment; every other environment follows Production rules.</param>
/// <param name="Section">The section of the options class being validated.</param>
public sealed record SettingsContext(bool IsDevelopment, string Section)
{
    /// <summary>The full key of a property of this section.</summary>
    public string KeyOf(string property) => Section.Length == 0 ? property : $"{Section}:{property}";
}

/// <summary>One reason the host cannot start, naming the key.</summary>
public sealed record SettingProblem(string Key, string Message)
{
    public static SettingProblem Missing(string key, string why) => new(key, $"Missing setting '{key}' ({why})");

    public static SettingProblem Invalid(string key, string why) => new(key, $"Invalid setting '{key}': {why}");

    public override string ToString() => Message;
}

/// <summary>Turns an options class's own validation (which throws naming the key first) into a settings problem.</summary>
public static class SettingRules
{
    public static IEnumerable<SettingProblem> Check(Action validate, SettingsContext context)
    {
        try
        {
            validate();
        }
        catch (InvalidOperationException e)
        {
            // The messages start with the key, e.g. "Fal:JwksCacheDuration must be positive…".
            var key = e.Message.Split(' ', 2)[0].TrimEnd(':', '.');
            if (!key.StartsWith(context.Section + ":", StringComparison.Ordinal)) key = context.Section;
            return [SettingProblem.Invalid(key, e.Message)];
        }
        return [];
    }
}
