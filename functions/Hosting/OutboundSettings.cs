using Hearth.Outbound;

namespace Hearth.Functions.Hosting;

/// <summary>
/// Calls to URLs users give Hearth (the notification webhook) go through one guarded client (<see cref="OutboundHttp"/>):
/// https only, public internet addresses only (checked after DNS, at connect time), no redirects, short timeouts.
/// </summary>
[SettingsSection("Outbound")]
public sealed class OutboundSettings : IValidatableSettings
{
    [Setting("Development only (the host refuses to start with it elsewhere): allow loopback addresses, over plain http too, so a webhook receiver on this machine works.")]
    public bool AllowLoopback { get; set; }

    [Setting("How long a connection to a user's URL may take to open (hh:mm:ss).")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    [Setting("How long a whole call to a user's URL may take (hh:mm:ss).")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<SettingProblem> Validate(SettingsContext context)
    {
        if (AllowLoopback && !context.IsDevelopment)
            yield return SettingProblem.Invalid(context.KeyOf(nameof(AllowLoopback)),
                "may only be true in Development (it lets users make the server call its own machine)");
        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout > TimeSpan.FromSeconds(30))
            yield return SettingProblem.Invalid(context.KeyOf(nameof(ConnectTimeout)), "must be between 00:00:00.001 and 00:00:30");
        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout > TimeSpan.FromMinutes(1))
            yield return SettingProblem.Invalid(context.KeyOf(nameof(RequestTimeout)), "must be between 00:00:00.001 and 00:01:00");
    }

    /// <summary>Registers the settings and the guarded client, with the options taken from them.</summary>
    internal static void Register(WebApplicationBuilder builder)
    {
        builder.AddSettings<OutboundSettings>();
        builder.Services.AddOutboundHttp();
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddOptions<OutboundOptions>().Configure<Microsoft.Extensions.Options.IOptions<OutboundSettings>>((options, settings) =>
        {
            // Belt and braces: even if the start-up check were skipped, loopback is never allowed outside Development.
            options.AllowLoopback = settings.Value.AllowLoopback && development;
            options.ConnectTimeout = settings.Value.ConnectTimeout;
            options.RequestTimeout = settings.Value.RequestTimeout;
        });
    }
}
