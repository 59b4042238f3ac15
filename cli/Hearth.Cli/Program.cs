using System.CommandLine;
using Hearth.Cli;

// `hearth <command>`: every ICliCommand in this assembly contributes one top-level command (skills, eval, reindex, status...).
var root = new RootCommand("hearth: the Hearth command line. Talks to a Hearth API (HEARTH_URL, HEARTH_TOKEN or ~/.config/hearth/config.json); eval and reindex run in process.");
foreach (var command in CliCommands.Discover()) root.Subcommands.Add(command.Build());
return await root.Parse(args).InvokeAsync();
