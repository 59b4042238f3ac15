using System.ClientModel;
using System.ClientModel.Primitives;
using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Search.Documents;
using Azure.Search.Documents.Indexes;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Hosting;

/// <summary>
/// Sign-in for Azure services configured without a key: in Azure the app's user-assigned managed identity
/// (<see cref="AzureOptions.ManagedIdentityClientId"/>), elsewhere the developer's Azure sign-in. A configured key always wins,
/// so the same adapter code runs keyless in the cloud and with a key (or against a local server) anywhere else.
/// </summary>
public sealed class AzureCredentials(TokenCredential credential)
{
    /// <summary>Token scope of Azure OpenAI (the identity needs the "Cognitive Services OpenAI User" role).</summary>
    public const string CognitiveServicesScope = "https://cognitiveservices.azure.com/.default";

    /// <summary>Token scope of Azure AI Search (roles "Search Index Data Contributor" and, to create indexes, "Search Service Contributor").</summary>
    public const string SearchScope = "https://search.azure.com/.default";

    /// <summary>The credential used when no key is set.</summary>
    public TokenCredential Credential => credential;

    /// <summary>
    /// Authentication for the OpenAI SDK against an Azure OpenAI v1 endpoint (<c>https://&lt;resource&gt;.openai.azure.com/openai/v1/</c>):
    /// the <c>api-key</c> header when a key is set, else a bearer token of the managed identity.
    /// </summary>
    public AuthenticationPolicy ForAzureOpenAI(string? apiKey) =>
        string.IsNullOrWhiteSpace(apiKey)
            ? new BearerTokenPolicy(credential, CognitiveServicesScope)
            : ApiKeyAuthenticationPolicy.CreateHeaderApiKeyPolicy(new ApiKeyCredential(apiKey), "api-key");

    /// <summary>A client for one Azure AI Search index: with the key when one is set, else with the managed identity.</summary>
    public SearchClient ForSearchIndex(Uri endpoint, string indexName, string? apiKey, SearchClientOptions? options = null) =>
        string.IsNullOrWhiteSpace(apiKey)
            ? new SearchClient(endpoint, indexName, credential, options ?? new SearchClientOptions())
            : new SearchClient(endpoint, indexName, new AzureKeyCredential(apiKey), options ?? new SearchClientOptions());

    /// <summary>A client that creates and updates Azure AI Search indexes: with the key when one is set, else with the managed identity.</summary>
    public SearchIndexClient ForSearchIndexes(Uri endpoint, string? apiKey, SearchClientOptions? options = null) =>
        string.IsNullOrWhiteSpace(apiKey)
            ? new SearchIndexClient(endpoint, credential, options ?? new SearchClientOptions())
            : new SearchIndexClient(endpoint, new AzureKeyCredential(apiKey), options ?? new SearchClientOptions());
}

/// <summary>Registration of <see cref="AzureCredentials"/> and the <see cref="TokenCredential"/> behind it.</summary>
public static class AzureCredentialsRegistration
{
    /// <summary>
    /// Binds <see cref="AzureOptions"/> and registers one <see cref="TokenCredential"/> (created on first use, so nothing
    /// touches Azure unless an adapter asks for a token) and <see cref="AzureCredentials"/>. Tests replace the credential.
    /// </summary>
    public static IHostApplicationBuilder AddAzureCredentials(this IHostApplicationBuilder builder)
    {
        builder.AddSettings<AzureOptions>();
        builder.Services.TryAddSingleton(services => CreateCredential(services.GetRequiredService<IOptions<AzureOptions>>().Value));
        builder.Services.TryAddSingleton<AzureCredentials>();
        return builder;
    }

    /// <summary>The managed identity named by its client id; without one, DefaultAzureCredential's chain (developer sign-in).</summary>
    public static TokenCredential CreateCredential(AzureOptions options) =>
        string.IsNullOrWhiteSpace(options.ManagedIdentityClientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(options.ManagedIdentityClientId.Trim()));
}
