using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Hearth.Functions.Hosting;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>: the bearer scheme, required on every <c>/api</c> operation that is not
/// anonymous, with its 401 (and 403 for admin operations) problem responses.
/// </summary>
internal static class OpenApiSetup
{
    public const string SchemeName = "Bearer";

    public static IServiceCollection AddHearthOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Hearth API",
                    Version = typeof(OpenApiSetup).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
                    Description = "Companions, memory, pictures and skills on a durable runtime. Errors are application/problem+json with a stable type (urn:hearth:problem:*).",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "Authorization: Bearer <token>. In Development the dev token ('dev', or 'dev:<name>') works too.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                var path = "/" + (context.Description.RelativePath ?? "");
                if (!path.StartsWith("/api", StringComparison.OrdinalIgnoreCase) || metadata.OfType<IAllowAnonymous>().Any())
                    return Task.CompletedTask;
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [] });
                operation.Responses ??= new OpenApiResponses();
                operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No valid bearer token (problem+json)." });
                var adminOnly = metadata.OfType<IAuthorizeData>().Any(a => a.Policy == Identity.AuthorizationPolicies.Admin);
                if (adminOnly) operation.Responses.TryAdd("403", new OpenApiResponse { Description = "Admins only (problem+json)." });
                return Task.CompletedTask;
            });
        });
}
