using Hearth.Functions.Hosting;
using Microsoft.Extensions.Configuration;

namespace Hearth.Deploy.Tests.Deployment;

/// <summary>Checks of the container app's settings against what the host requires (each returns problems, empty when fine).</summary>
public static class SettingsChecks
{
    /// <summary>Variables the platform or the runtime reads that are not host settings.</summary>
    public static readonly IReadOnlySet<string> PlatformVariables = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "ASPNETCORE_ENVIRONMENT", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_URLS", "AZURE_CLIENT_ID", "APPLICATIONINSIGHTS_CONNECTION_STRING",
    };

    /// <summary>
    /// Every key required in Production is set in every deployment (not only inside a condition), at least one key of each
    /// one-of group is, and secret settings come from secret references, never from plain values.
    /// </summary>
    public static IReadOnlyList<string> RequiredSettings(
        ContainerAppDefinition app, IEnumerable<string> required, IEnumerable<IReadOnlyList<string>> oneOf, IEnumerable<string> secrets)
    {
        var always = app.Environment.Where(e => !e.Conditional).ToList();
        var problems = new List<string>();
        foreach (var key in required)
            if (!always.Any(e => SettingKeys.Same(e.Key, key)))
                problems.Add($"The host requires '{key}' in Production, but the container app ({Path.GetFileName(app.File)}) does not set {EnvName(key)}.");
        foreach (var group in oneOf)
            if (!always.Any(e => group.Any(key => SettingKeys.Same(e.Key, key))))
                problems.Add($"The host requires one of {string.Join(", ", group.Select(k => $"'{k}'"))} in Production, but the container app sets none.");
        foreach (var key in secrets)
            foreach (var entry in app.Environment.Where(e => SettingKeys.Same(e.Key, key) && e.SecretRef is null))
                problems.Add($"'{key}' is a secret, but the container app sets {entry.Name} as a plain value; use a secretRef to a Key Vault reference.");
        return problems;
    }

    /// <summary>
    /// The host's own start check, run on the configuration the container app gives it (in Production): every missing key,
    /// and every invalid value that the template states literally. Values known only at deployment (parameters, secrets)
    /// are stand-ins, so their format is not judged here.
    /// </summary>
    public static IReadOnlyList<string> HostStartCheck(ContainerAppDefinition app, SettingsRegistry registry)
    {
        var entries = app.Environment.Where(e => !e.Conditional).ToList();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(entries.Select(e => new KeyValuePair<string, string?>(e.Key, e.SampleValue)))
            .Build();
        return registry.Validate(configuration, isDevelopment: false)
            .Where(p => p.Message.StartsWith("Missing setting", StringComparison.Ordinal)
                || entries.Any(e => e.IsLiteral && string.Equals(e.Key, p.Key, StringComparison.OrdinalIgnoreCase))
                || !entries.Any(e => string.Equals(e.Key, p.Key, StringComparison.OrdinalIgnoreCase)))
            .Select(p => p.Message)
            .ToList();
    }

    /// <summary>
    /// Settings the container app sets that the host does not know. A key in a section the catalogue knows must be one of
    /// its keys (a typo or a renamed setting); a key in a section no module declares yet is reported as pending.
    /// </summary>
    public static (IReadOnlyList<string> Unknown, IReadOnlyList<string> Pending) UnknownSettings(ContainerAppDefinition app, IEnumerable<string> catalogueKeys)
    {
        var known = catalogueKeys.Select(SettingKeys.Normalize).ToHashSet(StringComparer.Ordinal);
        var unknown = new List<string>();
        var pending = new List<string>();
        foreach (var entry in app.Environment)
        {
            if (PlatformVariables.Contains(entry.Name) || known.Contains(SettingKeys.Normalize(entry.Key))) continue;
            var section = SettingKeys.Section(entry.Key);
            var siblings = known.Where(k => section.Length > 0 && k.StartsWith(section + ":", StringComparison.Ordinal)).ToList();
            if (siblings.Count > 0)
                unknown.Add($"{entry.Name} sets '{entry.Key}', which the host does not read (its '{section}' settings: {string.Join(", ", siblings)}).");
            else if (section.Length == 0)
                unknown.Add($"{entry.Name} is neither a host setting nor a known platform variable.");
            else
                pending.Add(entry.Key);
        }
        return (unknown, pending);
    }

    /// <summary>Every secretRef names a declared secret, and every secret is a Key Vault reference read with the app's identity.</summary>
    public static IReadOnlyList<string> Secrets(ContainerAppDefinition app)
    {
        var problems = new List<string>();
        var declared = app.Secrets.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var entry in app.Environment.Where(e => e.SecretRef is not null))
        {
            if (!declared.TryGetValue(entry.SecretRef!, out var secret))
                problems.Add($"{entry.Name} refers to the secret '{entry.SecretRef}', which the container app does not declare.");
            else if (secret.Conditional && !entry.Conditional)
                problems.Add($"{entry.Name} is always set but its secret '{entry.SecretRef}' exists only in some deployments.");
        }
        foreach (var rule in app.ScaleRules)
            foreach (var (parameter, secretRef) in rule.Auth)
                if (!declared.ContainsKey(secretRef))
                    problems.Add($"Scale rule '{rule.Name}' passes the secret '{secretRef}' as '{parameter}', but the container app does not declare it.");
        foreach (var secret in app.Secrets)
        {
            if (secret.HasInlineValue || string.IsNullOrEmpty(secret.KeyVaultUrl))
                problems.Add($"The secret '{secret.Name}' is not a Key Vault reference (keyVaultUrl).");
            else if (string.IsNullOrEmpty(secret.Identity))
                problems.Add($"The secret '{secret.Name}' has no identity to read Key Vault with.");
        }
        return problems;
    }

    private static string EnvName(string key) => key.Replace(":", "__", StringComparison.Ordinal);
}
