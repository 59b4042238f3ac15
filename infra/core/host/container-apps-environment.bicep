// The Container Apps environment (Consumption: scale to zero, billed per second while a replica runs), its logs in
// Log Analytics, and the Azure Files share registered as a storage the app mounts.
param name string
param location string = resourceGroup().location
param tags object = {}
param logAnalyticsName string

@description('Storage account holding the media share.')
param storageAccountName string
param mediaShareName string

@description('Name the app uses to mount the share (volumes[].storageName).')
param mediaStorageName string = 'media'

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logAnalytics.properties.customerId
        sharedKey: logAnalytics.listKeys().primarySharedKey
      }
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
  }
}

// SMB mounts need the account key; it stays inside the environment (never in the app's settings).
resource mediaStorage 'Microsoft.App/managedEnvironments/storages@2025-01-01' = {
  parent: environment
  name: mediaStorageName
  properties: {
    azureFile: {
      accountName: storage.name
      accountKey: storage.listKeys().keys[0].value
      shareName: mediaShareName
      accessMode: 'ReadWrite'
    }
  }
}

output name string = environment.name
output id string = environment.id
output defaultDomain string = environment.properties.defaultDomain
output mediaStorageName string = mediaStorage.name
