// Least-privilege role assignments (spec §4, D6). Names are
// guid(<scope>.id, <principalId>, <roleGuid>) so they are deterministic and
// never change for the same assignment (P13); managed identities use
// principalType 'ServicePrincipal' to avoid PrincipalNotFound (P4).
targetScope = 'resourceGroup'

@description('Principal id of the function app\'s user-assigned identity.')
param identityPrincipalId string

@description('Principal id of the Event Grid system topic\'s identity (dead-lettering).')
param topicIdentityPrincipalId string

@description('Object id of the deploying user or service principal (never an app registration\'s object id, P16); empty skips the deployer roles.')
param deployerPrincipalId string = ''

@description('Type of the deploying principal.')
@allowed([
  'User'
  'ServicePrincipal'
])
param deployerPrincipalType string = 'User'

@description('Name of the AHDS workspace.')
param workspaceName string

@description('Name of the FHIR service.')
param fhirServiceName string

@description('Name of the DICOM service.')
param dicomServiceName string

@description('Name of the Event Hubs namespace.')
param eventHubNamespaceName string

@description('Name of the telemetry event hub.')
param eventHubName string

@description('Name of the host storage account.')
param storageAccountName string

@description('Name of the Event Grid dead-letter container.')
param eventGridDeadLetterContainerName string

@description('Name of the Application Insights component.')
param appInsightsName string

// Built-in role definition GUIDs (AVM builtInRoleNames maps).
var roles = {
  fhirDataContributor: '5a1fc7df-4bf1-4951-a576-89034ee01acd'
  dicomDataReader: 'e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a'
  dicomDataOwner: '58a3b984-7adf-4c20-983a-32417c86fbc8'
  eventHubsDataReceiver: 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde'
  eventHubsDataSender: '2b629674-e913-4c01-ae53-ef4638d8f975'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource workspace 'Microsoft.HealthcareApis/workspaces@2024-03-31' existing = {
  name: workspaceName
}

resource fhir 'Microsoft.HealthcareApis/workspaces/fhirservices@2024-03-31' existing = {
  parent: workspace
  name: fhirServiceName
}

resource dicom 'Microsoft.HealthcareApis/workspaces/dicomservices@2024-03-31' existing = {
  parent: workspace
  name: dicomServiceName
}

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' existing = {
  name: eventHubNamespaceName
}

resource hub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' existing = {
  parent: namespace
  name: eventHubName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' existing = {
  parent: storage
  name: 'default'
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' existing = {
  parent: blobs
  name: eventGridDeadLetterContainerName
}

resource appi 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// Function identity.

resource fhirContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(fhir.id, identityPrincipalId, roles.fhirDataContributor)
  scope: fhir
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.fhirDataContributor)
  }
}

resource dicomReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dicom.id, identityPrincipalId, roles.dicomDataReader)
  scope: dicom
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.dicomDataReader)
  }
}

resource hubReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hub.id, identityPrincipalId, roles.eventHubsDataReceiver)
  scope: hub
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventHubsDataReceiver)
  }
}

resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityPrincipalId, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
  }
}

resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityPrincipalId, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
  }
}

resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityPrincipalId, roles.storageTableDataContributor)
  scope: storage
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appi.id, identityPrincipalId, roles.monitoringMetricsPublisher)
  scope: appi
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

// System topic identity: dead-letter writes (granted before phase 2, P5).

resource topicDeadLetter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterContainer.id, topicIdentityPrincipalId, roles.storageBlobDataContributor)
  scope: deadLetterContainer
  properties: {
    principalId: topicIdentityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}

// Deployer (optional): test data and telemetry from the developer machine.

resource deployerFhir 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(fhir.id, deployerPrincipalId, roles.fhirDataContributor)
  scope: fhir
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.fhirDataContributor)
  }
}

resource deployerDicom 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(dicom.id, deployerPrincipalId, roles.dicomDataOwner)
  scope: dicom
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.dicomDataOwner)
  }
}

resource deployerSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(hub.id, deployerPrincipalId, roles.eventHubsDataSender)
  scope: hub
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventHubsDataSender)
  }
}
