using Microsoft.Extensions.Options;

namespace Hearth.Functions.Hosting;

/// <summary>What this host validates at start: the registered options classes and extra checks.</summary>
public sealed class SettingsRegistry
{
    private readonly List<Type> _types = [];
    private readonly List<Func<IConfiguration, bool, IEnumerable<SettingProblem>>> _checks = [];

    public IReadOnlyList<Type> Types => _types;

    internal void Add(Type type)
    {
        if (!_types.Contains(type)) _types.Add(type);
    }

    internal void AddCheck(Func<IConfiguration, bool, IEnumerable<SettingProblem>> check) => _checks.Add(check);

    /// <summary>Every problem with the given configuration, one per key at fault.</summary>
    public IReadOnlyList<SettingProblem> Validate(IConfiguration configuration, bool isDevelopment)
    {
        var problems = new List<SettingProblem>();
        foreach (var type in _types) problems.AddRange(SettingsBinder.Validate(type, configuration, isDevelopment));
        foreach (var check in _checks) problems.AddRange(check(configuration, isDevelopment));
        return problems;
    }

    /// <summary>Values of every secret setting that is set, for redaction of anything shown to users.</summary>
    public IReadOnlyList<string> SecretValues(IConfiguration configuration) =>
        _types.SelectMany(t => SettingsBinder.SecretValues(t, configuration)).Distinct(StringComparer.Ordinal).ToList();
}

/// <summary>Registration of settings: <c>builder.AddSettings&lt;ChatOptions&gt;()</c> binds, validates at start and catalogues a class.</summary>
public static class SettingsServiceCollectionExtensions
{
    /// <summary>
    /// Binds <typeparamref name="T"/> (marked <see cref="SettingsSectionAttribute"/>) as <c>IOptions&lt;T&gt;</c> and adds it to
    /// the settings validated before the host listens.
    /// </summary>
    public static IHostApplicationBuilder AddSettings<T>(this IHostApplicationBuilder builder) where T : class, new()
    {
        builder.Services.AddSettings<T>();
        return builder;
    }

    /// <inheritdoc cref="AddSettings{T}(IHostApplicationBuilder)"/>
    public static IServiceCollection AddSettings<T>(this IServiceCollection services) where T : class, new()
    {
        SettingsBinder.Describe(typeof(T)); // fails now, not at first use, when the class is not bindable
        Registry(services).Add(typeof(T));
        services.AddOptions<T>().Configure<IConfiguration>((options, configuration) => SettingsBinder.Bind(options, configuration));
        return services;
    }

    /// <summary>
    /// Catalogues <typeparamref name="T"/> and checks it before the host listens, without binding it: for an options class
    /// its owner's registration binds (an adapter's, with the options binder and validation on start), so it is bound once.
    /// </summary>
    public static IHostApplicationBuilder AddSettingsCheck<T>(this IHostApplicationBuilder builder) where T : class, new()
    {
        SettingsBinder.Describe(typeof(T));
        Registry(builder.Services).Add(typeof(T));
        return builder;
    }

    /// <summary>Adds a check run with the settings at start (for settings that are not a plain options class).</summary>
    public static IServiceCollection AddSettingsCheck(this IServiceCollection services, Func<IConfiguration, bool, IEnumerable<SettingProblem>> check)
    {
        Registry(services).AddCheck(check);
        return services;
    }

    internal static SettingsRegistry Registry(IServiceCollection services)
    {
        if (services.FirstOrDefault(d => d.ServiceType == typeof(SettingsRegistry))?.ImplementationInstance is SettingsRegistry existing)
            return existing;
        var registry = new SettingsRegistry();
        services.AddSingleton(registry);
        return registry;
    }
}
