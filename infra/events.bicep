// Phase 2 (spec infra.md D4): Event Grid subscriptions on the AHDS system
// topic. Deploy only after the code is published: an AzureFunction
// destination fails with "Destination endpoint not found" until the function
// with its eventGridTrigger exists in the app (Azure/bicep#11656, P1).
// scripts/postdeploy.sh runs it after `func azure functionapp publish`.
targetScope = 'resourceGroup'

@description('Name of the function app (main.bicep output AZURE_FUNCTION_APP_NAME).')
param functionAppName string

@description('Name of the AHDS system topic (main.bicep output SYSTEM_TOPIC_NAME).')
param systemTopicName string

@description('Name of the host storage account holding the dead-letter container (main.bicep output STORAGE_ACCOUNT_NAME).')
param storageAccountName string

@description('Container Event Grid dead-letters into; the topic identity has Storage Blob Data Contributor on it.')
param deadLetterContainerName string = 'eventgrid-deadletter'

@description('Name of the Event Grid-triggered DICOM function (folder functions/dicom-events).')
param dicomEventsFunctionName string = 'dicom-events'

@description('Name of the Event Grid-triggered FHIR function (folder functions/fhir-events).')
param fhirEventsFunctionName string = 'fhir-events'

@description('FHIR resource types forwarded to fhir-events (imaging links: ServiceRequest accession, DiagnosticReport.imagingStudy, Patient merges). A type the project\'s own functions write (ImagingStudy, Patient) is listed only because fhir-events writes nothing unchanged: every write raises a new event, so a handler that is not loop-safe must not get it. Never add Observation.')
param fhirResourceTypes array = [
  'ServiceRequest'
  'DiagnosticReport'
  'Patient'
  'ImagingStudy'
]

@description('Name of the AHDS workspace (main.bicep output AHDS_WORKSPACE_NAME).')
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

@description('Delivery attempts before dead-lettering (Event Grid default 30).')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int = 30

@description('Minutes an event is retried before dead-lettering (Event Grid default 1440).')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

resource site 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource workspace 'Microsoft.HealthcareApis/workspaces@2024-03-31' existing = {
  name: workspaceName
}

resource dicom 'Microsoft.HealthcareApis/workspaces/dicomservices@2024-03-31' existing = {
  parent: workspace
  name: dicomServiceName
}

// Values of data.resourceFhirAccount and data.serviceHostName in AHDS events.
var fhirHost = '${workspaceName}-${fhirServiceName}.fhir.azurehealthcareapis.com'
var dicomHost = replace(dicom.properties.serviceUrl, 'https://', '')

resource dicomEvents 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: 'dicom-events'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${site.id}/functions/${dicomEventsFunctionName}'
        // One event per delivery: a failed batch is redelivered whole.
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.HealthcareApis.DicomImageCreated'
        'Microsoft.HealthcareApis.DicomImageUpdated'
        'Microsoft.HealthcareApis.DicomImageDeleted'
      ]
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.serviceHostName'
          values: [
            dicomHost
          ]
        }
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storage.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

resource fhirEvents 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: 'fhir-events'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${site.id}/functions/${fhirEventsFunctionName}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.HealthcareApis.FhirResourceCreated'
        'Microsoft.HealthcareApis.FhirResourceUpdated'
        'Microsoft.HealthcareApis.FhirResourceDeleted'
      ]
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.resourceType'
          values: fhirResourceTypes
        }
        {
          operatorType: 'StringIn'
          key: 'data.resourceFhirAccount'
          values: [
            fhirHost
          ]
        }
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storage.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

@description('Resource id of the DICOM subscription.')
output dicomSubscriptionId string = dicomEvents.id

@description('Resource id of the FHIR subscription.')
output fhirSubscriptionId string = fhirEvents.id
