// Phase 1 (spec infra.md D4): everything except the Event Grid event
// subscriptions, which infra/events.bicep creates after the code is
// published. Deploy with `azd up` or `az deployment group create`.
targetScope = 'resourceGroup'

@description('azd environment name; part of every resource name token and the azd-env-name tag.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Region for all resources (AHDS, Flex Consumption and Event Grid must be available there).')
@minLength(1)
param location string

@description('Extra tags for every resource.')
param tags object = {}

@description('Object id of the deploying user or service principal (azd AZURE_PRINCIPAL_ID); empty skips the deployer roles.')
param deployerPrincipalId string = ''

@description('Type of the deploying principal.')
@allowed([
  'User'
  'ServicePrincipal'
])
param deployerPrincipalType string = 'User'

@description('True: VNet, private endpoints and publicNetworkAccess Disabled on AHDS and Event Hubs (prod).')
param enablePrivateNetworking bool = false

@description('Address space of the VNet (only with private networking).')
param vnetAddressPrefix string = '10.60.0.0/16'

@description('Functions runtime: custom (custom handler, GA) or go (native Go worker, preview).')
@allowed([
  'custom'
  'go'
])
param runtimeName string = 'custom'

@description('Memory per Flex Consumption instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound of Flex Consumption instances.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Partitions of the telemetry event hub.')
@minValue(1)
@maxValue(32)
param eventHubPartitionCount int = 4

@description('Retention of the telemetry event hub in days.')
@minValue(1)
@maxValue(7)
param eventHubRetentionDays int = 1

@description('Origins allowed by FHIR CORS; empty for none.')
param fhirCorsOrigins array = []

@description('Name of the Event Grid system topic; set it to the existing topic\'s name when the workspace already has one (P3).')
param systemTopicName string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(resourceGroup().id, environmentName, location))
var allTags = union(tags, {
  'azd-env-name': environmentName
})
var workspaceName = '${abbrs.healthcareWorkspace}${resourceToken}'
var siteName = '${abbrs.functionApp}${resourceToken}'
var deploymentContainerName = 'app-package-${take(siteName, 32)}-${take(resourceToken, 7)}'
var topicName = empty(systemTopicName) ? '${abbrs.eventGridSystemTopic}${resourceToken}' : systemTopicName

module identity './modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: '${abbrs.managedIdentity}${resourceToken}'
    location: location
    tags: allTags
  }
}

module monitoring './modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: '${abbrs.logAnalyticsWorkspace}${resourceToken}'
    appInsightsName: '${abbrs.applicationInsights}${resourceToken}'
    location: location
    tags: allTags
  }
}

module storage './modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: '${abbrs.storageAccount}${resourceToken}'
    location: location
    tags: allTags
    enablePrivateNetworking: enablePrivateNetworking
    deploymentContainerName: deploymentContainerName
  }
}

module ahds './modules/ahds.bicep' = {
  name: 'ahds'
  params: {
    workspaceName: workspaceName
    location: location
    tags: allTags
    enablePrivateNetworking: enablePrivateNetworking
    fhirCorsOrigins: fhirCorsOrigins
    logAnalyticsId: monitoring.outputs.logAnalyticsId
  }
}

module eventHubs './modules/eventhubs.bicep' = {
  name: 'eventhubs'
  params: {
    namespaceName: '${abbrs.eventHubNamespace}${resourceToken}'
    partitionCount: eventHubPartitionCount
    retentionDays: eventHubRetentionDays
    location: location
    tags: allTags
    enablePrivateNetworking: enablePrivateNetworking
    logAnalyticsId: monitoring.outputs.logAnalyticsId
  }
}

module network './modules/network.bicep' = if (enablePrivateNetworking) {
  name: 'network'
  params: {
    vnetName: '${abbrs.virtualNetwork}${resourceToken}'
    vnetAddressPrefix: vnetAddressPrefix
    location: location
    tags: allTags
    resourceToken: resourceToken
    workspaceId: ahds.outputs.workspaceId
    storageAccountId: storage.outputs.id
    eventHubNamespaceId: eventHubs.outputs.namespaceId
  }
}

