// The conventions every area uses: settings, problems, rate limits, the current user.
global using Hearth.Functions.Hosting;
global using Hearth.Functions.Identity;
global using Hearth.Settings;
