// Azure Database for PostgreSQL Flexible Server, the app's database, a firewall rule for Azure services, and the
// connection strings as Key Vault secrets (one for the app in Npgsql format, one for the KEDA scaler in libpq format).
param name string
param location string = resourceGroup().location
param tags object = {}
param databaseName string = 'hearth'
param administratorLogin string = 'hearthadmin'

@secure()
param administratorPassword string

param skuName string = 'Standard_B1ms'

@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param skuTier string = 'Burstable'
param storageSizeGB int = 32
param version string = '16'

@description('Key Vault that receives the password and the connection strings.')
param keyVaultName string

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    version: version
    administratorLogin: administratorLogin
    administratorLoginPassword: administratorPassword
    authConfig: {
      activeDirectoryAuth: 'Disabled'
      passwordAuth: 'Enabled'
    }
    storage: {
      storageSizeGB: storageSizeGB
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: 7
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
    network: {
      publicNetworkAccess: 'Enabled'
    }
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// 0.0.0.0 is Azure's "allow Azure services" rule: the app and the KEDA scaler reach the server; TLS and the password
// are still required. docs/deploy.md says how to move to a virtual network instead. After the database: the server
// takes one change at a time.
resource allowAzureServices 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = {
  parent: server
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
  dependsOn: [
    database
  ]
}

var host = server.properties.fullyQualifiedDomainName

module passwordSecret '../security/key-vault-secret.bicep' = {
  name: 'postgres-admin-password'
  params: {
    keyVaultName: keyVaultName
    name: 'postgres-admin-password'
    value: administratorPassword
  }
}

module appConnection '../security/key-vault-secret.bicep' = {
  name: 'postgres-connection'
  params: {
    keyVaultName: keyVaultName
    name: 'postgres-connection'
    value: 'Host=${host};Port=5432;Database=${databaseName};Username=${administratorLogin};Password=${administratorPassword};SSL Mode=VerifyFull'
  }
}

module scalerConnection '../security/key-vault-secret.bicep' = {
  name: 'postgres-keda-connection'
  params: {
    keyVaultName: keyVaultName
    name: 'postgres-keda-connection'
    value: 'host=${host} port=5432 dbname=${databaseName} user=${administratorLogin} password=${administratorPassword} sslmode=require'
  }
}

output name string = server.name
output host string = host
output databaseName string = databaseName
output administratorLogin string = administratorLogin
output appConnectionKeyVaultUrl string = appConnection.outputs.uri
output scalerConnectionKeyVaultUrl string = scalerConnection.outputs.uri
