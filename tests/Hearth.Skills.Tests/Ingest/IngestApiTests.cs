using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Skills.Tests.Support;

namespace Hearth.Skills.Tests.Ingest;

/// <summary>A host with small upload limits, so the limits can be reached in a test.</summary>
public sealed class SmallLimitsHost : SkillsHost
{
    protected override bool WithArchive => false;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Skills:MaxFilesPerUpload"] = "5",
        ["Skills:MaxFileBytes"] = "2048",
        ["Skills:MaxUploadFilesBytes"] = "6000",
        ["Skills:MaxUploadBytes"] = "65536",
    };
}

/// <summary>Bulk ingest over the API: every body format, the run's status and report, and every way an upload is refused.</summary>
public sealed class IngestApiTests(SmallLimitsHost host) : IClassFixture<SmallLimitsHost>
{
    private static readonly (string Path, byte[] Content)[] Files =
    [
        ("skills/a/SKILL.md", "---\nname: a\ndescription: A skill.\n---\n\n# A\n\n## One\n\nx\n"u8.ToArray()),
        ("skills/a/scripts/run.py", "import os\n\ndef main():\n    pass\n"u8.ToArray()),
        ("hooks/hooks.json", "{\n  \"hooks\": {\n    \"PreToolUse\": []\n  }\n}\n"u8.ToArray()),
    ];

    public static TheoryData<string, string> Formats => new()
    {
        { "tar", "application/x-tar" },
        { "tgz", "application/gzip" },
        { "zip", "application/zip" },
        { "json", "application/json" },
    };

