namespace Hearth.Web.Tests;

/// <summary>What a person does on the pages, by accessible names (so the labels are tested too).</summary>
public static class PageSteps
{
    /// <summary>Opens <paramref name="path"/> and signs in with the dev token of <paramref name="user"/> typed into the form.</summary>
    public static async Task SignInAsync(IPage page, string path, string user)
    {
        await page.GotoAsync(path);
        var tokenBox = page.GetByLabel("Access token");
        await Expect(tokenBox).ToBeVisibleAsync();
        // Development prefills the admin dev token; a person signs in as someone else by replacing it.
        await Expect(tokenBox).ToHaveValueAsync(WebApp.DevToken);
        await tokenBox.FillAsync(WebApp.TokenOf(user));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("#who")).ToHaveTextAsync(user);
        await Expect(tokenBox).ToBeHiddenAsync();
    }

    public static ILocator Messages(IPage page) => page.GetByRole(AriaRole.Log);

    public static ILocator Composer(IPage page) => page.GetByRole(AriaRole.Textbox, new() { Name = "Message", Exact = true });

    /// <summary>Types a message and sends it with Enter (keyboard only); waits for the reply to replace the typing indicator.</summary>
    public static async Task<ILocator> SendAsync(IPage page, string text)
    {
        var replies = Messages(page).Locator("li.theirs");
        var before = await replies.CountAsync();
        await Composer(page).FocusAsync();
        await page.Keyboard.TypeAsync(text);
        await page.Keyboard.PressAsync("Enter");
        await Expect(Messages(page).Locator("li.mine:not(.pending)").Filter(new() { HasText = text })).ToBeVisibleAsync();
        await Expect(replies).ToHaveCountAsync(before + 1);
        return replies.Last;
    }
}
