// Azure OpenAI with a chat and an embedding deployment, keyless: local (key) auth is off and the app signs in with its
// managed identity ("Cognitive Services OpenAI User"). The app calls the v1 endpoint with the OpenAI SDK.
param name string
param location string = resourceGroup().location
param tags object = {}

@description('Deployments to create, in order: { name, model: { format, name, version }, sku: { name, capacity } }.')
param deployments array

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  properties: {
    customSubDomainName: name
    publicNetworkAccess: 'Enabled'
    disableLocalAuth: true
  }
}

// One at a time: an account refuses concurrent deployment changes.
@batchSize(1)
resource deployment 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = [for item in deployments: {
  parent: account
  name: item.name
  sku: item.sku
  properties: {
    model: item.model
  }
}]

output name string = account.name
output id string = account.id
output v1Endpoint string = '${account.properties.endpoint}openai/v1/'
