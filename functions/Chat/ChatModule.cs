using Hearth.Chat;
using Hearth.Companions;
using Hearth.Durable;
using Hearth.Functions.Status;

namespace Hearth.Functions.Chat;

/// <summary>Companions and the chat turn: settings, the model chain, the domain services and the models status.</summary>
public static class ChatModule
{
    public static IHostApplicationBuilder AddChat(this IHostApplicationBuilder builder)
    {
        builder.AddSettings<ChatTurnOptions>();                       // Chat:*, Chat:Pictures:* (the turn's own options, bound once)
        builder.AddSettings<ChatCardOptions>();
        builder.AddSettings<ModelRetryOptions>();
        var services = builder.Services;
        services.AddChatModels();
        ChatServices.AddChat(services);
        services.AddStatusContributor<ModelsStatus>();
        var erasure = new RetryPolicy(10, TimeSpan.FromSeconds(5), 2, TimeSpan.FromMinutes(10));
        services.AddDurable()
            .AddFunction<CompanionErasureFunction, CompanionErasure>(CompanionDeletion.Queue, erasure)
            .AddFunction<AccountErasureFunction, AccountErasure>(CompanionDeletion.AccountQueue, erasure);
        return builder;
    }
}
