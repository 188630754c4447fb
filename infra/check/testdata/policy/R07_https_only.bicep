// Broken on purpose: httpsOnly false
@description('Region.')
param location string

@description('Tags.')
param tags object = {}

@description('Private networking switch.')
param enablePrivateNetworking bool = false

@description('Log Analytics workspace id.')
param logsId string


@description('Functions runtime.')
@allowed([
  'custom'
  'go'
])
param runtimeName string = 'custom'

@description('Plan id.')
param planId string

@description('Identity id.')
param uamiId string

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: 'func-good'
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${uamiId}': {}
    }
  }
  properties: {
    serverFarmId: planId
    httpsOnly: false
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [
        {
          name: 'AzureWebJobsStorage__accountName'
          value: 'st'
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${'https://st.blob.core.windows.net/'}app-package'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: uamiId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: 2048
        maximumInstanceCount: 100
      }
      runtime: {
        name: runtimeName
        version: '1.0'
      }
    }
  }
}

resource siteDiag 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'diag'
  scope: site
  properties: {
    workspaceId: logsId
  }
}
