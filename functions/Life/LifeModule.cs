using Hearth.Companions;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Hearth.Life;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICompanionEraser, LifeCompanionEraser>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAccountEraser, LifeCompanionEraser>());
        services.AddDurable()
            .AddTimer<LifeTimer>(LifeTimer.Name, LifeTimer.DefaultSchedule)
            .AddOrchestration<LifeSlotOrchestration>(LifeSlotOrchestration.Name)
            .AddActivity<RunSlotActivity, LifeSlot, SlotResult>(LifeSlotOrchestration.RunSlot)
            .AddActivity<DeliverActivity, DeliverInput, DeliveryResult>(LifeSlotOrchestration.Deliver)
            .AddFunction<WebhookPushFunction, WebhookPush>("life.webhook", new RetryPolicy(8, TimeSpan.FromSeconds(10), 2, TimeSpan.FromMinutes(30)));
        return builder;
    }
}

/// <summary><c>life.run-slot</c>: lives one agent's slot.</summary>
public sealed class RunSlotActivity(LifeEngine engine) : IActivity<LifeSlot, SlotResult>
{
    public Task<SlotResult> RunAsync(LifeSlot slot, JobContext context, CancellationToken ct) => engine.RunSlotAsync(slot, ct);
}

/// <summary><c>life.deliver</c>: sends a planned initiation if every rule still allows it.</summary>
public sealed class DeliverActivity(LifeEngine engine) : IActivity<DeliverInput, DeliveryResult>
{
    public Task<DeliveryResult> RunAsync(DeliverInput input, JobContext context, CancellationToken ct) => engine.DeliverAsync(input.OwnerId, input.InitiationId, ct);
}

/// <summary><c>life.webhook</c>: pushes one notification to the user's webhook.</summary>
public sealed class WebhookPushFunction(WebhookSender sender) : IQueueFunction<WebhookPush>
{
    public Task RunAsync(WebhookPush push, JobContext context, CancellationToken ct) => sender.SendAsync(push, ct);
}
