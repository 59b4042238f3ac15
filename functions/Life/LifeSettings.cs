using System.ComponentModel.DataAnnotations;

namespace Hearth.Functions.Life;

/// <summary>The offline life: mood drift, life events and initiated messages. The tick's schedule is host.json's <c>extensions.timers.schedules.life.tick</c>.</summary>
[SettingsSection("Life")]
public sealed class LifeSettings : IValidatableSettings
{
    [Setting("Whether the life tick runs (off: no offline life events, mood drift or initiations from the timer; a manual tick still runs).")]
    public bool Enabled { get; set; } = true;

    [Setting("Time for the distance between mood and its baseline to halve (hh:mm:ss or d.hh:mm:ss).")]
    public TimeSpan MoodHalfLife { get; set; } = TimeSpan.FromHours(6);

    [Setting("An offline life-event template is not reused for the same agent within this many days.")]
    [Range(0, 60)]
    public int TemplateRepeatDays { get; set; } = 5;

    [Setting("An initiation topic is not reused for the same agent within this many days.")]
    [Range(0, 365)]
    public int TopicRepeatDays { get; set; } = 30;

    [Setting("Chance (0-1) that something happens in a slot while the agent is free (working: two thirds).")]
    [Range(0.0, 1.0)]
    public double EventChance { get; set; } = 0.18;

    [Setting("Chance (0-1) that the agent plans to write first after something happened (otherwise a fifth of it).")]
    [Range(0.0, 1.0)]
    public double InitiationChance { get; set; } = 0.5;

    public IEnumerable<SettingProblem> Validate(SettingsContext context)
    {
        if (MoodHalfLife < TimeSpan.FromMinutes(1) || MoodHalfLife > TimeSpan.FromDays(30))
            yield return SettingProblem.Invalid(context.KeyOf(nameof(MoodHalfLife)), "must be between 00:01:00 and 30.00:00:00");
    }
}
