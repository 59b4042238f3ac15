namespace Hearth.Functions.Management;

/// <summary>
/// The management API over the durable runtime (Durable Functions' HTTP management API, per user). It needs only the
/// runtime's clients, which the host registers; the module exists so Program.cs lists every area the same way.
/// </summary>
public static class ManagementModule
{
    public static IHostApplicationBuilder AddManagement(this IHostApplicationBuilder builder) => builder;
}
