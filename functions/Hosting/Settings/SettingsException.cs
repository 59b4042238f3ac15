using Hearth.Settings;

namespace Hearth.Functions.Hosting;

/// <summary>The host refused to start because of these settings problems (printed one per line).</summary>
public sealed class SettingsException(IReadOnlyList<SettingProblem> problems)
    : Exception(string.Join(Environment.NewLine, problems.Select(p => p.Message)))
{
    public IReadOnlyList<SettingProblem> Problems { get; } = problems;
}
