using System.Globalization;
using Hearth.Adapters.OpenAI;
using Hearth.Models;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Chat;

/// <summary>
/// The model chain from configuration: <c>Models:Chat</c> is an ordered list of
/// <c>{ Provider: AzureOpenAI | OpenAI | OpenAICompatible, Endpoint, Model, ApiKey?, TimeoutSeconds, MaxRetries? }</c>
/// (<c>Models__Chat__0__Endpoint</c> from the environment). Empty: the offline responder answers everything.
/// </summary>
public static class ChatModels
{
    public const string Section = "Models:Chat";
    public const int DefaultTimeoutSeconds = 30;

    /// <summary>Registers <see cref="IChatModelChain"/> (unless one is registered) and checks <c>Models:Chat</c> at start.</summary>
    public static IServiceCollection AddChatModels(this IServiceCollection services)
    {
        services.AddSettingsCheck((configuration, _isDevelopment) => Read(configuration, out _));
        services.TryAddSingleton<IChatModelChain>(sp =>
        {
            Read(sp.GetRequiredService<IConfiguration>(), out var endpoints);
            var retry = sp.GetRequiredService<IOptions<ModelRetryOptions>>().Value;
            var time = sp.GetRequiredService<TimeProvider>();
            var logger = sp.GetRequiredService<ILogger<ChatModelChain>>();
            return new ChatModelChain(endpoints.Select(e => OpenAiChatProviders.Create(e, retry.For(e), time, logger)).ToList(), logger);
        });
        return services;
    }

    /// <summary>The configured endpoints in order, and one problem per key at fault (keys are never printed).</summary>
    public static IReadOnlyList<SettingProblem> Read(IConfiguration configuration, out List<ChatModelEndpoint> endpoints)
    {
        endpoints = [];
        var problems = new List<SettingProblem>();
        var entries = configuration.GetSection(Section).GetChildren()
            .Select(c => (Index: int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1, Section: c))
            .OrderBy(c => c.Index).ToList();
        foreach (var (index, section) in entries)
        {
            var key = $"{Section}:{section.Key}";
            if (index < 0)
            {
                problems.Add(SettingProblem.Invalid(key, "Models:Chat is a list: use Models:Chat:0, Models:Chat:1, …"));
                continue;
            }
            var before = problems.Count;
            var providerText = section["Provider"];
            ChatModelProviderKind provider = default;
            if (string.IsNullOrWhiteSpace(providerText))
                problems.Add(SettingProblem.Missing($"{key}:Provider", "AzureOpenAI, OpenAI or OpenAICompatible"));
            else if (!Enum.TryParse(providerText, ignoreCase: true, out provider) || !Enum.IsDefined(provider))
                problems.Add(SettingProblem.Invalid($"{key}:Provider", "must be AzureOpenAI, OpenAI or OpenAICompatible"));

            var model = section["Model"]?.Trim();
            if (string.IsNullOrWhiteSpace(model)) problems.Add(SettingProblem.Missing($"{key}:Model", "the model, or the deployment name for Azure"));

            Uri? endpoint = null;
            var endpointText = section["Endpoint"]?.Trim();
            if (!string.IsNullOrEmpty(endpointText))
            {
                if (!Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https") || endpoint.UserInfo.Length > 0)
                    problems.Add(SettingProblem.Invalid($"{key}:Endpoint", "must be an absolute http(s) address without credentials"));
            }
            else if (provider is ChatModelProviderKind.AzureOpenAI or ChatModelProviderKind.OpenAICompatible && problems.Count == before)
                problems.Add(SettingProblem.Missing($"{key}:Endpoint", $"required for {provider}"));

            var apiKey = section["ApiKey"];
            if (provider == ChatModelProviderKind.OpenAI && string.IsNullOrWhiteSpace(apiKey) && problems.Count == before)
                problems.Add(SettingProblem.Missing($"{key}:ApiKey", "required for OpenAI"));

            var timeout = DefaultTimeoutSeconds;
            if (section["TimeoutSeconds"] is { Length: > 0 } timeoutText
                && (!int.TryParse(timeoutText, NumberStyles.None, CultureInfo.InvariantCulture, out timeout) || timeout is < 1 or > 600))
                problems.Add(SettingProblem.Invalid($"{key}:TimeoutSeconds", "must be a whole number of seconds from 1 to 600"));

            int? maxRetries = null;
            if (section["MaxRetries"] is { Length: > 0 } retriesText)
            {
                if (!int.TryParse(retriesText, NumberStyles.None, CultureInfo.InvariantCulture, out var retries) || retries > 10)
                    problems.Add(SettingProblem.Invalid($"{key}:MaxRetries", "must be a whole number from 0 to 10"));
                else maxRetries = retries;
            }

            if (problems.Count == before)
                endpoints.Add(new ChatModelEndpoint(provider, endpoint, model!, string.IsNullOrWhiteSpace(apiKey) ? null : apiKey, TimeSpan.FromSeconds(timeout), maxRetries));
        }
        return problems;
    }
}

/// <summary><c>/api/status</c> → <c>providers.models</c>: the chat chain in order, offline last. Never keys.</summary>
internal sealed class ModelsStatus(IChatModelChain chain) : Status.IStatusContributor
{
    public string Name => "models";

    /// <summary>Which providers and models answer the user's chat, without the endpoints.</summary>
    public Task<object?> DescribeForUserAsync(CancellationToken ct) => Task.FromResult<object?>(new
    {
        chat = chain.Providers.Count == 0 ? "offline" : "chain",
        chain = chain.Providers.Select(p => new { provider = p.Name, model = p.Model })
            .Append(new { provider = ModelReply.OfflineProvider, model = ModelReply.OfflineModel }).ToList(),
    });

    public Task<object?> DescribeAsync(CancellationToken ct) => Task.FromResult<object?>(new
    {
        chat = chain.Providers.Count == 0 ? "offline" : "chain",
        chain = chain.Providers.Select(p => new
        {
            provider = p.Name,
            model = p.Model,
            endpoint = p.Endpoint,
            timeoutSeconds = (int)p.Timeout.TotalSeconds,
        }).Append(new { provider = ModelReply.OfflineProvider, model = ModelReply.OfflineModel, endpoint = (string?)null, timeoutSeconds = 0 }).ToList(),
    });
}
