using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Skills.Checkout;
using Hearth.Skills.Tests.Support;

namespace Hearth.Skills.Tests.Library;

/// <summary>Checkout and checkin through the API: exact round trips after edits, section splicing, conflicts, links refused.</summary>
public sealed class CheckoutTests(FileApiHost host) : IClassFixture<FileApiHost>
{
    private const string Skill = "---\nname: deploy\ndescription: Deploying.\n---\n\n# Deploy\n\n## Build\n\nRun make.\n\n## Ship\n\nRun ship.\n";

    private async Task<(HttpClient Client, string Owner, string FileId)> StoreAsync(string user, string path = "skills/deploy/SKILL.md", string content = Skill)
    {
        var client = host.User(user);
        var file = await client.PutFileOkAsync(path, content);
        return (client, await host.UserIdAsync(user), file.GetProperty("id").GetString()!);
    }

    private static async Task<JsonElement> CheckoutAsync(HttpClient client, object body, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var response = await client.PostAsJsonAsync("/api/skills/checkout", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> CheckinAsync(HttpClient client, object body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await client.PostAsJsonAsync("/api/skills/checkin", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task A_checked_out_file_edited_on_disk_checks_in_as_a_new_version_that_round_trips_exactly()
    {
        var (client, owner, fileId) = await StoreAsync("checkout-file");
        var checkout = await CheckoutAsync(client, new { fileId });
        // Where the copy is, relative to the checkout folder: the answer never shows the server's paths.
        Assert.Equal($"{owner}/skills/deploy/SKILL.md", checkout.GetProperty("localPath").GetString());
        Assert.DoesNotContain(host.CheckoutRoot, checkout.ToString());
        var local = Path.Combine(host.CheckoutRoot, checkout.GetProperty("localPath").GetString()!);
        Assert.Equal(Encoding.UTF8.GetBytes(Skill), await File.ReadAllBytesAsync(local));

        // An editor on Windows: CRLF, a BOM, no final newline.
        var edited = "\uFEFF" + Skill.Replace("Run make.", "Run make release.").Replace("\n", "\r\n").TrimEnd('\n', '\r');
        await File.WriteAllBytesAsync(local, Encoding.UTF8.GetBytes(edited));
        var listed = await client.GetJsonAsync("/api/skills/checkouts");
        Assert.True(Assert.Single(listed.EnumerateArray()).GetProperty("modified").GetBoolean());

        var checkin = await CheckinAsync(client, new { checkoutId = checkout.GetProperty("id").GetString() });
        Assert.Equal("updated", checkin.GetProperty("stored").GetProperty("change").GetString());
        Assert.Equal(2, checkin.GetProperty("stored").GetProperty("file").GetProperty("version").GetInt32());
        Assert.Equal("checked_in", checkin.GetProperty("checkout").GetProperty("status").GetString());
        Assert.Equal(Encoding.UTF8.GetBytes(edited), await client.GetByteArrayAsync($"/api/skills/files/{fileId}/raw"));
        Assert.Equal(FileApiTests.Sha(edited), checkin.GetProperty("stored").GetProperty("file").GetProperty("sha256").GetString());
        Assert.Empty((await client.GetJsonAsync("/api/skills/checkouts")).EnumerateArray());
    }

    [Fact]
    public async Task A_checked_out_section_is_spliced_back_with_every_other_byte_unchanged()
    {
        var (client, _, fileId) = await StoreAsync("checkout-section");
        var tree = await client.GetJsonAsync($"/api/skills/files/{fileId}/tree");
        var build = FileApiTests.Flatten(tree.GetProperty("sections")).Single(s => s.GetProperty("title").GetString() == "Build");
        var checkout = await CheckoutAsync(client, new { sectionId = build.GetProperty("id").GetString() });
        var local = Path.Combine(host.CheckoutRoot, checkout.GetProperty("localPath").GetString()!);
        Assert.Equal("## Build\n\nRun make.\n\n", await File.ReadAllTextAsync(local));

        await File.WriteAllTextAsync(local, "## Build\n\nRun make -j8.\n\nThen test.\n\n");
        var checkin = await CheckinAsync(client, new { path = "skills/deploy/SKILL.md" });
        Assert.Equal(2, checkin.GetProperty("stored").GetProperty("file").GetProperty("version").GetInt32());
        var expected = Skill.Replace("Run make.\n", "Run make -j8.\n\nThen test.\n");
        Assert.Equal(Encoding.UTF8.GetBytes(expected), await client.GetByteArrayAsync($"/api/skills/files/{fileId}/raw"));
        var section = await client.GetJsonAsync($"/api/skills/sections/{build.GetProperty("id").GetString()}");
        Assert.Equal("## Build\n\nRun make -j8.\n\nThen test.\n\n", section.GetProperty("content").GetString());
    }

    [Fact]
    public async Task An_unedited_checkin_stores_nothing_and_a_library_change_since_checkout_is_a_conflict_unless_forced()
    {
        var (client, _, fileId) = await StoreAsync("checkout-conflict");
        var first = await CheckoutAsync(client, new { path = "skills/deploy/SKILL.md" });
        var unchanged = await CheckinAsync(client, new { checkoutId = first.GetProperty("id").GetString() });
        Assert.Equal("unchanged", unchanged.GetProperty("stored").GetProperty("change").GetString());

        var second = await CheckoutAsync(client, new { fileId });
        var local = Path.Combine(host.CheckoutRoot, second.GetProperty("localPath").GetString()!);
        await File.WriteAllTextAsync(local, Skill + "\n## Local\n\nEdited on disk.\n");
        await client.PutFileOkAsync("skills/deploy/SKILL.md", Skill + "\n## Remote\n\nEdited in the library.\n");

        using (var response = await client.PostAsJsonAsync("/api/skills/checkin", new { checkoutId = second.GetProperty("id").GetString() }))
            Assert.Contains("changed in the library", (await response.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        // A new checkout would overwrite edits the library does not hold: refused unless forced.
        using (var response = await client.PostAsJsonAsync("/api/skills/checkout", new { fileId }))
            Assert.Contains("edits the library does not have", (await response.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());

        var forced = await CheckinAsync(client, new { checkoutId = second.GetProperty("id").GetString(), force = true });
        Assert.Equal(3, forced.GetProperty("stored").GetProperty("file").GetProperty("version").GetInt32());
        Assert.Equal(Encoding.UTF8.GetBytes(Skill + "\n## Local\n\nEdited on disk.\n"), await client.GetByteArrayAsync($"/api/skills/files/{fileId}/raw"));
    }

    [Fact]
    public async Task A_symbolic_link_as_the_file_or_any_folder_is_refused_and_nothing_outside_the_root_is_touched()
    {
        var (client, owner, fileId) = await StoreAsync("checkout-links", "skills/linked/SKILL.md");
        var outside = Directory.CreateTempSubdirectory("hearth-outside-").FullName;
        try
        {
            var target = Path.Combine(outside, "victim.md");
            await File.WriteAllTextAsync(target, "do not touch");

            // The file itself is a link to somewhere else.
            var folder = Path.Combine(host.CheckoutRoot, owner, "skills", "linked");
            Directory.CreateDirectory(folder);
            File.CreateSymbolicLink(Path.Combine(folder, "SKILL.md"), target);
            using (var response = await client.PostAsJsonAsync("/api/skills/checkout", new { fileId }))
                Assert.Contains("symbolic link", (await response.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
            Assert.Equal("do not touch", await File.ReadAllTextAsync(target));
            File.Delete(Path.Combine(folder, "SKILL.md"));

            // A folder on the way is a link.
            Directory.Delete(folder);
            Directory.CreateSymbolicLink(folder, outside);
            using (var response = await client.PostAsJsonAsync("/api/skills/checkout", new { fileId }))
                Assert.Contains("symbolic link", (await response.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
            Assert.False(File.Exists(Path.Combine(outside, "SKILL.md")));
            Directory.Delete(folder);

            // Checked out properly, then swapped for a link before the checkin: the checkin refuses to read through it.
            var checkout = await CheckoutAsync(client, new { fileId });
            var local = Path.Combine(host.CheckoutRoot, checkout.GetProperty("localPath").GetString()!);
            File.Delete(local);
            File.CreateSymbolicLink(local, target);
            using (var response = await client.PostAsJsonAsync("/api/skills/checkin", new { checkoutId = checkout.GetProperty("id").GetString() }))
            {
                var detail = (await response.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString();
                Assert.Contains("symbolic link", detail);
                Assert.DoesNotContain(host.CheckoutRoot, detail);   // the no-follow refusal names the copy, not the server's path
            }
            Assert.Equal(1, (await client.GetJsonAsync($"/api/skills/files/{fileId}")).GetProperty("version").GetInt32());
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public async Task Escaping_paths_are_refused_by_the_folder_itself()
    {
        var folder = new CheckoutFolder(host.CheckoutRoot);
        Assert.Throws<InvalidSkillPathException>(() => folder.PathOf("owner", "../../etc/passwd"));
        Assert.Throws<InvalidSkillPathException>(() => folder.PathOf("owner", "/etc/passwd"));
        Assert.Throws<InvalidSkillPathException>(() => folder.PathOf("owner", "a/../../b"));
        Assert.Throws<CheckoutRefusedException>(() => folder.PathOf("..", "a.md"));
        Assert.Throws<CheckoutRefusedException>(() => folder.PathOf("a/b", "a.md"));
        await Assert.ThrowsAsync<InvalidSkillPathException>(() => folder.WriteAsync("owner", "../x.md", "x"u8.ToArray(), CancellationToken.None));
        Assert.False(File.Exists(Path.Combine(host.CheckoutRoot, "x.md")));

        var client = host.User("checkout-escape");
        using var response = await client.PostAsJsonAsync("/api/skills/checkin", new { path = "../../etc/passwd" });
        await response.ProblemAsync(HttpStatusCode.NotFound);
        using var escape = await client.PostAsJsonAsync("/api/skills/checkout", new { path = "../secrets.md" });
        await escape.ProblemAsync(HttpStatusCode.BadRequest);
    }
}
