using System.Globalization;
using Hearth.Durable.Orchestrations;

namespace Hearth.Skills.Ingest;

/// <summary>
/// A bulk ingest run: one <see cref="SkillQueues.IngestFile"/> activity per file (at most
/// <see cref="IngestRunInput.Parallelism"/> in flight, each with the run's retry policy), counting what comes back
/// (progress in the custom status). The files are cut into slices of <see cref="IngestRunInput.IndexBatch"/>; as soon
/// as every file of a slice is settled, one <see cref="SkillQueues.IndexRun"/> activity indexes that slice, so search
/// indexing overlaps storing. When everything is settled the report is written and the run completes with it. A file
/// that fails every attempt is counted and reported; it never fails the run.
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
                state.SliceSettled = new int[Slices(input)];
                // The bound is kept here rather than by MaxActivitiesInFlight, so that index calls never queue behind files.
                while (state.NextOrd < input.Total && state.NextOrd < Math.Max(1, input.Parallelism)) CallFile(context);
                if (input.Total == 0) Finish(context);
                break;

            case ActivityCompleted { Tag: { } tag } done when tag.StartsWith(FileTag, StringComparison.Ordinal):
                state.Done++;
                state.Sections += done.GetResult<IngestFileResult>().Sections;
                FileSettled(context, Ord(tag));
                break;

            case ActivityFailed { Tag: { } tag } failed when tag.StartsWith(FileTag, StringComparison.Ordinal):
                state.Failed++;
                state.Failures.Add(new IngestFailure(Ord(tag), Trim(failed.Error), failed.Attempts));
                FileSettled(context, Ord(tag));
                break;

            case ActivityCompleted { Tag: { } tag } when tag.StartsWith(IndexTag, StringComparison.Ordinal):
                state.IndexDone++;
                if (AllSettled(context)) Finish(context);
                break;

            case ActivityFailed { Tag: { } tag } failed when tag.StartsWith(IndexTag, StringComparison.Ordinal):
                var range = tag[IndexTag.Length..].Split('-');
                state.IndexFailures.Add(new IndexFailure(int.Parse(range[0], CultureInfo.InvariantCulture), int.Parse(range[1], CultureInfo.InvariantCulture), Trim(failed.Error)));
                state.IndexDone++;
                if (AllSettled(context)) Finish(context);
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

    private static void CallFile(OrchestrationContext<IngestRunInput, IngestRunState, IngestReport> context)
    {
        var ord = context.State.NextOrd++;
        context.CallActivity(SkillQueues.IngestFile, new IngestFileInput(context.Input.RunId, context.Input.Owner, ord),
            FileTag + ord.ToString(CultureInfo.InvariantCulture), context.Input.FileRetry);
    }

    private static void FileSettled(OrchestrationContext<IngestRunInput, IngestRunState, IngestReport> context, int ord)
    {
        var input = context.Input;
        var state = context.State;
        if (state.NextOrd < input.Total) CallFile(context);
        var batch = Math.Max(1, input.IndexBatch);
        var slice = ord / batch;
        var from = slice * batch;
        var to = Math.Min(input.Total, from + batch);
        if (++state.SliceSettled[slice] == to - from)
        {
            context.CallActivity(SkillQueues.IndexRun, new IndexRunInput(input.RunId, input.Owner, from, to),
                string.Create(CultureInfo.InvariantCulture, $"{IndexTag}{from}-{to}"));
            state.IndexCalls++;
        }
        if (state.Done + state.Failed == input.Total)
        {
            state.Phase = IngestPhases.Indexing;
            state.IndexingAt ??= context.CurrentTime;
        }
        if (AllSettled(context)) Finish(context);
    }

    /// <summary>Every file settled and every slice indexed (or failed to).</summary>
    private static bool AllSettled(OrchestrationContext<IngestRunInput, IngestRunState, IngestReport> context) =>
        context.State.Done + context.State.Failed == context.Input.Total && context.State.IndexDone == Slices(context.Input);

    private static int Slices(IngestRunInput input) => (input.Total + Math.Max(1, input.IndexBatch) - 1) / Math.Max(1, input.IndexBatch);

    private static int Ord(string tag) => int.Parse(tag[FileTag.Length..], CultureInfo.InvariantCulture);

    private static void Finish(OrchestrationContext<IngestRunInput, IngestRunState, IngestReport> context)
    {
        var state = context.State;
        state.Phase = IngestPhases.Finishing;
        state.IndexingAt ??= context.CurrentTime;
        state.FinishingAt = context.CurrentTime;
        context.CallActivity(SkillQueues.FinishRun,
            new FinishRunInput(context.Input.RunId, context.Input.Owner, state.Failures, state.IndexFailures, state.StartedAt, state.IndexingAt, state.FinishingAt), FinishTag);
    }

    private static void Progress(OrchestrationContext<IngestRunInput, IngestRunState, IngestReport> context) =>
        context.SetCustomStatus(new IngestProgress(context.State.Phase, context.Input.Total, context.State.Done, context.State.Failed, context.State.Sections));

    private static string Trim(string error) => error.Length <= 2000 ? error : error[..2000] + "…";
}
