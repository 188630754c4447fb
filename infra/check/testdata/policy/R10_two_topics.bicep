// Broken on purpose: two topics for one workspace (P2)
@description('Region.')
param location string

@description('Tags.')
param tags object = {}

@description('Private networking switch.')
param enablePrivateNetworking bool = false

@description('Log Analytics workspace id.')
param logsId string


@description('AHDS workspace name.')
@minLength(3)
@maxLength(24)
param workspaceName string

resource workspace 'Microsoft.HealthcareApis/workspaces@2024-03-31' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    publicNetworkAccess: enablePrivateNetworking ? 'Disabled' : 'Enabled'
  }
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: 'evgt-good'
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

resource topicDiag 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'diag'
  scope: topic
  properties: {
    workspaceId: logsId
  }
}

resource topic2 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: 'evgt-good2'
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

resource topic2Diag 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'diag'
  scope: topic2
  properties: {
    workspaceId: logsId
  }
}