module functionApp './modules/function.bicep' = {
  name: 'function'
  params: {
    planName: '${abbrs.appServicePlan}${resourceToken}'
    siteName: siteName
    location: location
    tags: allTags
    runtimeName: runtimeName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    deadLetterContainerName: storage.outputs.deadLetterContainerName
    checkpointContainerName: storage.outputs.checkpointContainerName
    eventHubNamespaceFqdn: eventHubs.outputs.fullyQualifiedNamespace
    eventHubName: eventHubs.outputs.eventHubName
    eventHubConsumerGroup: eventHubs.outputs.consumerGroupName
    fhirUrl: ahds.outputs.fhirUrl
    dicomServiceUrl: ahds.outputs.dicomServiceUrl
    appInsightsName: monitoring.outputs.appInsightsName
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    appSubnetId: enablePrivateNetworking ? network.outputs.appSubnetId : ''
  }
  // Identity roles first: the host touches storage and Event Hubs as soon as it starts.
  dependsOn: [
    rbac
  ]
}

module eventGrid './modules/eventgrid.bicep' = {
  name: 'eventgrid'
  params: {
    name: topicName
    location: location
    tags: allTags
    workspaceName: ahds.outputs.workspaceName
    logAnalyticsId: monitoring.outputs.logAnalyticsId
  }
}

module rbac './modules/rbac.bicep' = {
  name: 'rbac'
  params: {
    identityPrincipalId: identity.outputs.principalId
    topicIdentityPrincipalId: eventGrid.outputs.principalId
    deployerPrincipalId: deployerPrincipalId
    deployerPrincipalType: deployerPrincipalType
    workspaceName: ahds.outputs.workspaceName
    fhirServiceName: ahds.outputs.fhirServiceName
    dicomServiceName: ahds.outputs.dicomServiceName
    eventHubNamespaceName: eventHubs.outputs.namespaceName
    eventHubName: eventHubs.outputs.eventHubName
    storageAccountName: storage.outputs.name
    eventGridDeadLetterContainerName: storage.outputs.eventGridDeadLetterContainerName
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

// Outputs are copied into the azd environment; no keys, no connection strings.

@description('Region of the deployment.')
output AZURE_LOCATION string = location

@description('Tenant of the deployment.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Name of the function app (postdeploy publishes to it).')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name

@description('Base URL of the function app (health: GET /api/health).')
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'

@description('Client id of the function app\'s user-assigned identity.')
output AZURE_CLIENT_ID string = identity.outputs.clientId

@description('Name of the AHDS workspace.')
output AHDS_WORKSPACE_NAME string = ahds.outputs.workspaceName

@description('FHIR base URL (also the token audience).')
output FHIR_BASE_URL string = ahds.outputs.fhirUrl

@description('DICOM service origin (DICOMweb under /v2, change feed under /v1).')
output DICOM_SERVICE_URL string = ahds.outputs.dicomServiceUrl

@description('Fully qualified Event Hubs namespace for telemetry producers.')
output EVENTHUB_NAMESPACE_FQDN string = eventHubs.outputs.fullyQualifiedNamespace

@description('Name of the telemetry event hub.')
output EVENTHUB_NAME string = eventHubs.outputs.eventHubName

@description('Consumer group of the device-telemetry function.')
output EVENTHUB_CONSUMER_GROUP string = eventHubs.outputs.consumerGroupName

@description('Name of the Event Grid system topic (events.bicep input).')
output SYSTEM_TOPIC_NAME string = eventGrid.outputs.name

@description('Name of the host storage account (events.bicep input).')
output STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('Container of the app\'s dead-letter records.')
output DEADLETTER_CONTAINER_NAME string = storage.outputs.deadLetterContainerName

@description('Container Event Grid dead-letters into (events.bicep input).')
output EVENTGRID_DEADLETTER_CONTAINER_NAME string = storage.outputs.eventGridDeadLetterContainerName

@description('Container of the DICOM change-feed checkpoint.')
output DICOM_CHECKPOINT_CONTAINER_NAME string = storage.outputs.checkpointContainerName
