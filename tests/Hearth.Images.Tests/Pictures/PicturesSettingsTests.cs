using Hearth.Adapters.Fal;
using Hearth.Functions.Hosting;
using Hearth.Functions.Pictures;
using Hearth.Media;
using Hearth.Settings;
using Microsoft.Extensions.Configuration;

namespace Hearth.Images.Tests.Pictures;

/// <summary>The pictures feature's settings: the adapters' own options, catalogued and checked at start naming the key.</summary>
public sealed class PicturesSettingsTests
{
    private static IReadOnlyList<SettingProblem> Problems<T>(bool isDevelopment, params (string Key, string Value)[] values)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
        return SettingsBinder.Validate(typeof(T), configuration, isDevelopment);
    }

    [Fact]
    public void The_catalogue_lists_the_adapters_own_options_so_each_key_is_declared_once()
    {
        Assert.All(SettingsCatalog.All.Where(s => s.Key.StartsWith("Fal:", StringComparison.Ordinal)), s => Assert.Equal(typeof(FalOptions), s.OptionsType));
        Assert.All(SettingsCatalog.All.Where(s => s.Key.StartsWith("Media:", StringComparison.Ordinal)), s => Assert.Equal(typeof(MediaOptions), s.OptionsType));
        Assert.Contains(SettingsCatalog.All, s => s.Key == "Fal:RequestTimeout" && s.Default == "00:00:30");
        Assert.Contains(SettingsCatalog.All, s => s.Key == "Media:MaxBytes" && s.Default == (20 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void The_Fal_key_and_the_generated_secrets_are_secret()
    {
        Assert.Contains("Fal:Key", SettingsCatalog.Secrets);
        Assert.Contains("Fal:WebhookSecret", SettingsCatalog.Secrets);
        Assert.Contains("Media:SigningKey", SettingsCatalog.Secrets);
        Assert.DoesNotContain("Fal:PublicBaseUrl", SettingsCatalog.Secrets);
        Assert.Contains(SettingsCatalog.All, s => s.Key == "Pictures:Deadline" && s.Default == "00:10:00");
    }

    [Fact]
    public void Nothing_is_required_the_defaults_are_valid()
    {
        Assert.Empty(Problems<FalOptions>(isDevelopment: false));
        Assert.Empty(Problems<MediaOptions>(isDevelopment: false));
        Assert.Empty(Problems<PicturesOptions>(isDevelopment: false));
    }

    [Theory]
    [InlineData("Fal:JwksCacheDuration", "2.00:00:00", "Fal:JwksCacheDuration")]
    [InlineData("Fal:BasePortraitModel", "not a model", "Fal:BasePortraitModel")]
    [InlineData("Fal:WebhookSecret", "short", "Fal:WebhookSecret")]
    public void A_bad_Fal_setting_is_named(string key, string value, string named)
    {
        var problem = Assert.Single(Problems<FalOptions>(true, (key, value)));
        Assert.Equal(named, problem.Key);
        Assert.DoesNotContain("short", problem.Message); // a secret's value is never repeated
    }

    [Fact]
    public void A_bad_media_setting_is_named()
    {
        Assert.Equal("Media:UrlLifetime", Assert.Single(Problems<MediaOptions>(true, ("Media:UrlLifetime", "8.00:00:00"))).Key);
        Assert.Equal("Media:MaxBytes", Assert.Single(Problems<MediaOptions>(true, ("Media:MaxBytes", "10"))).Key);
    }

    [Fact]
    public void Pacing_that_could_never_poll_is_refused()
    {
        var problems = Problems<PicturesOptions>(true, ("Pictures:WebhookTimeout", "00:10:00"), ("Pictures:Deadline", "00:05:00"),
            ("Pictures:PollInterval", "00:02:00"));
        Assert.Contains(problems, p => p.Key == "Pictures:WebhookTimeout");
        Assert.Contains(problems, p => p.Key == "Pictures:PollInterval");
        Assert.Contains(Problems<PicturesOptions>(true, ("Pictures:SubmitAttempts", "0")), p => p.Key == "Pictures:SubmitAttempts");
    }
}

/// <summary>The orchestration's pure arithmetic and the data URL helper.</summary>
public sealed class PicturePacingTests
{
    private static readonly PicturePacing Pacing = new(
        WebhookTimeout: TimeSpan.FromSeconds(60),
        PollInterval: TimeSpan.FromSeconds(2),
        PollBackoff: 1.5,
        MaxPollInterval: TimeSpan.FromSeconds(5),
        Deadline: TimeSpan.FromMinutes(10),
        SubmitAttempts: 4,
        SubmitRetryInterval: TimeSpan.FromSeconds(2));

    [Fact]
    public void Polls_wait_longer_each_time_up_to_the_cap()
    {
        Assert.Equal([2.0, 3.0, 4.5, 5.0, 5.0], Enumerable.Range(1, 5).Select(n => Pacing.PollDelay(n).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(5), Pacing.PollDelay(10_000));
    }

    [Fact]
    public void Submissions_back_off_and_honour_Retry_After()
    {
        Assert.Equal([2.0, 4.0, 8.0], Enumerable.Range(1, 3).Select(n => Pacing.SubmitDelay(n, null).TotalSeconds));
        Assert.Equal(TimeSpan.FromMinutes(1), Pacing.SubmitDelay(20, null));
        Assert.Equal(TimeSpan.FromSeconds(30), Pacing.SubmitDelay(1, TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromSeconds(4), Pacing.SubmitDelay(2, TimeSpan.FromSeconds(1)));
        Assert.Equal(TimeSpan.FromMinutes(10), Pacing.SubmitDelay(1, TimeSpan.FromHours(3)));
    }

    [Fact]
    public void Data_urls_round_trip_and_refuse_what_is_not_base64()
    {
        var bytes = Hearth.Testing.Fakes.TinyPng.Solid(1, 2, 3);
        var url = DataUrls.Encode("image/png", bytes);
        Assert.StartsWith("data:image/png;base64,", url.OriginalString);
        var (type, content) = DataUrls.Decode(url);
        Assert.Equal("image/png", type);
        Assert.Equal(bytes, content);

        Assert.Throws<MediaRejectedException>(() => DataUrls.Decode(new Uri("data:text/plain,hello")));
        Assert.Throws<MediaRejectedException>(() => DataUrls.Decode(new Uri("data:image/png;base64,***")));
        Assert.Throws<MediaRejectedException>(() => DataUrls.Decode(new Uri("https://example.com/a.png")));
    }
}
