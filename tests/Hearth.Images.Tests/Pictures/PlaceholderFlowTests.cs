using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Durable.Orchestrations;
using Hearth.Functions.Pictures;
using Hearth.Images.Placeholder;
using Hearth.Media;
using Hearth.Testing;
using Hearth.Testing.Fakes;
using Npgsql;

namespace Hearth.Images.Tests.Pictures;

/// <summary>A host without a Fal key: the placeholder painter makes every picture, through the same orchestration.</summary>
public sealed class PlaceholderHost : PicturesHost
{
    protected override bool UseFal => false;

    protected override IDictionary<string, string?> PictureSettings => new Dictionary<string, string?>();
}

/// <summary>Pictures without Fal, the HTTP API's rules (validation, owners, rate limit), media serving, and <see cref="IPictureJobs"/>.</summary>
public sealed class PlaceholderFlowTests(PlaceholderHost host) : IClassFixture<PlaceholderHost>
{
    [Fact]
    public async Task Without_a_Fal_key_a_labelled_placeholder_portrait_then_variation_are_made_end_to_end()
    {
        var (client, owner, agent) = await host.UserWithAgentAsync();

        var portraitJob = await PicturesHost.PostAsync(client, $"/api/agents/{agent}/portrait");
        var portrait = await host.FinishedJobAsync(client, portraitJob);

        Assert.Equal("succeeded", portrait.GetProperty("status").GetString());
        Assert.Equal("Portrait photo of Mira, red hair, freckles", portrait.GetProperty("prompt").GetString());   // a regenerated portrait records what it sent
        Assert.True(portrait.GetProperty("placeholder").GetBoolean());
        Assert.Equal("placeholder", portrait.GetProperty("provider").GetString());
        var portraitImage = Assert.Single(portrait.GetProperty("images").EnumerateArray().ToList());
        var portraitBytes = await host.Anonymous.GetByteArrayAsync(portraitImage.GetProperty("url").GetString());
        Assert.Equal(PlaceholderPainter.Paint(agent, ImageKind.BasePortrait, "Portrait photo of Mira, red hair, freckles"), portraitBytes);
        Assert.Contains((owner, agent, portraitImage.GetProperty("mediaId").GetString()!), host.Agents.PortraitCalls);

        var variationJob = await PicturesHost.PostAsync(client, $"/api/agents/{agent}/images", new { prompt = "  at the beach  " });
        var variation = await host.FinishedJobAsync(client, variationJob);

        Assert.Equal("succeeded", variation.GetProperty("status").GetString());
        Assert.True(variation.GetProperty("placeholder").GetBoolean());
        const string sent = "The same person as in the reference photo (Portrait photo of Mira, red hair, freckles). Scene: at the beach.";
        Assert.Equal(sent, variation.GetProperty("prompt").GetString());   // what was sent, not what was typed
        var image = Assert.Single(variation.GetProperty("images").EnumerateArray().ToList());
        Assert.Equal("image/png", image.GetProperty("contentType").GetString());
        Assert.Equal(PlaceholderPainter.Paint(agent, ImageKind.Variation, sent), await host.Anonymous.GetByteArrayAsync(image.GetProperty("url").GetString()));
        var post = Assert.Single(host.Chat.CallsFor(variationJob));
        Assert.Equal(DeliverPicture.PlaceholderCaption, post.Caption);
        Assert.Equal(image.GetProperty("mediaId").GetString(), post.MediaId);
    }

