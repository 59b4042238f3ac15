using Hearth.Durable;
using Hearth.Durable.Timers;

namespace Hearth.Functions.Hosting;

/// <summary>
/// The host.json keys the runtime reads, with Azure Functions' names where the meaning is the same, bound to
/// <see cref="DurableOptions"/>. Timer schedules are overridden per function under <c>extensions.timers.schedules.&lt;name&gt;</c>.
/// Durations are "hh:mm:ss". Log levels come from <c>logging.logLevel</c>.
/// </summary>
public static class HostJsonSettings
{
    private const string Root = HostJsonConfigurationSource.Section;
    private const string SchedulesPath = "extensions:timers:schedules";

    private static readonly (string Path, string Property, string Description)[] Keys =
    [
        ("functionTimeout", nameof(DurableOptions.FunctionTimeout), "A function running longer is cancelled and counts as failed."),
        ("extensions:queues:batchSize", nameof(DurableOptions.BatchSize), "Jobs fetched at once and run in parallel."),
        ("extensions:queues:newBatchThreshold", nameof(DurableOptions.NewBatchThreshold), "A new batch is fetched when this few jobs still run (default batchSize/2)."),
        ("extensions:queues:maxDequeueCount", nameof(DurableOptions.MaxDequeueCount), "Attempts before a job is dead, when its function sets no retry policy."),
        ("extensions:queues:visibilityTimeout", nameof(DurableOptions.VisibilityTimeout), "Delay before the first retry, when its function sets no retry policy."),
        ("extensions:queues:backoffCoefficient", nameof(DurableOptions.BackoffCoefficient), "Growth of the default retry delay per attempt."),
        ("extensions:queues:maxRetryInterval", nameof(DurableOptions.MaxRetryInterval), "Cap of the default retry delay."),
        ("extensions:queues:maxPollingInterval", nameof(DurableOptions.MaxPollingInterval), "Longest wait between polls when no notification arrives."),
        ("extensions:queues:leaseDuration", nameof(DurableOptions.LeaseDuration), "A running job's lease; an expired lease (killed process) is rescued."),
        ("extensions:queues:drainTimeout", nameof(DurableOptions.DrainTimeout), "On shutdown, how long running jobs may take to finish before they are handed back."),
        ("extensions:queues:succeededRetention", nameof(DurableOptions.SucceededRetention), "Succeeded and cancelled jobs are deleted after this long."),
        ("extensions:queues:deadRetention", nameof(DurableOptions.DeadRetention), "Dead jobs are deleted after this long."),
        ("extensions:queues:enabled", nameof(DurableOptions.RunWorkers), "Whether this process runs jobs."),
        ("extensions:timers:enabled", nameof(DurableOptions.RunTimers), "Whether this process fires timer schedules."),
        ("extensions:timers:pastDueThreshold", nameof(DurableOptions.PastDueThreshold), "A timer run later than this after its occurrence is past due."),
        ("extensions:durableTask:instanceRetention", nameof(DurableOptions.InstanceRetention), "Finished orchestration instances are purged after this long (unset: kept)."),
    ];

    /// <summary>The host.json settings for the catalogue.</summary>
    public static IEnumerable<SettingInfo> Describe()
    {
        var defaults = new DurableOptions();
        foreach (var (path, property, description) in Keys)
        {
            var value = typeof(DurableOptions).GetProperty(property)!.GetValue(defaults);
            yield return new SettingInfo($"{Root}:{path}", typeof(DurableOptions), property, description, SettingsBinder.Format(value));
        }
        yield return new SettingInfo($"{Root}:{SchedulesPath}:<FunctionName>", typeof(DurableOptions), nameof(DurableOptions.Schedules),
            "Six-field NCRONTAB schedule overriding the one a timer function declares in code.", null);
        yield return new SettingInfo($"{Root}:logging:logLevel:<Category>", typeof(LogLevel), "LogLevel",
            "Minimum log level per category ('default' for all).", null);
    }

    /// <summary>Applies host.json (and its environment overrides) to <paramref name="options"/>; values that do not parse are reported.</summary>
    public static void Bind(DurableOptions options, IConfiguration configuration, ICollection<SettingProblem>? problems = null)
    {
        foreach (var (path, propertyName, _) in Keys)
        {
            var key = $"{Root}:{path}";
            var property = typeof(DurableOptions).GetProperty(propertyName)!;
            if (!SettingsBinder.TryRead(configuration, key, property.PropertyType, out var value, out var present, out var error))
                problems?.Add(SettingProblem.Invalid(key, error!));
            else if (present)
                property.SetValue(options, value);
        }
        foreach (var schedule in configuration.GetSection($"{Root}:{SchedulesPath}").GetChildren())
        {
            if (string.IsNullOrWhiteSpace(schedule.Value)) continue;
            options.Schedules[schedule.Key] = schedule.Value.Trim();
        }
    }

    /// <summary>Every problem in the runtime settings: parse errors, ranges, schedules, log levels.</summary>
    public static IEnumerable<SettingProblem> Validate(IConfiguration configuration)
    {
        var problems = new List<SettingProblem>();
        var options = new DurableOptions();
        Bind(options, configuration, problems);
        if (problems.Count == 0)
        {
            try
            {
                options.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                var path = Keys.FirstOrDefault(k => string.Equals(k.Property, e.ParamName, StringComparison.OrdinalIgnoreCase)).Path;
                var key = path is null ? $"{Root}:extensions:queues" : $"{Root}:{path}";
                problems.Add(SettingProblem.Invalid(key, FirstLine(e.Message)));
            }
        }
        foreach (var (name, expression) in options.Schedules)
        {
            try
            {
                CronSchedule.Parse(expression);
            }
            catch (FormatException e)
            {
                problems.Add(SettingProblem.Invalid($"{Root}:{SchedulesPath}:{name}", e.Message));
            }
        }
        foreach (var level in configuration.GetSection($"{Root}:logging:logLevel").GetChildren())
        {
            if (level.Value is { } text && !Enum.TryParse<LogLevel>(text, ignoreCase: true, out _))
                problems.Add(SettingProblem.Invalid(level.Path, $"'{text}' is not one of {string.Join(", ", Enum.GetNames<LogLevel>())}"));
        }
        return problems;
    }

    // ArgumentOutOfRangeException appends "(Parameter ...)\nActual value was ..." lines.
    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