    private static byte[] Body(string format) => format switch
    {
        "tar" => Archives.Tar(Files),
        "tgz" => Archives.TarGz(Files.Select(f => ("./" + f.Path, f.Content))), // tar -C dir . writes ./ prefixes
        "zip" => Archives.Zip(Files),
        _ => JsonSerializer.SerializeToUtf8Bytes(new
        {
            files = new object[]
            {
                new { path = Files[0].Path, content = Encoding.UTF8.GetString(Files[0].Content) },
                new { path = Files[1].Path, contentBase64 = Convert.ToBase64String(Files[1].Content) },
                new { path = Files[2].Path, content = Encoding.UTF8.GetString(Files[2].Content) },
            },
        }),
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Each_format_is_ingested_with_paths_from_the_archive_and_a_report(string format, string mediaType)
    {
        var client = host.User("ingest-" + format);
        using var response = await client.IngestAsync(Body(format), mediaType);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = accepted.GetProperty("id").GetString()!;
        Assert.Equal($"/api/skills/runs/{id}", accepted.GetProperty("statusUrl").GetString());
        Assert.Equal(response.Headers.Location?.ToString(), accepted.GetProperty("statusUrl").GetString());
        Assert.Equal(3, accepted.GetProperty("files").GetInt32());

        var run = await client.WaitForRunAsync(id);
        Assert.True(run.GetProperty("status").GetString() == "completed", run.ToString());
        Assert.Equal("done", run.GetProperty("phase").GetString());
        var report = run.GetProperty("report");
        Assert.Equal(3, report.GetProperty("total").GetInt32());
        Assert.Equal(3, report.GetProperty("created").GetInt32());
        Assert.Equal(0, report.GetProperty("failed").GetInt32());
        var expectedSections = Files.Sum(f => Hearth.Skills.Splitting.SkillSplitter.Split(f.Path, f.Content).Sections.Count);
        Assert.Equal(expectedSections, report.GetProperty("sections").GetInt32());

        var listed = await client.GetJsonAsync("/api/skills/files");
        Assert.Equal(Files.Select(f => f.Path).Order(StringComparer.Ordinal), listed.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("path").GetString()!));
        foreach (var item in listed.GetProperty("items").EnumerateArray())
        {
            var expected = Files.Single(f => f.Path == item.GetProperty("path").GetString()).Content;
            Assert.Equal(expected, await client.GetByteArrayAsync($"/api/skills/files/{item.GetProperty("id").GetString()}/raw"));
        }
        Assert.Equal("script", listed.GetProperty("items").EnumerateArray().Single(f => f.GetProperty("path").GetString()!.EndsWith(".py")).GetProperty("type").GetString());

        // Searchable when the run says done: indexing is part of the run.
        var search = await client.GetJsonAsync("/api/skills/search?q=main&mode=bm25");
        Assert.Contains(search.GetProperty("items").EnumerateArray(), i => i.GetProperty("title").GetString() == "main");

        // The same upload again writes nothing new.
        using var again = await client.IngestAsync(Body(format), mediaType);
        var second = await client.WaitForRunAsync((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        Assert.Equal(3, second.GetProperty("report").GetProperty("unchanged").GetInt32());
        Assert.Equal(expectedSections, second.GetProperty("report").GetProperty("sections").GetInt32());
        foreach (var item in (await client.GetJsonAsync("/api/skills/files")).GetProperty("items").EnumerateArray())
            Assert.Equal(1, item.GetProperty("version").GetInt32());

        var withFiles = await client.GetJsonAsync($"/api/skills/runs/{id}?files=true");
        Assert.All(withFiles.GetProperty("files").EnumerateArray(), f => Assert.Equal("created", f.GetProperty("status").GetString()));

        // The list is the caller's runs newest first, each as its own status page shows it (read in one batch).
        var runs = (await client.GetJsonAsync("/api/skills/runs")).EnumerateArray().ToList();
        Assert.Equal([second.GetProperty("id").GetString(), id], runs.Select(r => r.GetProperty("id").GetString()));
        foreach (var listedRun in runs)
            Assert.Equal((await client.GetJsonAsync($"/api/skills/runs/{listedRun.GetProperty("id").GetString()}")).ToString(), listedRun.ToString());
    }

    public static TheoryData<string, string, byte[], string> Refused => new()
    {
        { "a link in a tar", "application/x-tar", Archives.Tar(Files, w => w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "skills/link.md") { LinkName = "/etc/passwd" })), "link" },
        { "a hard link in a tar", "application/x-tar", Archives.Tar(Files, w => w.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "skills/hard.md") { LinkName = "skills/a/SKILL.md" })), "link" },
        { "a device in a tar", "application/x-tar", Archives.Tar(Files, w => w.WriteEntry(new PaxTarEntry(TarEntryType.Fifo, "skills/fifo"))), "regular files" },
        { "an escaping tar entry", "application/x-tar", Archives.Tar([("../outside.md", "# x\n"u8.ToArray())]), "'..'" },
        { "an absolute tar entry", "application/x-tar", Archives.Tar([("/etc/cron.d/x", "# x\n"u8.ToArray())]), "absolute" },
        { "a duplicate path", "application/x-tar", Archives.Tar([("a.md", "# 1\n"u8.ToArray()), ("./a.md", "# 2\n"u8.ToArray())]), "twice" },
        { "an empty tar", "application/x-tar", Archives.Tar([]), "no files" },
        { "garbage as gzip", "application/gzip", "this is not gzip at all"u8.ToArray(), "gzip" },
        { "garbage as zip", "application/zip", "this is not a zip file"u8.ToArray(), "zip" },
        { "a zip symlink", "application/zip", Archives.Zip(Files, z => { var e = z.CreateEntry("skills/link.md"); e.ExternalAttributes = unchecked((int)0xA1FF0000); using var s = e.Open(); s.Write("/etc/passwd"u8); }), "link" },
        { "an escaping zip entry", "application/zip", Archives.Zip([("skills/../../x.md", "# x\n"u8.ToArray())]), "'..'" },
        { "a JSON batch without files", "application/json", "{ \"items\": [] }"u8.ToArray(), "files" },
        { "malformed JSON", "application/json", "{ \"files\": [ "u8.ToArray(), "JSON" },
        { "a JSON file with both contents", "application/json", "{ \"files\": [ { \"path\": \"a.md\", \"content\": \"x\", \"contentBase64\": \"eA==\" } ] }"u8.ToArray(), "exactly one" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_bad_upload_is_refused_with_a_reason_and_starts_nothing(string what, string mediaType, byte[] body, string reason)
    {
        var client = host.User("refused");
        using var response = await client.IngestAsync(body, mediaType);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty((await client.GetJsonAsync("/api/skills/runs")).EnumerateArray());
        Assert.Empty((await client.GetJsonAsync("/api/skills/files")).GetProperty("items").EnumerateArray());
        _ = what;
    }

    [Fact]
    public async Task Over_a_limit_is_413_and_an_unknown_media_type_is_415()
    {
        var client = host.User("limits");
        var six = Enumerable.Range(0, 6).Select(i => ($"f{i}.md", "# x\n"u8.ToArray())).ToArray();
        using (var response = await client.IngestAsync(Archives.TarGz(six), "application/gzip"))
            Assert.Contains("more than 5 files", (await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge)).GetProperty("detail").GetString());
        using (var response = await client.IngestAsync(Archives.Zip([("big.md", new byte[2049])]), "application/zip"))
            Assert.Contains("larger than 2048", (await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge)).GetProperty("detail").GetString());
        var three = Enumerable.Range(0, 3).Select(i => ($"g{i}.md", new byte[2040])).ToArray();
        using (var response = await client.IngestAsync(Archives.TarGz(three), "application/gzip"))
            Assert.Contains("add up to more than 6000", (await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge)).GetProperty("detail").GetString());
        using (var response = await client.IngestAsync(new byte[70_000], "application/x-tar"))
            await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        // A zip bomb: a small body inflating past the per-file limit stops at the limit.
        using (var bomb = new MemoryStream())
        {
            using (var zip = new ZipArchive(bomb, ZipArchiveMode.Create, leaveOpen: true))
            {
                using var s = zip.CreateEntry("bomb.md", CompressionLevel.SmallestSize).Open();
                s.Write(new byte[5_000_000]);
            }
            using var response = await client.IngestAsync(bomb.ToArray(), "application/zip");
            await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        }
        using (var response = await client.IngestAsync(Archives.Tar(Files), "text/plain"))
            await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Empty((await client.GetJsonAsync("/api/skills/runs")).EnumerateArray());
    }
}
