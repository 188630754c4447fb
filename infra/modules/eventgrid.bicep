// The one Event Grid system topic for the AHDS workspace (D7). It serves the
// FHIR and DICOM subscriptions created in phase 2 (events.bicep). Its
// system-assigned identity dead-letters to storage (granted in rbac.bicep).
targetScope = 'resourceGroup'

@description('Name of the system topic; pass the existing one\'s name if the workspace already has a topic (P3).')
param name string

@description('Region of the AHDS workspace.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the AHDS workspace that publishes the events.')
param workspaceName string

@description('Resource id of the Log Analytics workspace for diagnostics.')
param logAnalyticsId string

resource workspace 'Microsoft.HealthcareApis/workspaces@2024-03-31' existing = {
  name: workspaceName
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: workspace.id
    topicType: 'Microsoft.HealthcareApis.Workspaces'
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'diag-${name}'
  scope: topic
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

@description('Name of the system topic.')
output name string = topic.name

@description('Principal id of the topic\'s system-assigned identity (dead-letter role).')
output principalId string = topic.identity.principalId
