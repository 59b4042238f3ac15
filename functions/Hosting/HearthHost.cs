using System.Text.Json;
using Hearth.Durable;
using Hearth.Durable.Tasks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Hosting;

/// <summary>
/// The host every feature builds on: configuration (appsettings → host.json → local.settings.json → environment), the
/// settings catalogue checked before listening, logs (text in Development, JSON with request ids elsewhere), the database (configured or embedded), the
/// durable runtime bound to host.json, problems for every error, body limits, rate limits and OpenAPI.
/// </summary>
public static class HearthHost
{
    /// <summary>Registers the host's services. Call first in Program.cs, then one line per feature module.</summary>
    public static WebApplicationBuilder AddHearthHost(this WebApplicationBuilder builder)
    {
        StartupFailure.Install();
        var root = FunctionAppRoot.Find(builder.Environment.ContentRootPath);
        HearthConfiguration.AddSources(builder.Configuration, root, builder.Environment.ContentRootPath, builder.Environment.EnvironmentName);
        if (HearthConfiguration.DefaultUrl(builder.Configuration) is { } url) builder.WebHost.UseUrls(url);

        builder.Logging.ClearProviders();
        // The ASP.NET convention: readable lines in Development, JSON lines (with request ids in scopes) elsewhere.
        // Logging:Console:FormatterName (simple, json, systemd) overrides either.
        var formatter = builder.Configuration["Logging:Console:FormatterName"]
            ?? (builder.Environment.IsDevelopment() ? ConsoleFormatterNames.Simple : ConsoleFormatterNames.Json);
        builder.Logging.AddConsole(options => options.FormatterName = formatter);
        builder.Services.Configure<JsonConsoleFormatterOptions>(options =>
        {
            options.IncludeScopes = true;
            options.UseUtcTimestamp = true;
            options.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            options.JsonWriterOptions = new JsonWriterOptions { Indented = false };
        });
        builder.Services.Configure<SimpleConsoleFormatterOptions>(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss ";
        });
        builder.AddHearthTelemetry();
        // host.json's logging.logLevel, after appsettings' Logging, so it has the last word (as in Functions).
        builder.Logging.AddConfiguration(builder.Configuration.GetSection($"{HostJsonConfigurationSource.Section}:logging"));

        var services = builder.Services;
        services.AddSingleton(root);
        services.TryAddSingleton(TimeProvider.System);
        builder.AddSettings<ConnectionStringSettings>();
        builder.AddSettings<DatabaseOptions>();
        builder.AddSettings<HttpOptions>();
        builder.AddSettings<FairnessSettings>();
        OutboundSettings.Register(builder); // the guarded client for URLs users give Hearth
        builder.AddAzureCredentials(); // managed identity (Azure) or developer sign-in, for Azure services without a key

        services.AddHearthDatabase();
        services.AddDurable();
        services.AddDurableTasks(); // orchestrations in the Durable Task programming model, on the same database
        // One lease and one polling interval for jobs and orchestrations (host.json's extensions.queues keys), and
        // extensions.durableTask.instanceRetention for finished orchestrations.
        services.AddOptions<TaskStoreOptions>().Configure<IOptions<DurableOptions>>((tasks, durable) =>
        {
            tasks.LeaseDuration = durable.Value.LeaseDuration;
            tasks.MaxPollingInterval = durable.Value.MaxPollingInterval;
            if (durable.Value.InstanceRetention is { } retention) tasks.Retention = retention;
        });
        services.AddOptions<DurableOptions>().Configure<IConfiguration>((options, configuration) => HostJsonSettings.Bind(options, configuration));
        services.AddSettingsCheck((configuration, _) => HostJsonSettings.Validate(configuration));
        // Stopping waits for the runtime to drain running jobs, then to record outcomes and hand back the rest.
        services.AddOptions<HostOptions>().Configure<IOptions<DurableOptions>>((host, durable) =>
            host.ShutdownTimeout = durable.Value.DrainTimeout + TimeSpan.FromSeconds(30));

        services.Replace(ServiceDescriptor.Singleton<IHttpContextFactory, RequestIdHttpContextFactory>());
        services.AddProblemDetails(options => options.CustomizeProblemDetails = Problems.Customize);
        services.AddExceptionHandler<ExceptionProblems>();
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true); // bad bodies reach ExceptionProblems
        services.ConfigureHttpJsonOptions(options => HearthJson.Configure(options.SerializerOptions));
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<HttpOptions>>((kestrel, http) =>
            kestrel.Limits.MaxRequestBodySize = http.Value.MaxRequestBodyBytes);
        services.AddHearthRateLimiter();
        services.AddHearthOpenApi();
        if (builder.Environment.IsDevelopment()) services.AddHostedService<StartBanner>(); // prints once the server listens
        services.AddHostedService<StartupGarbage>();
        return builder;
    }

    /// <summary>
    /// Checks every registered setting (throws <see cref="SettingsException"/> naming each key at fault, so the process exits
    /// before listening), then sets up the pipeline: request id, problems, routing, body limits, authentication,
    /// authorization, rate limits, health probes and OpenAPI. Map feature APIs after it.
    /// </summary>
    public static WebApplication UseHearthHost(this WebApplication app)
    {
        var problems = app.Services.GetRequiredService<SettingsRegistry>().Validate(app.Configuration, app.Environment.IsDevelopment());
        if (problems.Count > 0) throw new SettingsException(problems);

        app.UseMiddleware<RequestIdMiddleware>();
        app.UseSecurityHeaders(app.Environment.IsDevelopment(), app.Services.GetRequiredService<IOptions<Identity.OidcOptions>>().Value.Origin);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // U+0000 in the path or query never reaches the database (see HearthJson for bodies).
        app.Use((context, next) =>
            context.Request.Path.Value?.Contains('\0') == true || Uri.UnescapeDataString(context.Request.QueryString.Value ?? "").Contains('\0')
                ? throw new UnstorableTextException()
                : next(context));
        app.UseRouting();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        app.MapHealthApi();
        app.MapOpenApi().AllowAnonymous();
        return app;
    }
}
