// Broken on purpose: AHDS name param without @minLength(3) @maxLength(24)
@description('Region.')
param location string

@description('Tags.')
param tags object = {}

@description('Private networking switch.')
param enablePrivateNetworking bool = false

@description('Log Analytics workspace id.')
param logsId string

@description('Workspace name.')
param workspaceName string

resource workspace 'Microsoft.HealthcareApis/workspaces@2024-03-31' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    publicNetworkAccess: enablePrivateNetworking ? 'Disabled' : 'Enabled'
  }
}
