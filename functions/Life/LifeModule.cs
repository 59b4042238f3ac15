using Hearth.Durable;
using Hearth.Life;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Life;

/// <summary>The offline life: the tick timer, the slot orchestration and its activities, webhook pushes, settings.</summary>
public static class LifeModule
{
    public static IHostApplicationBuilder AddLife(this IHostApplicationBuilder builder)
    {
        builder.AddSettings<LifeSettings>();
        var services = builder.Services;
        LifeServices.AddLife(services);
        services.AddOptions<LifeOptions>().Configure<IOptions<LifeSettings>>((life, settings) =>
        {
            life.MoodHalfLife = settings.Value.MoodHalfLife;
            life.TemplateRepeatDays = settings.Value.TemplateRepeatDays;
            life.TopicRepeatDays = settings.Value.TopicRepeatDays;
            life.EventChance = settings.Value.EventChance;
            life.InitiationChance = settings.Value.InitiationChance;
        });
        services.AddDurable()
            .AddTimer<LifeTimer>(LifeTimer.Name, LifeTimer.DefaultSchedule)
            .AddOrchestration<LifeSlotOrchestration>(LifeSlotOrchestration.Name)
            .AddActivity<LifeSlot, SlotResult>(LifeSlotOrchestration.RunSlot,
                (slot, context, ct) => context.Services.GetRequiredService<LifeEngine>().RunSlotAsync(slot, ct))
            .AddActivity<DeliverInput, DeliveryResult>(LifeSlotOrchestration.Deliver,
                (input, context, ct) => context.Services.GetRequiredService<LifeEngine>().DeliverAsync(input.OwnerId, input.InitiationId, ct))
            .AddFunction<WebhookPush>("life.webhook",
                (push, context, ct) => context.Services.GetRequiredService<WebhookSender>().SendAsync(push, ct),
                new RetryPolicy(8, TimeSpan.FromSeconds(10), 2, TimeSpan.FromMinutes(30)));
        return builder;
    }
}
