using System.CommandLine;

var root = new RootCommand("hearth: the Hearth command line");
return await root.Parse(args).InvokeAsync();
