using System.Collections.Concurrent;
using Hearth.Chat;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hearth.Functions.Pictures;

/// <summary>Test-only switch for the pictures feature. Off by default, refused outside Development.</summary>
[SettingsSection("Testing")]
public sealed class PictureTestingOptions : IValidatableSettings
{
    [Setting("Test only: stand-ins for the chat feature's IChatPictures and IAgentPortraits when nothing else provides them " +
             "(every agent exists; posts and portraits are only logged), for process tests and ./run before the chat feature. Refused outside Development.")]
    public bool EnablePictureStandIns { get; set; }

    public IEnumerable<SettingProblem> Validate(SettingsContext context)
    {
        if (EnablePictureStandIns && !context.IsDevelopment)
            yield return SettingProblem.Invalid(context.KeyOf(nameof(EnablePictureStandIns)), "test-only; not allowed outside Development");
    }
}

/// <summary>
/// Test-only stand-ins for the chat feature's side of pictures, registered only with <c>Testing:EnablePictureStandIns</c>
/// and only where no implementation is registered (the real ones win). Every agent id exists, named "Test agent"; its base
/// portrait is remembered in memory; posted pictures are logged and get a message id derived from the job.
/// </summary>
public static class PictureStandIns
{
    public static void AddPictureStandIns(this IHostApplicationBuilder builder)
    {
        var options = new PictureTestingOptions();
        SettingsBinder.Bind(options, builder.Configuration);
        if (!options.EnablePictureStandIns) return;
        builder.Services.TryAddSingleton<IAgentPortraits, StandInAgentPortraits>();
        builder.Services.TryAddSingleton<IChatPictures, StandInChatPictures>();
    }

    /// <summary>Every agent exists; base portraits are kept in memory.</summary>
    internal sealed class StandInAgentPortraits(ILogger<StandInAgentPortraits> logger) : IAgentPortraits
    {
        private readonly ConcurrentDictionary<(string Owner, string Agent), string> _portraits = new();

        public Task<bool> SetBasePortraitAsync(string ownerId, string agentId, string mediaId, CancellationToken ct)
        {
            _portraits[(ownerId, agentId)] = mediaId;
            logger.LogInformation("Stand-in: agent {AgentId} of {OwnerId} has base portrait {MediaId}", agentId, ownerId, mediaId);
            return Task.FromResult(true);
        }

        public Task<AgentLook?> GetLookAsync(string ownerId, string agentId, CancellationToken ct) =>
            Task.FromResult<AgentLook?>(new AgentLook(agentId, "Test agent", "Portrait photo of a cheerful test companion, soft light",
                _portraits.TryGetValue((ownerId, agentId), out var media) ? media : null));
    }

    /// <summary>Posts are logged; the message id is derived from the job (so it is idempotent on it).</summary>
    internal sealed class StandInChatPictures(ILogger<StandInChatPictures> logger) : IChatPictures
    {
        public Task<string> PostPictureAsync(string ownerId, string agentId, string? sessionId, string imageJobId, string mediaId, string? caption, CancellationToken ct)
        {
            logger.LogInformation("Stand-in: picture {MediaId} of job {JobId} posted into the chat of agent {AgentId}", mediaId, imageJobId, agentId);
            return Task.FromResult("standin-" + imageJobId);
        }
    }
}
