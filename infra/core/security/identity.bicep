// The app's user-assigned managed identity: it pulls the image, reads Key Vault references and signs in to Azure OpenAI
// and Azure AI Search. User-assigned (not system-assigned) so its roles exist before the container app is created.
param name string
param location string = resourceGroup().location
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
