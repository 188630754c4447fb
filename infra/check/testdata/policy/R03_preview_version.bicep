// Broken on purpose: preview API version
@description('Region.')
param location string

@description('Tags.')
param tags object = {}

@description('Private networking switch.')
param enablePrivateNetworking bool = false

@description('Log Analytics workspace id.')
param logsId string

resource autoscale 'Microsoft.Insights/autoscalesettings@2021-05-01-preview' = {
  name: 'as'
  location: location
  tags: tags
  properties: {
    profiles: []
    targetResourceUri: logsId
  }
}
