using Hearth.Chat;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Memory;

/// <summary>
/// The chat's <see cref="IConversationReader"/>, looked up when first needed: memory is registered in hosts where the
/// chat may not be (yet), and only the functions that read conversations need it.
/// </summary>
public sealed class ConversationAccess(IServiceProvider services)
{
    /// <summary>The reader, or a clear error naming what is missing.</summary>
    public IConversationReader Reader => services.GetService<IConversationReader>()
        ?? throw new InvalidOperationException("Memory needs an IConversationReader (registered by the chat feature) to read conversations; none is registered.");
}
