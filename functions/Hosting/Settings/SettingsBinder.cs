using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;

namespace Hearth.Functions.Hosting;

/// <summary>
/// Binds and checks options classes marked with <see cref="SettingsSectionAttribute"/>. One binder serves both the start
/// check and <c>IOptions&lt;T&gt;</c>, so what is validated is exactly what the code reads.
/// Supported property types: string, bool, numbers, TimeSpan ("hh:mm:ss"), Uri, enums, their nullables, and
/// string[] (children <c>Key:0</c>, <c>Key:1</c>… or one comma-separated value).
/// </summary>
public static class SettingsBinder
{
    /// <summary>The section of an options class; throws when the class is not marked.</summary>
    public static string SectionOf(Type optionsType) =>
        optionsType.GetCustomAttribute<SettingsSectionAttribute>()?.Section
        ?? throw new InvalidOperationException($"{optionsType.Name} needs [SettingsSection(\"...\")] to be bound as settings.");

    /// <summary>The settings of an options class, in declaration order.</summary>
    public static IReadOnlyList<SettingInfo> Describe(Type optionsType)
    {
        var section = SectionOf(optionsType);
        var defaults = Activator.CreateInstance(optionsType)
            ?? throw new InvalidOperationException($"{optionsType.Name} needs a parameterless constructor.");
        var settings = new List<SettingInfo>();
        foreach (var property in Properties(optionsType))
        {
            var attribute = property.GetCustomAttribute<SettingAttribute>();
            if (!IsSupported(property.PropertyType))
                throw new InvalidOperationException($"{optionsType.Name}.{property.Name}: settings of type {property.PropertyType.Name} are not supported.");
            settings.Add(new SettingInfo(
                KeyOf(section, property, attribute),
                optionsType,
                property.Name,
                attribute?.Description ?? "",
                Format(property.GetValue(defaults)),
                attribute?.Required ?? false,
                attribute?.RequiredInProduction ?? false,
                attribute?.OneOfInProduction,
                attribute?.Secret ?? false));
        }
        return settings;
    }

    /// <summary>Reads every setting of <paramref name="target"/>'s class from configuration; values that do not parse are skipped and reported.</summary>
    public static void Bind(object target, IConfiguration configuration, ICollection<SettingProblem>? problems = null)
    {
        var type = target.GetType();
        var section = SectionOf(type);
        foreach (var property in Properties(type))
        {
            var attribute = property.GetCustomAttribute<SettingAttribute>();
            var key = KeyOf(section, property, attribute);
            if (!TryRead(configuration, key, property.PropertyType, out var value, out var present, out var error))
            {
                // A secret's value never appears in a message, even a wrong one.
                problems?.Add(SettingProblem.Invalid(key, attribute?.Secret == true ? "the value does not parse" : error!));
                continue;
            }
            if (present) property.SetValue(target, value);
        }
    }

    /// <summary>Binds a fresh instance and checks parse errors, ranges, required settings and the class's own rules.</summary>
    public static IReadOnlyList<SettingProblem> Validate(Type optionsType, IConfiguration configuration, bool isDevelopment)
    {
        var problems = new List<SettingProblem>();
        var section = SectionOf(optionsType);
        var target = Activator.CreateInstance(optionsType)!;
        Bind(target, configuration, problems);
        var unparsed = problems.Select(p => p.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var groups = new Dictionary<string, List<(string Key, bool Set)>>(StringComparer.Ordinal);

        foreach (var property in Properties(optionsType))
        {
            var attribute = property.GetCustomAttribute<SettingAttribute>();
            var key = KeyOf(section, property, attribute);
            if (unparsed.Contains(key)) continue;
            var value = property.GetValue(target);
            var set = IsSet(value);
            if (!set && attribute?.Required == true)
                problems.Add(SettingProblem.Missing(key, "required"));
            else if (!set && !isDevelopment && attribute?.RequiredInProduction == true)
                problems.Add(SettingProblem.Missing(key, "required in Production"));
            if (attribute?.OneOfInProduction is { } group)
            {
                if (!groups.TryGetValue(group, out var members)) groups[group] = members = [];
                members.Add((key, set));
            }
            if (set && property.GetCustomAttribute<RangeAttribute>() is { } range && !range.IsValid(value))
                problems.Add(SettingProblem.Invalid(key, $"{Format(value)} is out of range; allowed {range.Minimum}..{range.Maximum}"));
        }

        if (!isDevelopment)
        {
            foreach (var (_, members) in groups)
            {
                if (members.Any(m => m.Set)) continue;
                var keys = string.Join(" or ", members.Select(m => $"'{m.Key}'"));
                problems.Add(new SettingProblem(members[0].Key, $"Missing setting {keys} (one is required in Production)"));
            }
        }

        if (problems.Count == 0 && target is IValidatableSettings validatable)
            problems.AddRange(validatable.Validate(new SettingsContext(isDevelopment, section)));
        return problems;
    }

    /// <summary>The values of the secret settings of an options class that are set (for redaction).</summary>
    public static IEnumerable<string> SecretValues(Type optionsType, IConfiguration configuration)
    {
        foreach (var setting in Describe(optionsType).Where(s => s.Secret))
        {
            var value = configuration[setting.Key];
            if (!string.IsNullOrWhiteSpace(value)) yield return value;
        }
    }

    internal static string KeyOf(string section, PropertyInfo property, SettingAttribute? attribute) =>
        attribute?.Key ?? (section.Length == 0 ? property.Name : $"{section}:{property.Name}");

    private static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.CanWrite && p.GetIndexParameters().Length == 0 && p.GetCustomAttribute<NotASettingAttribute>() is null)
            .OrderBy(p => p.MetadataToken);

