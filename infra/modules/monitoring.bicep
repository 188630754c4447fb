// Log Analytics workspace and workspace-based Application Insights with
// local (key) authentication disabled: ingestion needs Entra ID (D5).
targetScope = 'resourceGroup'

@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param appInsightsName string

@description('Region of the resources.')
param location string

@description('Tags for every resource.')
param tags object

@description('Days to keep logs.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

resource logs 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appi 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true
  }
}

@description('Resource id of the Log Analytics workspace (diagnostic settings target).')
output logAnalyticsId string = logs.id

@description('Name of the Application Insights component.')
output appInsightsName string = appi.name

@description('Resource id of the Application Insights component.')
output appInsightsId string = appi.id
