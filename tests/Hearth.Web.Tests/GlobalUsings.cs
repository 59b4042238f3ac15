// What nearly every page test uses: Playwright and its assertions, and JSON over HTTP to check what the server stored.
global using System.Net.Http.Json;
global using System.Text.Json;
global using Microsoft.Playwright;
global using static Microsoft.Playwright.Assertions;