    private static bool IsSupported(Type type)
    {
        if (type == typeof(string[])) return true;
        var core = Nullable.GetUnderlyingType(type) ?? type;
        return core == typeof(string) || core == typeof(bool) || core == typeof(int) || core == typeof(long) || core == typeof(double)
            || core == typeof(TimeSpan) || core == typeof(Uri) || core.IsEnum;
    }

    internal static bool TryRead(IConfiguration configuration, string key, Type type, out object? value, out bool present, out string? error)
    {
        value = null;
        error = null;
        if (type == typeof(string[]))
        {
            var section = configuration.GetSection(key);
            var children = section.GetChildren().Where(c => c.Value is not null).Select(c => c.Value!.Trim()).Where(v => v.Length > 0).ToArray();
            var single = section.Value;
            present = children.Length > 0 || single is not null;
            value = children.Length > 0
                ? children
                : (single ?? "").Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return true;
        }

        var text = configuration[key];
        present = text is not null;
        if (text is null) return true;
        var core = Nullable.GetUnderlyingType(type) ?? type;
        if (core == typeof(string))
        {
            value = text;
            return true;
        }
        if (text.Trim().Length == 0)
        {
            present = false; // an empty value means "not set" for non-text settings (e.g. an empty environment variable)
            return true;
        }
        text = text.Trim();
        if (core == typeof(TimeSpan))
        {
            if (TimeSpan.TryParseExact(text, ["c", @"hh\:mm\:ss", @"d\.hh\:mm\:ss"], CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
            {
                value = span;
                return true;
            }
            error = $"'{text}' is not a duration; use hh:mm:ss (or d.hh:mm:ss)";
            return false;
        }
        if (core == typeof(Uri))
        {
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                value = uri;
                return true;
            }
            error = $"'{text}' is not an absolute http(s) URL";
            return false;
        }
        if (core.IsEnum)
        {
            if (Enum.TryParse(core, text, ignoreCase: true, out var parsed) && Enum.IsDefined(core, parsed!))
            {
                value = parsed;
                return true;
            }
            error = $"'{text}' is not one of {string.Join(", ", Enum.GetNames(core))}";
            return false;
        }
        try
        {
            value = TypeDescriptor.GetConverter(core).ConvertFromInvariantString(text);
            return true;
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException || e.InnerException is FormatException or OverflowException)
        {
            error = core == typeof(bool) ? $"'{text}' is not true or false"
                : core == typeof(double) ? $"'{text}' is not a number"
                : $"'{text}' is not a whole number";
            return false;
        }
    }

    private static bool IsSet(object? value) => value switch
    {
        null => false,
        string s => !string.IsNullOrWhiteSpace(s),
        string[] a => a.Length > 0,
        _ => true,
    };

    internal static string? Format(object? value) => value switch
    {
        null => null,
        string s => s,
        string[] a => a.Length == 0 ? null : string.Join(",", a),
        bool b => b ? "true" : "false",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
