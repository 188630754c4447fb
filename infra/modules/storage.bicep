// Host storage account: Functions runtime state, the Flex deployment package,
// the app's dead-letter records, Event Grid dead-letters and the DICOM
// change-feed checkpoint. Shared-key access is off; everything uses Entra ID.
targetScope = 'resourceGroup'

@description('Name of the storage account (3-24 lower-case letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Region of the account.')
param location string

@description('Tags for every resource.')
param tags object

@description('True: deny public network access by default (trusted Azure services still pass, so Event Grid can dead-letter).')
param enablePrivateNetworking bool

@description('Container holding the Flex Consumption deployment package.')
param deploymentContainerName string

@description('Container for the app\'s own dead-letter records (DEADLETTER_CONTAINER).')
param deadLetterContainerName string = 'deadletter'

@description('Container Event Grid dead-letters undeliverable events into.')
param eventGridDeadLetterContainerName string = 'eventgrid-deadletter'

@description('Container for the DICOM change-feed checkpoint (DICOM_CHECKPOINT_CONTAINER).')
param checkpointContainerName string = 'dicom-sync'

var containerNames = [
  deploymentContainerName
  deadLetterContainerName
  eventGridDeadLetterContainerName
  checkpointContainerName
]

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: enablePrivateNetworking ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
      ipRules: []
      virtualNetworkRules: []
    }
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = [
  for c in containerNames: {
    parent: blobs
    name: c
    properties: {
      publicAccess: 'None'
    }
  }
]

@description('Name of the storage account.')
output name string = account.name

@description('Resource id of the storage account.')
output id string = account.id

@description('Blob endpoint, e.g. https://<name>.blob.core.windows.net/.')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('Name of the app dead-letter container.')
output deadLetterContainerName string = deadLetterContainerName

@description('Name of the Event Grid dead-letter container.')
output eventGridDeadLetterContainerName string = eventGridDeadLetterContainerName

@description('Name of the DICOM change-feed checkpoint container.')
output checkpointContainerName string = checkpointContainerName