    [Fact]
    public async Task Picture_routes_answer_404_for_agents_the_caller_does_not_have_and_400_for_a_long_prompt()
    {
        var (client, _, agent) = await host.UserWithAgentAsync();
        var (other, _, _) = await host.UserWithAgentAsync();

        using var unknown = await client.PostAsJsonAsync("/api/agents/no-such-agent/images", new { prompt = "x" });
        using var foreign = await other.PostAsync($"/api/agents/{agent}/portrait", null);
        using var tooLong = await client.PostAsJsonAsync($"/api/agents/{agent}/images", new { prompt = new string('a', PicturesApi.MaxPromptLength + 1) });
        using var anonymous = await host.Anonymous.PostAsync($"/api/agents/{agent}/images", null);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("urn:hearth:problem:not-found", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        var problem = await tooLong.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:hearth:problem:validation", problem.GetProperty("type").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("prompt", out _));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(0, await host.ScalarAsync<long>("select count(*) from images.jobs where agent_id = $1", agent));
    }

    [Fact]
    public async Task Jobs_are_visible_to_their_owner_and_admins_only()
    {
        var (alice, _, agent) = await host.UserWithAgentAsync();
        var (bob, _, _) = await host.UserWithAgentAsync();
        var jobId = await PicturesHost.PostAsync(alice, $"/api/agents/{agent}/images");
        var job = await host.FinishedJobAsync(alice, jobId);
        var mediaId = job.GetProperty("images")[0].GetProperty("mediaId").GetString();

        using var bobsLook = await bob.GetAsync($"/api/images/{jobId}");
        Assert.Equal(HttpStatusCode.NotFound, bobsLook.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Admin.GetAsync($"/api/images/{jobId}")).StatusCode);
        Assert.Empty((await bob.GetFromJsonAsync<JsonElement>("/api/images")).GetProperty("items").EnumerateArray());
        var alices = await alice.GetFromJsonAsync<JsonElement>($"/api/images?agentId={agent}");
        Assert.Equal(jobId, Assert.Single(alices.GetProperty("items").EnumerateArray().ToList()).GetProperty("id").GetString());

        using var bobsMedia = await bob.GetAsync($"/media/{mediaId}");
        using var alicesMedia = await alice.GetAsync($"/media/{mediaId}");
        Assert.Equal(HttpStatusCode.NotFound, bobsMedia.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alicesMedia.StatusCode);
        Assert.Equal("Authorization", alicesMedia.Headers.Vary.Single());
        Assert.Equal(HttpStatusCode.OK, (await host.Admin.GetAsync($"/media/{mediaId}")).StatusCode);
    }

    [Fact]
    public async Task The_job_list_pages_newest_first()
    {
        var (client, _, agent) = await host.UserWithAgentAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await PicturesHost.PostAsync(client, $"/api/agents/{agent}/images", new { prompt = $"scene {i}" }));

        var first = await client.GetFromJsonAsync<JsonElement>("/api/images?limit=2");
        var next = first.GetProperty("nextCursor").GetString();
        var second = await client.GetFromJsonAsync<JsonElement>($"/api/images?limit=2&cursor={next}");
        using var badCursor = await client.GetAsync("/api/images?cursor=nonsense");
        using var badLimit = await client.GetAsync("/api/images?limit=0");

