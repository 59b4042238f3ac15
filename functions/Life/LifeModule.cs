using Hearth.Companions;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Hearth.Durable.Tasks;
using Microsoft.DurableTask;
using Hearth.Life;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Life;

/// <summary>The offline life: the tick timer, the slot orchestration and its activities, webhook pushes, settings.</summary>
public static class LifeModule
{
    public static IHostApplicationBuilder AddLife(this IHostApplicationBuilder builder)
    {
        builder.AddSettings<LifeOptions>();                           // Life:* (the domain's own options, bound once)
        var services = builder.Services;
        LifeServices.AddLife(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICompanionEraser, LifeCompanionEraser>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAccountEraser, LifeCompanionEraser>());
        services.AddDurable()
            .AddTimer<LifeTimer>(LifeTimer.Name, LifeTimer.DefaultSchedule)
            .AddFunction<WebhookPushFunction, WebhookPush>("life.webhook", new Hearth.Durable.RetryPolicy(8, TimeSpan.FromSeconds(10), 2, TimeSpan.FromMinutes(30)));
        services.AddDurableTasks()
            .AddOrchestrator<LifeSlotOrchestration>(LifeSlotOrchestration.Name)
            .AddActivity<RunSlotActivity>(LifeSlotOrchestration.RunSlot)
            .AddActivity<DeliverActivity>(LifeSlotOrchestration.Deliver);
        return builder;
    }
}

/// <summary><c>life.run-slot</c>: lives one agent's slot.</summary>
public sealed class RunSlotActivity(LifeEngine engine) : TaskActivity<LifeSlot, SlotResult>
{
    public override Task<SlotResult> RunAsync(TaskActivityContext context, LifeSlot slot) => engine.RunSlotAsync(slot, CancellationToken.None);
}

/// <summary><c>life.deliver</c>: sends a planned initiation if every rule still allows it.</summary>
public sealed class DeliverActivity(LifeEngine engine) : TaskActivity<DeliverInput, DeliveryResult>
{
    public override Task<DeliveryResult> RunAsync(TaskActivityContext context, DeliverInput input) =>
        engine.DeliverAsync(input.OwnerId, input.InitiationId, CancellationToken.None);
}

/// <summary><c>life.webhook</c>: pushes one notification to the user's webhook.</summary>
public sealed class WebhookPushFunction(WebhookSender sender) : IQueueFunction<WebhookPush>
{
    public Task RunAsync(WebhookPush push, JobContext context, CancellationToken ct) => sender.SendAsync(push, ct);
}
