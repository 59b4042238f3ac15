namespace Hearth.Search.Tests;

public sealed class DomainRouterTests
{
    private static readonly DomainRouter Router = new([
        new DomainDefinition { Name = "code", Keywords = ["python", "bug", "deploy", "pull request"], Priority = 2, Collection = "code" },
        new DomainDefinition { Name = "health", Keywords = ["doctor", "sleep", "run"], Priority = 1 },
        new DomainDefinition { Name = "hearth", Keywords = ["hearth", "companion"], Priority = 3, Collection = "project" },
        new DomainDefinition { Name = "general", Collection = "memory" },
    ]);

    [Fact]
    public void Domains_score_keyword_hits_times_priority_best_first()
    {
        var scores = Router.Score("I had a bug in my Python deploy script and could not sleep");

        Assert.Equal(["code", "health"], scores.Select(s => s.Name));
        Assert.Equal(new DomainMatch("code", "code", 3, 6), scores[0]);
        Assert.Equal(new DomainMatch("health", "memory", 1, 1), scores[1]);
    }

    [Fact]
    public void Keywords_match_after_stemming_and_phrases_match_in_order()
    {
        Assert.Equal("health", Router.Tag("Running every morning helps").Name);
        Assert.Equal(1, Router.Score("please review my pull requests").Single().Hits);
        Assert.Empty(Router.Score("request to pull the weeds"));
    }

    [Fact]
    public void Winners_are_the_best_and_those_within_half_of_it_at_most_two()
    {
        // code 2·1 = 2, health 1·1 = 1 (half of 2: kept), hearth 3·1 = 3 (best).
        var route = Router.Route("a python bug with my hearth companion at the doctor");
        Assert.Equal(["hearth", "code"], route.Select(r => r.Name));

        var clear = Router.Route("python bug");
        Assert.Equal(["code"], clear.Select(r => r.Name));
    }

    [Fact]
    public void No_keyword_falls_back_to_general_and_its_collection()
    {
        var route = Router.Route("what should I cook tonight?");
        Assert.Equal([new DomainMatch("general", "memory", 0, 0)], route);
        Assert.Equal("general", Router.Tag("nothing special").Name);
        Assert.Equal("memory", new DomainRouter([]).Fallback.Collection);
    }

    [Fact]
    public void Bad_configuration_names_the_problem()
    {
        var stop = Assert.Throws<InvalidOperationException>(() => new DomainRouter([new DomainDefinition { Name = "x", Keywords = ["the"] }]));
        Assert.Contains("keyword 'the'", stop.Message);
        Assert.Throws<InvalidOperationException>(() => new DomainRouter([new DomainDefinition { Name = "x" }, new DomainDefinition { Name = "x" }]));
        Assert.Throws<InvalidOperationException>(() => new DomainRouter([new DomainDefinition { Name = "x", Priority = 0 }]));
        Assert.Throws<ArgumentException>(() => new DomainRouter([new DomainDefinition { Name = "x", Collection = "Bad_Name" }]));
    }
}
