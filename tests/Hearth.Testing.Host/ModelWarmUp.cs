using Hearth.Models;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Testing.Host;

/// <summary>
/// One good exchange through a host's model chain before its tests run. The first call through the OpenAI client
/// compiles its code and opens the connection; on a loaded machine that alone can outlast a test's short provider
/// timeout, so the first test would see a timeout it never set up. Call it with the fakes answering well.
/// </summary>
public static class ModelWarmUp
{
    public static async Task RunAsync(IServiceProvider services, CancellationToken ct = default)
    {
        var chain = services.GetRequiredService<IChatModelChain>();
        // Without an offline answer the chain throws when no fake answers, which is what a broken fixture should do.
        await chain.CompleteAsync(new ModelRequest("test.warm-up", "Say hello.", [new ChatMessage(ChatRole.User, "Hello")]), ct);
    }
}
