// Azure AI Search, keyless: only Microsoft Entra tokens are accepted (the app's managed identity has the data roles).
param name string
param location string = resourceGroup().location
param tags object = {}

@allowed([
  'free'
  'basic'
  'standard'
])
@description('basic is the smallest tier for real use; free (one per subscription, 50 MB) is enough to try Hearth.')
param sku string = 'basic'

resource search 'Microsoft.Search/searchServices@2023-11-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    replicaCount: 1
    partitionCount: 1
    hostingMode: 'default'
    publicNetworkAccess: 'enabled'
    disableLocalAuth: true
  }
}

output name string = search.name
output id string = search.id
output endpoint string = 'https://${search.name}.search.windows.net'
