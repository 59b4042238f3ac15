namespace Hearth.Functions.Hosting;

/// <summary>How Hearth signs in to Azure services (Azure OpenAI, Azure AI Search) that have no key configured.</summary>
[SettingsSection("Azure")]
public sealed class AzureOptions
{
    [Setting("Client id of the user-assigned managed identity that signs in to Azure services configured without a key (the Azure " +
        "deployment sets it). Unset: the developer's own Azure sign-in (environment, Azure CLI, Visual Studio...) is used.")]
    public string? ManagedIdentityClientId { get; set; }
}
