using System.Reflection;

namespace Hearth.Durable.Migrations;

/// <summary>
/// A module's numbered <c>.sql</c> migrations, embedded in its assembly (files named <c>NNN_description.sql</c>).
/// Modules are applied in registration order; within a module, by number.
/// </summary>
/// <param name="Module">Stable module name recorded with each applied migration, e.g. <c>durable</c> or <c>chat</c>.</param>
/// <param name="Assembly">Assembly holding the embedded scripts.</param>
/// <param name="ResourcePrefix">Prefix of the manifest resource names of this module's scripts.</param>
public sealed record MigrationSource(string Module, Assembly Assembly, string ResourcePrefix)
{
    /// <summary>The scripts of this module, ordered by number.</summary>
    public IReadOnlyList<Migration> Load()
    {
        var migrations = new List<Migration>();
        foreach (var resource in Assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
                continue;
            var name = resource[ResourcePrefix.Length..^4];
            var digits = new string(name.TakeWhile(char.IsDigit).ToArray());
            if (digits.Length == 0)
                throw new InvalidOperationException($"Migration '{resource}' must start with its number, e.g. 001_create.sql.");
            using var stream = Assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(Module, int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture), name, reader.ReadToEnd()));
        }
        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Module '{Module}' has two migrations numbered {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.Name))}.");
        return migrations.OrderBy(m => m.Version).ToList();
    }
}

/// <summary>One migration script.</summary>
public sealed record Migration(string Module, int Version, string Name, string Sql)
{
    public string Checksum => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))))[..16];
}
