using System.Security.Cryptography;
using Hearth.Media;

namespace Hearth.Images.Tests;

public sealed class MediaStoreTests
{
    internal static readonly Guid User1 = Guid.Parse("00000000-0000-4000-8000-000000000001");
    internal static readonly Guid U = Guid.Parse("00000000-0000-4000-8000-000000000002");
    private static readonly Guid Alice = Guid.Parse("00000000-0000-4000-8000-00000000000a");
    private static readonly Guid Bob = Guid.Parse("00000000-0000-4000-8000-00000000000b");

    [Fact]
    public async Task A_picture_round_trips_with_its_metadata()
    {
        await using var kit = await MediaTestKit.StartAsync();
        var bytes = SampleImages.Png;

        var item = await kit.Store.PutAsync(User1, new MemoryStream(bytes), "image/png", CancellationToken.None);

        Assert.Matches("^[0-9a-f]{32}$", item.Id);
        Assert.Equal((User1, "image/png", (long)bytes.Length), (item.Owner, item.ContentType, item.Size));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), item.Sha256);
        Assert.Equal(item, await kit.Store.FindAsync(item.Id, CancellationToken.None));
        await using var opened = await kit.Store.OpenAsync(item.Id, CancellationToken.None);
        Assert.NotNull(opened);
        using var copy = new MemoryStream();
        await opened.Content.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
        Assert.Equal(item, opened.Item);
    }

    [Theory]
    [InlineData("image/jpeg")]
    [InlineData("image/JPG")]
    [InlineData("image/jpeg; charset=binary")]
    [InlineData(null)]
    public async Task The_type_is_taken_from_the_bytes_and_must_agree_with_the_declared_one(string? declared)
    {
        await using var kit = await MediaTestKit.StartAsync();
        var item = await kit.Store.PutAsync(U, new MemoryStream(SampleImages.Jpeg), declared, CancellationToken.None);
        Assert.Equal("image/jpeg", item.ContentType);
    }

    [Fact]
    public async Task Gif_and_webp_are_recognised()
    {
        await using var kit = await MediaTestKit.StartAsync();
        Assert.Equal("image/gif", (await kit.Store.PutAsync(U, new MemoryStream(SampleImages.Gif), null, CancellationToken.None)).ContentType);
        Assert.Equal("image/webp", (await kit.Store.PutAsync(U, new MemoryStream(SampleImages.Webp), "image/webp", CancellationToken.None)).ContentType);
    }

    [Fact]
    public async Task Bytes_that_are_not_what_they_claim_are_rejected_and_nothing_is_left_behind()
    {
        await using var kit = await MediaTestKit.StartAsync();

        var error = await Assert.ThrowsAsync<MediaRejectedException>(() => kit.Store.PutAsync(U, new MemoryStream(SampleImages.Png), "image/jpeg", CancellationToken.None));

        Assert.Equal("The picture was declared JPEG but its bytes are PNG.", error.Message);
        Assert.Empty(kit.Files());
        Assert.Equal(0, await kit.RowCountAsync());
    }

    [Theory]
    [InlineData("image/svg+xml")]
    [InlineData("text/html")]
    [InlineData("application/pdf")]
    public async Task Types_outside_the_allowed_list_are_rejected(string declared)
    {
        await using var kit = await MediaTestKit.StartAsync();
        var error = await Assert.ThrowsAsync<MediaRejectedException>(() => kit.Store.PutAsync(U, new MemoryStream(SampleImages.Svg), declared, CancellationToken.None));
        Assert.Contains(declared, error.Message);
        Assert.Equal(0, await kit.RowCountAsync());
    }

    [Fact]
    public async Task Bytes_that_are_no_known_picture_are_rejected_even_undeclared()
    {
        await using var kit = await MediaTestKit.StartAsync();
        await Assert.ThrowsAsync<MediaRejectedException>(() => kit.Store.PutAsync(U, new MemoryStream(SampleImages.Svg), null, CancellationToken.None));
        await Assert.ThrowsAsync<MediaRejectedException>(() => kit.Store.PutAsync(U, new MemoryStream([]), "image/png", CancellationToken.None));
        Assert.Empty(kit.Files());
    }

    [Fact]
    public async Task A_picture_larger_than_the_limit_is_rejected_while_streaming_and_its_temporary_file_removed()
    {
        await using var kit = await MediaTestKit.StartAsync(o => o.MaxBytes = 4096);
        var big = SampleImages.Png.Concat(new byte[5000]).ToArray();

        var error = await Assert.ThrowsAsync<MediaRejectedException>(() => kit.Store.PutAsync(U, new MemoryStream(big), "image/png", CancellationToken.None));

        Assert.Contains("4096", error.Message);
        Assert.Empty(kit.Files());
        var exact = SampleImages.Png.Concat(new byte[4096 - SampleImages.Png.Length]).ToArray();
        Assert.Equal(4096, (await kit.Store.PutAsync(U, new MemoryStream(exact), "image/png", CancellationToken.None)).Size);
    }

    [Fact]
    public async Task Another_owner_can_neither_open_nor_delete_a_picture_by_its_id()
    {
        await using var kit = await MediaTestKit.StartAsync();
        var item = await kit.Store.PutAsync(Alice, new MemoryStream(SampleImages.Png), "image/png", CancellationToken.None);

        Assert.Null(await kit.Store.OpenOwnedAsync(item.Id, Bob, CancellationToken.None));
        Assert.False(await kit.Store.DeleteAsync(item.Id, Bob, CancellationToken.None));
        await using (var mine = await kit.Store.OpenOwnedAsync(item.Id, Alice, CancellationToken.None))
            Assert.NotNull(mine);

        Assert.True(await kit.Store.DeleteAsync(item.Id, Alice, CancellationToken.None));
        Assert.Null(await kit.Store.FindAsync(item.Id, CancellationToken.None));
        Assert.Null(await kit.Store.OpenOwnedAsync(item.Id, Alice, CancellationToken.None));
        Assert.Empty(kit.Files());
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("0123456789abcdef0123456789ABCDEF")]
    [InlineData("")]
    [InlineData("0123456789abcdef0123456789abcdef/..")]
    public async Task Ids_that_are_not_ours_never_reach_the_file_system(string id)
    {
        await using var kit = await MediaTestKit.StartAsync();
        Assert.Null(await kit.Store.FindAsync(id, CancellationToken.None));
        Assert.Null(await kit.Store.OpenAsync(id, CancellationToken.None));
        Assert.False(await kit.Store.DeleteAsync(id, U, CancellationToken.None));
    }

    [Fact]
    public async Task A_recorded_picture_whose_file_vanished_opens_as_missing()
    {
        await using var kit = await MediaTestKit.StartAsync();
        var item = await kit.Store.PutAsync(U, new MemoryStream(SampleImages.Png), "image/png", CancellationToken.None);
        foreach (var file in kit.Files()) File.Delete(file);

        Assert.Null(await kit.Store.OpenAsync(item.Id, CancellationToken.None));
    }

    [Fact]
    public async Task Files_are_spread_by_the_random_end_of_their_id()
    {
        await using var kit = await MediaTestKit.StartAsync();
        var item = await kit.Store.PutAsync(U, new MemoryStream(SampleImages.Png), "image/png", CancellationToken.None);
        Assert.Equal(Path.Combine(kit.Root, item.Id[^2..], item.Id), Assert.Single(kit.Files()));
    }

    [Fact]
    public async Task A_cancelled_upload_leaves_nothing_behind()
    {
        await using var kit = await MediaTestKit.StartAsync();
        using var cts = new CancellationTokenSource();
        var stream = new CancelAfterFirstReadStream(SampleImages.Png.Concat(new byte[200_000]).ToArray(), cts);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => kit.Store.PutAsync(U, stream, "image/png", cts.Token));

        Assert.Empty(kit.Files());
        Assert.Equal(0, await kit.RowCountAsync());
    }

    [Fact]
    public async Task A_missing_owner_is_a_clear_error()
    {
        await using var kit = await MediaTestKit.StartAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => kit.Store.PutAsync(Guid.Empty, new MemoryStream(SampleImages.Png), "image/png", CancellationToken.None));
    }

    [Fact]
    public void Options_name_the_setting_that_is_wrong()
    {
        Assert.Contains("Media:Root", Assert.Throws<InvalidOperationException>(() => new MediaOptions().Validate()).Message);
        Assert.Contains("Media:MaxBytes", Assert.Throws<InvalidOperationException>(() => new MediaOptions { Root = "/x", MaxBytes = 10 }.Validate()).Message);
        Assert.Contains("Media:SigningKey", Assert.Throws<InvalidOperationException>(() => new MediaOptions { Root = "/x", SigningKey = "short" }.Validate()).Message);
    }

    /// <summary>Cancels its token after the first read, like a client that hangs up mid-upload.</summary>
    private sealed class CancelAfterFirstReadStream(byte[] data, CancellationTokenSource cts) : MemoryStream(data)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await base.ReadAsync(buffer[..Math.Min(buffer.Length, 1024)], cancellationToken);
            await cts.CancelAsync();
            return read;
        }
    }
}

public sealed class MediaTypesTests
{
    [Fact]
    public void Magic_bytes_name_the_type()
    {
        Assert.Equal("image/png", MediaTypes.Sniff(SampleImages.Png));
        Assert.Equal("image/jpeg", MediaTypes.Sniff(SampleImages.Jpeg));
        Assert.Equal("image/gif", MediaTypes.Sniff(SampleImages.Gif));
        Assert.Equal("image/webp", MediaTypes.Sniff(SampleImages.Webp));
        Assert.Null(MediaTypes.Sniff(SampleImages.Svg));
        Assert.Null(MediaTypes.Sniff("RIFF\0\0\0\0WAVE"u8));
        Assert.Null(MediaTypes.Sniff([0x89, 0x50]));
    }

    [Theory]
    [InlineData("IMAGE/PNG", "image/png")]
    [InlineData(" image/jpg ", "image/jpeg")]
    [InlineData("image/pjpeg", "image/jpeg")]
    [InlineData("image/webp; q=1", "image/webp")]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Declared_types_are_normalised(string? declared, string? expected) => Assert.Equal(expected, MediaTypes.Normalize(declared));
}
