// One Key Vault secret; the container app reads it through a Key Vault reference (latest version).
param keyVaultName string
param name string

@secure()
param value string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: name
  properties: {
    value: value
    contentType: 'text/plain'
  }
}

@description('URL of the secret without a version: the app follows rotations.')
output uri string = '${vault.properties.vaultUri}secrets/${name}'
