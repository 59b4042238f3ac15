using Hearth.Durable;
using Hearth.Durable.Jobs;
using Hearth.Durable.Tasks;
using Hearth.Functions.Status;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Functions.Tests.Support;

/// <summary>What the in-process tests add to the host: an orchestration, functions to make jobs of, a timer, a status provider.</summary>
public static class TestModule
{
    public const string FailingFunction = "test.fail";
    public const string NoopFunction = "test.noop";
    public const string NightlyTimer = "test.nightly";

    public static void Register(IServiceCollection services)
    {
        services.AddDurableTasks().AddOrchestrator<ApprovalOrchestration>();
        services.AddDurable()
            .AddFunction<TestMessage>(FailingFunction, (_, _, _) => throw new PermanentJobFailureException("This function always fails."))
            .AddFunction<TestMessage>(NoopFunction, (_, _, _) => Task.CompletedTask)
            .AddTimer(NightlyTimer, "0 0 3 * * *", (_, _, _) => Task.CompletedTask);
        services.AddStatusContributor<LeakyStatus>();
    }
}

public sealed record TestMessage(string Text);

public sealed record ApprovalInput(string Subject);

/// <summary>Waits for an "approve" event and completes with its data; sets a custom status while waiting.</summary>
public sealed class ApprovalOrchestration : TaskOrchestrator<ApprovalInput, string>
{
    public override async Task<string> RunAsync(TaskOrchestrationContext context, ApprovalInput input)
    {
        context.SetCustomStatus(new { stage = "waiting", subject = input.Subject });
        return $"approved: {await context.WaitForExternalEvent<string>("approve")}";
    }
}

/// <summary>A provider that (wrongly) tries to show a secret: /api/status must redact it.</summary>
public sealed class LeakyStatus(Microsoft.Extensions.Configuration.IConfiguration configuration) : IStatusContributor
{
    public string Name => "leaky";

    public Task<object?> DescribeAsync(CancellationToken ct) => Task.FromResult<object?>(new
    {
        jwtSecret = configuration["Auth:Jwt:Secret"],
        devToken = configuration["Auth:DevToken"],
        url = "https://example.test/?key=" + configuration["Auth:Jwt:Secret"],
        connection = configuration.GetSection("ConnectionStrings")["Postgres"],
    });
}

/// <summary>The Development host with this project's test module.</summary>
public sealed class FunctionsHost : Hearth.Testing.Host.DevelopmentHost
{
    protected override void ConfigureServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services) => TestModule.Register(services);
}
