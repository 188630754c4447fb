// Broken on purpose: endpointType 'AzureFunctions'
// Phase-2 file of the good fixture set.
@description('Function app name.')
param functionAppName string

@description('Function name, equal to a folder under functions/.')
param dicomEventsFunctionName string = 'dicom-events'

resource site 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: 'stgood'
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: 'evgt-good'
}

var dicomEventTypes = [
  'Microsoft.HealthcareApis.DicomImageCreated'
  'Microsoft.HealthcareApis.DicomImageDeleted'
]

resource dicomEvents 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: 'dicom-events'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'AzureFunctions'
      properties: {
        resourceId: '${site.id}/functions/${dicomEventsFunctionName}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: dicomEventTypes
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.serviceHostName'
          values: [
            'ws-dicom.dicom.azurehealthcareapis.com'
          ]
        }
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storage.id
          blobContainerName: 'eventgrid-deadletter'
        }
      }
    }
  }
}

resource fhirEvents 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: 'fhir-events'
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${site.id}/functions/fhir-events'
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.HealthcareApis.FhirResourceCreated'
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storage.id
          blobContainerName: 'eventgrid-deadletter'
        }
      }
    }
  }
}
