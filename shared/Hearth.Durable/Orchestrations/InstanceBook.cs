using System.Text.Json;

namespace Hearth.Durable.Orchestrations;

/// <summary>
/// The runtime's bookkeeping for one instance, stored beside the orchestration's own state. Activity results need no
/// entry here: each activity job reports exactly once, and its call id names the generation it belongs to.
/// </summary>
internal sealed class InstanceBook
{
    /// <summary>Whether the current generation's start has been applied.</summary>
    public bool Started { get; set; }

    /// <summary>Last sequence number handed out for calls and timers.</summary>
    public int Seq { get; set; }

    /// <summary>Activity jobs dispatched and not yet reported.</summary>
    public int InFlight { get; set; }

    /// <summary>Calls waiting in durable.backlog for a free slot.</summary>
    public int Backlog { get; set; }

    /// <summary>Bound on <see cref="InFlight"/>; 0 is unbounded.</summary>
    public int MaxInFlight { get; set; }

    /// <summary>Pending durable timers: timer id → name of the event wait it times out (null for a plain timer).</summary>
    public Dictionary<string, string?> Timers { get; set; } = [];

    /// <summary>External events waited for: name → timeout timer id (null: no timeout).</summary>
    public Dictionary<string, string?> Waits { get; set; } = [];

    /// <summary>Events raised before anyone waited for them, oldest first.</summary>
    public Dictionary<string, List<JsonElement>> Buffered { get; set; } = [];
}

/// <summary>Call and timer ids: <c>{generation}.{seq}</c>, with <c>:{tag}</c> when the caller tagged the call.</summary>
internal static class CallIds
{
    public static string Create(int generation, int seq, string? tag) =>
        tag is null ? $"{generation}.{seq}" : $"{generation}.{seq}:{tag}";

    public static (int Generation, string? Tag) Parse(string callId)
    {
        var dot = callId.IndexOf('.');
        var colon = callId.IndexOf(':');
        var generation = int.Parse(callId.AsSpan(0, dot), System.Globalization.CultureInfo.InvariantCulture);
        return (generation, colon < 0 ? null : callId[(colon + 1)..]);
    }
}
