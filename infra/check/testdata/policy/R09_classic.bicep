// Broken on purpose: classic (not workspace-based) App Insights
@description('Region.')
param location string

@description('Tags.')
param tags object = {}

@description('Private networking switch.')
param enablePrivateNetworking bool = false

@description('Log Analytics workspace id.')
param logsId string

resource appi 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-good'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    DisableLocalAuth: true
  }
}
