using System.Globalization;
using Hearth.Deploy.Tests.Text;

namespace Hearth.Deploy.Tests.Deployment;

/// <summary>One environment variable of the container: a plain value or a reference to a container app secret.</summary>
/// <param name="Conditional">Set only in some deployments (inside a condition's branch).</param>
public sealed record EnvironmentEntry(string Name, BicepValue? Value, string? SecretRef, bool Conditional)
{
    /// <summary>The configuration key it sets.</summary>
    public string Key => SettingKeys.FromEnvironmentName(Name);

    /// <summary>True when the value is fully known from the template text (not a parameter or a secret).</summary>
    public bool IsLiteral => SecretRef is null && Value is BicepString { IsLiteral: true };

    /// <summary>
    /// A value the configuration can be checked with: literals as written, interpolations with a placeholder, secrets with
    /// a stand-in of a strong secret's length, other expressions with a value of the setting's type (see <see cref="Samples"/>).
    /// </summary>
    public string SampleValue => SecretRef is not null
        ? Samples.Secret
        : Value switch
        {
            BicepString s => s.WithPlaceholders("sample"),
            _ => Samples.ForKey(Key),
        };
}

/// <summary>A container app secret: a Key Vault reference (<c>keyVaultUrl</c> + <c>identity</c>) or an inline value.</summary>
public sealed record SecretEntry(string Name, string? KeyVaultUrl, string? Identity, bool HasInlineValue, bool Conditional);

/// <summary>An HTTP probe of the container and its timing (null: the platform default).</summary>
public sealed record Probe(string Type, string Path, int Port, IReadOnlyDictionary<string, int?> Timing);

/// <summary>A scale rule: its name, type (http, postgresql...), metadata and auth (secret → trigger parameter).</summary>
public sealed record ScaleRule(string Name, string Type, IReadOnlyDictionary<string, string> Metadata, IReadOnlyDictionary<string, string> Auth);

/// <summary>What the Bicep says about the container app that runs the function host.</summary>
public sealed class ContainerAppDefinition
{
    public required string File { get; init; }
    public required string? ServiceName { get; init; }
    public required int? TargetPort { get; init; }
    public required IReadOnlyList<EnvironmentEntry> Environment { get; init; }
    public required IReadOnlyList<SecretEntry> Secrets { get; init; }
    public required IReadOnlyList<Probe> Probes { get; init; }
    public required IReadOnlyList<string> MountPaths { get; init; }
    public required int? TerminationGracePeriodSeconds { get; init; }
    public required IReadOnlyList<ScaleRule> ScaleRules { get; init; }

    /// <summary>Finds the one container app the template deploys among <paramref name="documents"/> and reads it.</summary>
    public static ContainerAppDefinition From(IEnumerable<BicepDocument> documents)
    {
        var apps = documents.SelectMany(d => d.Resources("Microsoft.App/containerApps").Select(r => (Document: d, r.Body))).ToList();
        if (apps.Count != 1)
            throw new InvalidOperationException($"Expected one container app in the template, found {apps.Count}.");
        var (document, body) = apps[0];
        var container = body.At("properties.template.containers.0") as BicepObject
            ?? throw new InvalidOperationException($"{document.Path}: the container app has no containers[0].");

        return new ContainerAppDefinition
        {
            File = document.Path,
            ServiceName = ServiceNameTag(body),
            TargetPort = Int(body.At("properties.configuration.ingress.targetPort")),
            Environment = Objects(document, container["env"])
                .Select(o => new EnvironmentEntry(o.Object.Text("name") ?? "", o.Object["value"], o.Object.Text("secretRef"), o.Conditional))
                .ToList(),
            Secrets = Objects(document, body.At("properties.configuration.secrets"))
                .Select(o => new SecretEntry(o.Object.Text("name") ?? "", o.Object.Text("keyVaultUrl"), o.Object.Text("identity"),
                    o.Object["value"] is not null, o.Conditional))
                .ToList(),
            Probes = Objects(document, container["probes"])
                .Select(o => new Probe(o.Object.Text("type") ?? "", o.Object.At("httpGet.path") is BicepString p ? p.Text : "",
                    Int(o.Object.At("httpGet.port")) ?? 0,
                    ProbeTimings.ToDictionary(t => t, t => Int(o.Object[t]), StringComparer.Ordinal)))
                .ToList(),
            MountPaths = Objects(document, container["volumeMounts"]).Select(o => o.Object.Text("mountPath") ?? "").ToList(),
            TerminationGracePeriodSeconds = Int(body.At("properties.template.terminationGracePeriodSeconds")),
            ScaleRules = Objects(document, body.At("properties.template.scale.rules")).Select(o => Rule(document, o.Object)).ToList(),
        };
    }

    /// <summary>The timing properties of a probe.</summary>
    public static readonly string[] ProbeTimings = ["initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold", "successThreshold"];

    private static ScaleRule Rule(BicepDocument document, BicepObject rule)
    {
        var name = rule.Text("name") ?? "";
        var (type, settings) = rule["custom"] is BicepObject custom
            ? (custom.Text("type") ?? "", custom)
            : rule["http"] is BicepObject http ? ("http", http) : ("", rule);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (settings["metadata"] is BicepObject values)
            foreach (var (key, value) in values.Properties)
                metadata[key] = document.Resolve(value) switch { BicepString s => s.Text, BicepExpression e => e.Text, _ => "" };
        var auth = Objects(document, settings["auth"])
            .ToDictionary(o => o.Object.Text("triggerParameter") ?? "", o => o.Object.Text("secretRef") ?? "", StringComparer.Ordinal);
        return new ScaleRule(name, type, metadata, auth);
    }

    private static IEnumerable<(BicepObject Object, bool Conditional)> Objects(BicepDocument document, BicepValue? value) =>
        document.Resolve(value) switch
        {
            BicepArray array => array.Items.OfType<BicepObject>().Select(o => (o, false)),
            BicepExpression expression => BicepReader.ObjectsIn(expression.Text),
            _ => [],
        };

    private static string? ServiceNameTag(BicepObject body)
    {
        // tags: { 'azd-service-name': 'x' } or union(tags, { 'azd-service-name': 'x' })
        var tags = body["tags"];
        var objects = tags switch
        {
            BicepObject o => [o],
            BicepExpression e => BicepReader.ObjectsIn(e.Text).Select(x => x.Object),
            _ => [],
        };
        return objects.Select(o => o["azd-service-name"]).OfType<BicepString>().FirstOrDefault()?.Text;
    }

    private static int? Int(BicepValue? value) =>
        value is BicepExpression { Text: var text } && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
}
