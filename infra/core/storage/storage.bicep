// Storage account with the Azure Files share that holds pictures (Media:Root in the container).
param name string
param location string = resourceGroup().location
param tags object = {}
param shareName string = 'media'

@description('Largest size of the share in GiB (billed by use on standard storage).')
param shareQuotaGiB int = 100

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // Azure Files over SMB in Container Apps authenticates with the account key.
    allowSharedKeyAccess: true
  }

  resource files 'fileServices' = {
    name: 'default'

    resource share 'shares' = {
      name: shareName
      properties: {
        shareQuota: shareQuotaGiB
        enabledProtocols: 'SMB'
      }
    }
  }
}

output name string = storage.name
output shareName string = storage::files::share.name
