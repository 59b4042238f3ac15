// Key Vault with Azure RBAC. The deploying user may read and write secrets (azd reads the generated passwords back on
// the next provision); the app's identity gets read access in roles.bicep.
param name string
param location string = resourceGroup().location
param tags object = {}

@description('Object id of the deploying user or service principal (AZURE_PRINCIPAL_ID); empty: no access for them.')
param principalId string = ''

var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource deployerSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(vault.id, principalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: principalId
  }
}

output name string = vault.name
output id string = vault.id
output uri string = vault.properties.vaultUri
