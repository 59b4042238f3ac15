// The image the app runs now, so that `azd provision` after `azd deploy` keeps it (azd's usual "exists" pattern).
param exists bool
param name string

resource existingApp 'Microsoft.App/containerApps@2025-01-01' existing = if (exists) {
  name: name
}

output containers array = exists ? existingApp!.properties.template.containers : []
