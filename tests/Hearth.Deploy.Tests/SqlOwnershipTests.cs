using Hearth.Deploy.Tests.Deployment;

namespace Hearth.Deploy.Tests;

/// <summary>
/// Each feature's tables are written and read by that feature's code (issue 19: features read each other's tables).
/// What one feature needs of another comes through the owner's contract or a statement the owner lends to its batch.
/// The exceptions are listed here with their reason, so that a new one is a decision and not an accident.
/// </summary>
public sealed class SqlOwnershipTests
{
    /// <summary>feature → foreign tables it may name, and why.</summary>
    private static readonly Dictionary<(string Feature, string Table), string> Allowed = new()
    {
        // The chat is the companions' conversation: a turn reads the companion row and moves its mood and affinity in the
        // turn's own transaction (and reverses them when a turn is deleted or a reply swapped).
        [("Chat", "companions.agents")] = "the turn reads the companion and checks ownership in its batch",
        [("Chat", "companions.mood_changes")] = "a turn's mood change commits with the turn",
        [("Chat", "companions.affinity_deltas")] = "a turn's affinity change commits with the turn",
        [("Life", "companions.agents")] = "life settings are checked against the companion's owner in one statement",
        [("Life", "companions.scenarios")] = "life changes a scenario's span (the companions store adds and lists them)",
        [("Hearth.Durable.Tasks", "durable.instances")] = "the upgrade moves what the removed state-machine engine left",
        [("Hearth.Durable.Tasks", "durable.events")] = "the upgrade moves what the removed state-machine engine left",
        [("Hearth.Durable.Tasks", "durable.backlog")] = "the upgrade moves what the removed state-machine engine left",
        [("Hearth.Durable.Tasks", "durable.jobs")] = "the upgrade moves what the removed state-machine engine left",
    };

    [Fact]
    public void No_feature_names_another_features_tables_in_sql_except_the_listed_ones()
    {
        var foreign = SqlOwnership.ForeignTables(Repository.Root);
        var unexpected = foreign.Where(f => !Allowed.ContainsKey((f.Feature, f.Table)))
            .Select(f => $"{f.File}: {f.Feature} names {f.Table}").Distinct().Order().ToList();
        Assert.True(unexpected.Count == 0, "Ask the owning feature instead (a contract or a lent statement):\n" + string.Join("\n", unexpected));
        // The list holds only exceptions that still exist.
        var stale = Allowed.Keys.Where(k => !foreign.Any(f => f.Feature == k.Feature && f.Table == k.Table)).ToList();
        Assert.True(stale.Count == 0, "Allowed but no longer used: " + string.Join(", ", stale));
    }

    [Fact]
    public void The_check_sees_a_life_query_of_the_chat_tables_and_knows_who_owns_each_schema()
    {
        var owners = SqlOwnership.Owners(Repository.Root);
        Assert.Equal("Chat", owners["chat"]);
        Assert.Equal("Identity", owners["identity"]);
        Assert.Equal("Life", owners["life"]);

        var found = SqlOwnership.Find("Life", """
            select max(created_at) from chat.messages m
              join identity.users u on u.id = m.owner_id
             where m.agent_id = @agent; update life.initiations set status = 'sent'
            """, owners).Select(f => f.Table).Order().ToList();
        Assert.Equal(["chat.messages", "identity.users"], found);
    }
}
