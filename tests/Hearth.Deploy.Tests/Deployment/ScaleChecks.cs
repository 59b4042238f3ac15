namespace Hearth.Deploy.Tests.Deployment;

/// <summary>Checks of how the container app scales and stops.</summary>
public static class ScaleChecks
{
    /// <summary>The PostgreSQL rule that wakes the app for durable work (its query and how it connects).</summary>
    public static ScaleRule? DurableWorkRule(ContainerAppDefinition app) => app.ScaleRules.SingleOrDefault(r => r.Type == "postgresql");

    /// <summary>
    /// The app scales on HTTP and on durable work: an HTTP rule, and a PostgreSQL rule with a query, a target, activation
    /// at any work, and a connection string from a secret.
    /// </summary>
    public static IReadOnlyList<string> Rules(ContainerAppDefinition app)
    {
        var problems = new List<string>();
        if (!app.ScaleRules.Any(r => r.Type == "http")) problems.Add("No HTTP scale rule: requests would not wake the app from zero.");
        if (DurableWorkRule(app) is not { } rule) return [.. problems, "No postgresql scale rule: queued jobs and timers would not wake the app from zero."];
        if (!rule.Metadata.TryGetValue("query", out var query) || query.Trim().Length == 0) problems.Add("The postgresql rule has no query.");
        if (!rule.Metadata.TryGetValue("targetQueryValue", out var target) || !double.TryParse(target, out var value) || value <= 0)
            problems.Add("The postgresql rule needs a positive targetQueryValue.");
        if (rule.Metadata.TryGetValue("activationTargetQueryValue", out var activation) && activation != "0")
            problems.Add($"The postgresql rule activates above {activation}; any due work must wake the app (0).");
        if (!rule.Auth.ContainsKey("connection")) problems.Add("The postgresql rule does not get its connection string from a secret ('connection').");
        return problems;
    }

    /// <summary>The platform waits at least as long as the host takes to drain and stop before it kills the container.</summary>
    public static IReadOnlyList<string> GracePeriod(ContainerAppDefinition app, TimeSpan hostShutdownTimeout)
    {
        if (app.TerminationGracePeriodSeconds is not { } seconds)
            return [$"terminationGracePeriodSeconds is not set (the platform default, 30 s, is shorter than the host's {hostShutdownTimeout.TotalSeconds} s)."];
        return seconds < hostShutdownTimeout.TotalSeconds
            ? [$"terminationGracePeriodSeconds is {seconds} s, shorter than the host's shutdown timeout ({hostShutdownTimeout.TotalSeconds} s)."]
            : [];
    }
}
