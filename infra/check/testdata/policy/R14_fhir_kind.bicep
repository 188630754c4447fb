// Broken on purpose: FHIR STU3
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

var fhirUrl = 'https://${workspaceName}-fhir.fhir.azurehealthcareapis.com'

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
  kind: 'fhir-Stu3'
  properties: {
    authenticationConfiguration: {
      authority: '${environment().authentication.loginEndpoint}${tenant().tenantId}'
      audience: fhirUrl
      smartProxyEnabled: false
    }
    publicNetworkAccess: enablePrivateNetworking ? 'Disabled' : 'Enabled'
  }
}

resource fhirDiag 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'diag'
  scope: fhir
  properties: {
    workspaceId: logsId
  }
}
