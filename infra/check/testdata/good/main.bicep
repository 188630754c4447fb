// A compact template that passes every gate: one resource of each kind the
// rules look at.
targetScope = 'resourceGroup'

@description('Region.')
param location string

@description('Tags.')
param tags object = {}

@description('Private networking switch.')
param enablePrivateNetworking bool = false

@description('AHDS workspace name.')
@minLength(3)
@maxLength(24)
param workspaceName string

@description('Functions runtime.')
@allowed([
  'custom'
  'go'
])
param runtimeName string = 'custom'

@description('Principal id of the deploying user.')
param deployerPrincipalId string = ''

@description('Type of the deploying principal.')
@allowed([
  'User'
  'ServicePrincipal'
])
param deployerPrincipalType string = 'User'

var fhirUrl = 'https://${workspaceName}-fhir.fhir.azurehealthcareapis.com'
var fhirDataContributor = '5a1fc7df-4bf1-4951-a576-89034ee01acd'

resource uami 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-good'
  location: location
  tags: tags
}

resource logs 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: 'log-good'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appi 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-good'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: 'stgood'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: enablePrivateNetworking ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource workspace 'Microsoft.HealthcareApis/workspaces@2024-03-31' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    publicNetworkAccess: enablePrivateNetworking ? 'Disabled' : 'Enabled'
  }
}

resource fhir 'Microsoft.HealthcareApis/workspaces/fhirservices@2024-03-31' = {
  parent: workspace
  name: 'fhir'
  location: location
  tags: tags
  kind: 'fhir-R4'
  properties: {
    authenticationConfiguration: {
      authority: '${environment().authentication.loginEndpoint}${tenant().tenantId}'
      audience: fhirUrl
      smartProxyEnabled: false
    }
    publicNetworkAccess: enablePrivateNetworking ? 'Disabled' : 'Enabled'
  }
}

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: 'evhns-good'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
    capacity: 1
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: enablePrivateNetworking ? 'Disabled' : 'Enabled'
  }

  resource hub 'eventhubs' = {
    name: 'telemetry'
    properties: {
      partitionCount: 32
      messageRetentionInDays: 1
    }
  }
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: 'plan-good'
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
  name: 'func-good'
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${uami.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storage.name
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
          value: '${storage.properties.primaryEndpoints.blob}app-package'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: uami.id
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

resource fhirRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(fhir.id, uami.properties.principalId, fhirDataContributor)
  scope: fhir
  properties: {
    principalId: uami.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', fhirDataContributor)
  }
}

resource deployerRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(fhir.id, deployerPrincipalId, fhirDataContributor)
  scope: fhir
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', fhirDataContributor)
  }
}

resource fhirDiag 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'diag'
  scope: fhir
  properties: {
    workspaceId: logs.id
    logs: [
      {
        category: 'AuditLogs'
        enabled: true
      }
    ]
  }
}

resource namespaceDiag 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'diag'
  scope: namespace
  properties: {
    workspaceId: logs.id
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

resource siteDiag 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'diag'
  scope: site
  properties: {
    workspaceId: logs.id
  }
}

resource topicDiag 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'diag'
  scope: topic
  properties: {
    workspaceId: logs.id
  }
}

@description('FHIR base URL.')
output fhirUrl string = fhirUrl
