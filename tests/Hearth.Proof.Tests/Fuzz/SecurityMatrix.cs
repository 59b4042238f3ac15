using System.Reflection;
using Hearth.Proof.Tests.Security;

namespace Hearth.Proof.Tests.Fuzz;

/// <summary>
/// The security matrix's own knowledge, reused rather than copied: its sample bodies, its list of raw (non-JSON) bodies
/// and how it fills path parameters with alice's ids. They are private to <see cref="RouteMatrixTests"/>, so this reads
/// them by name; a rename there fails here at once, saying what to update.
/// </summary>
internal static class SecurityMatrix
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Static;

    public static IReadOnlyDictionary<string, string> SampleBodies { get; } = Field<IReadOnlyDictionary<string, string>>("SampleBodies");

    public static IReadOnlySet<string> RawBodies { get; } = Field<HashSet<string>>("RawBodies");

    private static readonly MethodInfo FillMethod = typeof(RouteMatrixTests).GetMethod("Fill", Private, [typeof(ApiOperation), typeof(AliceWorld)])
        ?? throw new InvalidOperationException("RouteMatrixTests.Fill(ApiOperation, AliceWorld) is gone; update Fuzz/SecurityMatrix.cs.");

    /// <summary>The operation's path with alice's ids in it (fails, as the matrix does, on a parameter nobody knows).</summary>
    public static string Fill(ApiOperation operation, AliceWorld alice)
    {
        try
        {
            return (string)FillMethod.Invoke(null, [operation, alice])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    private static T Field<T>(string name) where T : class =>
        typeof(RouteMatrixTests).GetField(name, Private)?.GetValue(null) as T
        ?? throw new InvalidOperationException($"RouteMatrixTests.{name} ({typeof(T).Name}) is gone; update Fuzz/SecurityMatrix.cs.");
}