        var listed = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(j => j.GetProperty("id").GetString()!).ToList();
        Assert.Equal(Enumerable.Reverse(ids).ToList(), listed);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
    }

    [Fact]
    public async Task Picture_requests_are_rate_limited_per_user()
    {
        var (client, _, agent) = await host.UserWithAgentAsync();
        var (other, _, otherAgent) = await host.UserWithAgentAsync();
        for (var i = 0; i < 10; i++) await PicturesHost.PostAsync(client, $"/api/agents/{agent}/images");

        using var limited = await client.PostAsync($"/api/agents/{agent}/images", null);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
        await PicturesHost.PostAsync(other, $"/api/agents/{otherAgent}/portrait"); // someone else is not affected
    }

    [Fact]
    public async Task Media_is_served_for_a_valid_signature_or_the_owners_token_with_safe_headers()
    {
        var (client, owner, _) = await host.UserWithAgentAsync();
        var bytes = TinyPng.Solid(10, 20, 30);
        var item = await host.Service<IMediaStore>().PutAsync(Guid.Parse(owner), new MemoryStream(bytes), "image/png", CancellationToken.None);
        var urls = host.Service<MediaUrls>();
        var signed = await urls.CreatePathAsync(item.Id, TimeSpan.FromMinutes(5), CancellationToken.None);
        var signer = await urls.GetSignerAsync(CancellationToken.None);
        var expired = signer.CreatePath(item.Id, DateTimeOffset.UtcNow.AddMinutes(-1));
        var missing = Guid.CreateVersion7().ToString("N");
        var signedMissing = signer.CreatePath(missing, DateTimeOffset.UtcNow.AddMinutes(5));
        var forOther = signedMissing.Split('?')[1];

        using var ok = await host.Anonymous.GetAsync(signed);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(bytes, await ok.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", ok.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", ok.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal($"\"{item.Sha256}\"", ok.Headers.ETag?.Tag);
        Assert.True(ok.Headers.CacheControl is { Private: true, MaxAge: { } age } && age <= TimeSpan.FromMinutes(5) && age > TimeSpan.Zero,
            ok.Headers.CacheControl?.ToString());
        Assert.Contains("immutable", ok.Headers.CacheControl!.ToString());
        var mediaPolicy = ok.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("sandbox", mediaPolicy);           // the media's own policy, not the pages' one
        Assert.Contains("default-src 'none'", mediaPolicy);
        Assert.Contains("frame-ancestors 'none'", mediaPolicy);

        using var conditional = new HttpRequestMessage(HttpMethod.Get, signed);
        conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{item.Sha256}\""));
        Assert.Equal(HttpStatusCode.NotModified, (await host.Anonymous.SendAsync(conditional)).StatusCode);

        using var ranged = new HttpRequestMessage(HttpMethod.Get, signed);
        ranged.Headers.Range = new RangeHeaderValue(0, 7);
        using var part = await host.Anonymous.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(bytes[..8], await part.Content.ReadAsByteArrayAsync());

        var refusals = new (string What, string Path, string Detail)[]
        {
            ("expired", expired, "expired"),
            ("tampered signature", signed[..^3] + (signed[^3] == 'A' ? "BBB" : "AAA"), "not valid"),
            ("another id's signature", $"/media/{item.Id}?{forOther}", "not valid"),
            ("no signature", $"/media/{item.Id}", "Bearer"),
        };
        foreach (var (what, path, detail) in refusals)
        {
            using var refused = await host.Anonymous.GetAsync(path);
            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{what}: {(int)refused.StatusCode}");
            Assert.Contains(detail, (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
            Assert.Equal("no-store", refused.Headers.CacheControl?.ToString());
        }

        using var owners = await client.GetAsync(expired); // an expired link with the owner's token still works
        Assert.Equal(HttpStatusCode.OK, owners.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Anonymous.GetAsync(signedMissing)).StatusCode); // well signed, but no such picture
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/media/not-an-id")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/media/{Guid.CreateVersion7():N}")).StatusCode);
    }

    [Fact]
    public async Task A_job_started_in_a_transaction_exists_only_if_the_transaction_commits()
    {
        var (client, owner, agent) = await host.UserWithAgentAsync();
        var jobs = host.Service<IPictureJobs>();
        var orchestrations = host.Service<IOrchestrationClient>();
        await using var db = NpgsqlDataSource.Create(host.Factory.ConnectionString);

        string rolledBack;
        await using (var connection = await db.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            rolledBack = await jobs.StartAsync(new PictureRequest(owner, agent, PictureKind.Variation, "a walk", "session-1", "message-1"), tx, CancellationToken.None);
            await tx.RollbackAsync();
        }
        string committed;
        await using (var connection = await db.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            committed = await jobs.StartAsync(new PictureRequest(owner, agent, PictureKind.Variation, "a walk", "session-1", "message-1"), tx, CancellationToken.None);
            await tx.CommitAsync();
        }

        Assert.Null(await orchestrations.GetAsync(rolledBack));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/images/{rolledBack}")).StatusCode);
        var job = await host.FinishedJobAsync(client, committed);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        var post = Assert.Single(host.Chat.CallsFor(committed));
        Assert.Equal("session-1", post.SessionId);
        Assert.Equal(owner, (await orchestrations.GetAsync(committed))!.Owner);
    }

    [Fact]
    public async Task The_daily_cap_counts_an_agents_variations_that_did_not_fail()
    {
        var (client, owner, agent) = await host.UserWithAgentAsync();
        var jobs = host.Service<IPictureJobs>();
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        await host.FinishedJobAsync(client, await PicturesHost.PostAsync(client, $"/api/agents/{agent}/images"));
        await host.FinishedJobAsync(client, await PicturesHost.PostAsync(client, $"/api/agents/{agent}/images"));
        await host.FinishedJobAsync(client, await PicturesHost.PostAsync(client, $"/api/agents/{agent}/portrait"));
        // A variation that fails: the agent is gone by the time it is submitted.
        var doomed = await jobs.StartAsync(new PictureRequest(owner, "vanished-agent", PictureKind.Variation, null, null, null), null, CancellationToken.None);
        var failed = await host.FinishedJobAsync(client, doomed);

        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains("agent does not exist", failed.GetProperty("reason").GetString());
        Assert.Equal(2, await jobs.CountSinceAsync(owner, agent, since, CancellationToken.None));
        Assert.Equal(0, await jobs.CountSinceAsync(owner, agent, DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None));
        Assert.Equal(0, await jobs.CountSinceAsync(owner, "vanished-agent", since, CancellationToken.None));
    }

    [Fact]
    public async Task Bad_requests_to_IPictureJobs_are_refused_before_anything_is_written()
    {
        var jobs = host.Service<IPictureJobs>();
        var before = await host.ScalarAsync<long>("select count(*) from images.jobs");

        await Assert.ThrowsAsync<ArgumentException>(() => jobs.StartAsync(new PictureRequest("", "a", PictureKind.Variation, null, null, null), null, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => jobs.StartAsync(new PictureRequest("o", "a", PictureKind.Variation, " ", null, null), null, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => jobs.StartAsync(new PictureRequest("o", "a", (PictureKind)7, null, null, null), null, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => jobs.StartAsync(new PictureRequest("o", "a", PictureKind.Variation, new string('x', ImageRequest.MaxPromptLength + 1), null, null), null, CancellationToken.None));

        Assert.Equal(before, await host.ScalarAsync<long>("select count(*) from images.jobs"));
    }

    [Fact]
    public async Task A_job_whose_orchestration_was_terminated_reads_as_failed_with_the_reason()
    {
        var (client, owner, agent) = await host.UserWithAgentAsync();
        var jobs = host.Service<IPictureJobs>();
        var orchestrations = host.Service<IOrchestrationClient>();
        var gate = host.Agents.Hold(agent); // the submit activity waits in the agent lookup: the row stays queued
        var jobId = await jobs.StartAsync(new PictureRequest(owner, agent, PictureKind.Variation, null, null, null), null, CancellationToken.None);
        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(await orchestrations.TerminateAsync(jobId, "Stopped by an admin."));
        await orchestrations.WaitForCompletionAsync(jobId, TimeSpan.FromSeconds(30));
        var job = await PicturesHost.JobAsync(client, jobId);
        gate.Release.SetResult();

        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal("Stopped by an admin.", job.GetProperty("reason").GetString());
        Assert.NotEqual(JsonValueKind.Null, job.GetProperty("timestamps").GetProperty("finishedAt").ValueKind);
    }

    [Fact]
    public async Task Status_names_the_placeholder_generator()
    {
        var status = await host.Admin.GetFromJsonAsync<JsonElement>("/api/status");
        var images = status.GetProperty("providers").GetProperty("images");
        Assert.Equal("placeholder", images.GetProperty("generator").GetString());
    }
}
