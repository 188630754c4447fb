// Function app on Flex Consumption (FC1, Linux) running the Go custom handler
// (D3). Every connection is identity-based through one user-assigned identity
// (D5). Never set FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION or
// WEBSITE_RUN_FROM_PACKAGE here (P10).
targetScope = 'resourceGroup'

@description('Name of the Flex Consumption plan.')
param planName string

@description('Name of the function app.')
param siteName string

@description('Region of the plan and the app.')
param location string

@description('Tags for every resource.')
param tags object

@description('Functions runtime: custom (custom handler, GA) or go (native Go worker, preview; needs code changes).')
@allowed([
  'custom'
  'go'
])
param runtimeName string = 'custom'

@description('Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound of instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Name of the host storage account.')
param storageAccountName string

@description('Blob endpoint of the host storage account (ends with /).')
param storageBlobEndpoint string

@description('Container holding the deployment package.')
param deploymentContainerName string

@description('Container for the app\'s dead-letter records.')
param deadLetterContainerName string

@description('Container for the DICOM change-feed checkpoint.')
param checkpointContainerName string

@description('Fully qualified Event Hubs namespace (<ns>.servicebus.windows.net).')
param eventHubNamespaceFqdn string

@description('Name of the device-telemetry event hub.')
param eventHubName string

@description('Consumer group of the device-telemetry function.')
param eventHubConsumerGroup string

@description('FHIR base URL (equal to the FHIR audience).')
param fhirUrl string

@description('DICOM service origin.')
param dicomServiceUrl string

@description('Name of the Application Insights component.')
param appInsightsName string

@description('Resource id of the Log Analytics workspace for diagnostics.')
param logAnalyticsId string

@description('Subnet for VNet integration; empty when private networking is off.')
param appSubnetId string = ''

@description('MedTech device mapping: a path in the app package or a blob URL the app identity can read.')
param medtechDeviceMapping string = 'device-telemetry/mappings/devicecontent.json'

@description('MedTech FHIR destination mapping: a path in the app package or a blob URL.')
param medtechFhirMapping string = 'device-telemetry/mappings/fhirmapping.json'

@description('MedTech identity resolution: Lookup (as the managed service), Create or Direct.')
@allowed([
  'Lookup'
  'Create'
  'Direct'
])
param medtechIdentityMode string = 'Lookup'

resource appi 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

var appSettings = [
  // Host storage, identity form only (D5).
  {
    name: 'AzureWebJobsStorage__accountName'
    value: storageAccountName
  }
  {
    name: 'AzureWebJobsStorage__blobServiceUri'
    value: storageBlobEndpoint
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'AzureWebJobsStorage__clientId'
    value: identityClientId
  }
  // The prefix equals "connection" in functions/device-telemetry/function.json.
  {
    name: 'EventHubConnection__fullyQualifiedNamespace'
    value: eventHubNamespaceFqdn
  }
  {
    name: 'EventHubConnection__credential'
    value: 'managedidentity'
  }
  {
    name: 'EventHubConnection__clientId'
    value: identityClientId
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: appi.properties.ConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'ClientId=${identityClientId};Authorization=AAD'
  }
  {
    name: 'AZURE_CLIENT_ID'
    value: identityClientId
  }
  {
    name: 'FHIR_BASE_URL'
    value: fhirUrl
  }
  {
    name: 'DICOM_SERVICE_URL'
    value: dicomServiceUrl
  }
  {
    name: 'DICOM_SERVICE_KIND'
    value: 'azure'
  }
  {
    name: 'DICOM_PARTITIONS_ENABLED'
    value: 'false'
  }
  {
    name: 'DICOM_CHECKPOINT_CONTAINER'
    value: checkpointContainerName
  }
  {
    name: 'DEVICE_EVENTHUB_NAME'
    value: eventHubName
  }
  {
    name: 'DEVICE_EVENTHUB_CONSUMER_GROUP'
    value: eventHubConsumerGroup
  }
  {
    name: 'DEADLETTER_CONTAINER'
    value: deadLetterContainerName
  }
  {
    name: 'DICOM_CATCHUP_SCHEDULE'
    value: '0 */5 * * * *'
  }
  {
    name: 'MEDTECH_DEVICE_MAPPING'
    value: medtechDeviceMapping
  }
  {
    name: 'MEDTECH_FHIR_MAPPING'
    value: medtechFhirMapping
  }
  {
    name: 'MEDTECH_IDENTITY_MODE'
    value: medtechIdentityMode
  }
]

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: siteName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    virtualNetworkSubnetId: empty(appSubnetId) ? null : appSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: appSettings
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: runtimeName
        version: '1.0'
      }
    }
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'diag-${siteName}'
  scope: site
  properties: {
    workspaceId: logAnalyticsId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

@description('Name of the function app.')
output name string = site.name

@description('Default host name of the function app.')
output defaultHostName string = site.properties.defaultHostName
