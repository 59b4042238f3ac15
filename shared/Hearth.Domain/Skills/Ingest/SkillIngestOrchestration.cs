using System.Globalization;
using Hearth.Durable.Orchestrations;

namespace Hearth.Skills.Ingest;

/// <summary>
/// A bulk ingest run: fans out one <see cref="SkillQueues.IngestFile"/> activity per file (at most
/// <see cref="IngestRunInput.Parallelism"/> in flight; each with the activity's retry policy), counts what comes back
/// (progress in the custom status), then indexes the stored files in slices, then has the report written and completes
/// with it. A file that fails every attempt is counted and reported, never fails the run.
/// </summary>
public sealed class SkillIngestOrchestration : Orchestration<IngestRunInput, IngestRunState, IngestReport>
{
    private const string FileTag = "file.";
    private const string IndexTag = "index.";
    private const string FinishTag = "finish";

    public override void OnEvent(OrchestrationContext<IngestRunInput, IngestRunState, IngestReport> context, OrchestrationEvent e)
    {
        var input = context.Input;
        var state = context.State;
        switch (e)
        {
            case OrchestrationStarted:
                state.StartedAt = context.CurrentTime;
                context.MaxActivitiesInFlight = Math.Max(1, input.Parallelism);
                for (var ord = 0; ord < input.Total; ord++)
                    context.CallActivity(SkillQueues.IngestFile, new IngestFileInput(input.RunId, input.Owner, ord), FileTag + ord.ToString(CultureInfo.InvariantCulture), input.FileRetry);
                if (input.Total == 0) StartIndexing(context);
                break;

            case ActivityCompleted { Tag: { } tag } done when tag.StartsWith(FileTag, StringComparison.Ordinal):
                state.Done++;
                state.Sections += done.GetResult<IngestFileResult>().Sections;
                if (state.Done + state.Failed == input.Total) StartIndexing(context);
                break;

            case ActivityFailed { Tag: { } tag } failed when tag.StartsWith(FileTag, StringComparison.Ordinal):
                state.Failed++;
                state.Failures.Add(new IngestFailure(int.Parse(tag[FileTag.Length..], CultureInfo.InvariantCulture), Trim(failed.Error), failed.Attempts));
                if (state.Done + state.Failed == input.Total) StartIndexing(context);
                break;

            case ActivityCompleted { Tag: { } tag } when tag.StartsWith(IndexTag, StringComparison.Ordinal):
                state.IndexDone++;
                if (state.IndexDone == state.IndexCalls) Finish(context);
                break;

            case ActivityFailed { Tag: { } tag } failed when tag.StartsWith(IndexTag, StringComparison.Ordinal):
                var range = tag[IndexTag.Length..].Split('-');
                state.IndexFailures.Add(new IndexFailure(int.Parse(range[0], CultureInfo.InvariantCulture), int.Parse(range[1], CultureInfo.InvariantCulture), Trim(failed.Error)));
                state.IndexDone++;
                if (state.IndexDone == state.IndexCalls) Finish(context);
                break;

            case ActivityCompleted { Tag: FinishTag } finished:
                state.Phase = IngestPhases.Done;
                Progress(context);
                context.Complete(finished.GetResult<IngestReport>());
                return;

            case ActivityFailed { Tag: FinishTag } failed:
                context.Fail($"The run's report could not be written: {failed.Error}");
                return;
        }
        Progress(context);
    }

    private static void StartIndexing(OrchestrationContext<IngestRunInput, IngestRunState, IngestReport> context)
    {
        var input = context.Input;
        context.State.Phase = IngestPhases.Indexing;
        context.State.IndexingAt = context.CurrentTime;
        var batch = Math.Max(1, input.IndexBatch);
        for (var from = 0; from < input.Total; from += batch)
        {
            var to = Math.Min(input.Total, from + batch);
            context.CallActivity(SkillQueues.IndexRun, new IndexRunInput(input.RunId, input.Owner, from, to),
                string.Create(CultureInfo.InvariantCulture, $"{IndexTag}{from}-{to}"));
            context.State.IndexCalls++;
        }
        if (context.State.IndexCalls == 0) Finish(context);
    }

    private static void Finish(OrchestrationContext<IngestRunInput, IngestRunState, IngestReport> context)
    {
        var state = context.State;
        state.Phase = IngestPhases.Finishing;
        state.FinishingAt = context.CurrentTime;
        context.CallActivity(SkillQueues.FinishRun,
            new FinishRunInput(context.Input.RunId, context.Input.Owner, state.Failures, state.IndexFailures, state.StartedAt, state.IndexingAt, state.FinishingAt), FinishTag);
    }

    private static void Progress(OrchestrationContext<IngestRunInput, IngestRunState, IngestReport> context) =>
        context.SetCustomStatus(new IngestProgress(context.State.Phase, context.Input.Total, context.State.Done, context.State.Failed, context.State.Sections));

    private static string Trim(string error) => error.Length <= 2000 ? error : error[..2000] + "…";
}
