# azd postdeploy hook (Windows): wake the app, which applies migrations at start, and wait until /readyz answers 200.
$ErrorActionPreference = 'Stop'
$url = $env:SERVICE_FUNCTIONS_URI
if (-not $url) { throw 'SERVICE_FUNCTIONS_URI is not set: run azd provision first' }
Write-Host "Waiting for $url/readyz (the first start applies the migrations)..."
for ($attempt = 1; $attempt -le 60; $attempt++) {
    try {
        $response = Invoke-WebRequest -Uri "$url/readyz" -TimeoutSec 20 -UseBasicParsing
        if ($response.StatusCode -eq 200) { Write-Host "Hearth is ready: $url"; exit 0 }
    } catch { }
    Start-Sleep -Seconds 10
}
Write-Error "Hearth did not become ready within 10 minutes. Logs: az containerapp logs show -n $($env:SERVICE_FUNCTIONS_NAME) -g $($env:AZURE_RESOURCE_GROUP) --follow"
exit 1
