// Azure Health Data Services: workspace, FHIR R4 service and DICOM service,
// with audit logs and metrics sent to Log Analytics. Events need no
// property: eventState is read-only and follows the event subscriptions.
targetScope = 'resourceGroup'

@description('Name of the AHDS workspace (3-24 letters and digits, no hyphens).')
@minLength(3)
@maxLength(24)
param workspaceName string

@description('Name of the FHIR service.')
@minLength(3)
@maxLength(24)
param fhirServiceName string = 'fhir'

@description('Name of the DICOM service.')
@minLength(3)
@maxLength(24)
param dicomServiceName string = 'dicom'

@description('Region of the services.')
param location string

@description('Tags for every resource.')
param tags object

@description('True: public network access Disabled on workspace, FHIR and DICOM (reach them through private endpoints).')
param enablePrivateNetworking bool

@description('Origins allowed by FHIR CORS (e.g. a SMART app); empty disables CORS.')
param fhirCorsOrigins array = []

@description('Resource id of the Log Analytics workspace for diagnostics.')
param logAnalyticsId string

// Built once: FHIR audience, app setting and output must be identical (P14).
var fhirUrl = 'https://${workspaceName}-${fhirServiceName}.fhir.azurehealthcareapis.com'

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
  name: fhirServiceName
  location: location
  tags: tags
  kind: 'fhir-R4'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    authenticationConfiguration: {
      authority: '${environment().authentication.loginEndpoint}${tenant().tenantId}'
      audience: fhirUrl
      smartProxyEnabled: false
    }
    corsConfiguration: {
      origins: fhirCorsOrigins
      headers: [
        '*'
      ]
      methods: [
        'DELETE'
        'GET'
        'OPTIONS'
        'PATCH'
        'POST'
        'PUT'
      ]
      maxAge: 1440
      allowCredentials: false
    }
    publicNetworkAccess: enablePrivateNetworking ? 'Disabled' : 'Enabled'
  }
}

resource dicom 'Microsoft.HealthcareApis/workspaces/dicomservices@2024-03-31' = {
  parent: workspace
  name: dicomServiceName
  location: location
  tags: tags
  properties: {
    enableDataPartitions: false
    publicNetworkAccess: enablePrivateNetworking ? 'Disabled' : 'Enabled'
  }
}

resource fhirDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'diag-${fhirServiceName}'
  scope: fhir
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

resource dicomDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'diag-${dicomServiceName}'
  scope: dicom
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

@description('Name of the workspace.')
output workspaceName string = workspace.name

@description('Resource id of the workspace (system topic source, private endpoint target).')
output workspaceId string = workspace.id

@description('Name of the FHIR service.')
output fhirServiceName string = fhir.name

@description('FHIR base URL, equal to the token audience.')
output fhirUrl string = fhirUrl

@description('Name of the DICOM service.')
output dicomServiceName string = dicom.name

@description('DICOM service origin (the app adds /v2; change feed /v1).')
output dicomServiceUrl string = dicom.properties.serviceUrl
