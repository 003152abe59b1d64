// The main storage account: Functions host storage, the pipeline queues (+ poison twins), the state tables
// and the Flex Consumption deployment container. File bytes in flight go to the staging account
// (staging.bicep, PCSYNC_STAGING_BLOB_URI); the staging container and its lifecycle rule here serve a
// deployment without that setting and expire bytes staged here before the staging account existed.
// Entra ID only: shared-key access is off, so no connection string with a key exists anywhere.
param name string
param location string
param tags object = {}
param skuName string = 'Standard_GRS'
@description('Queue-name app setting -> queue name (from main.bicep; mirrors shared/config.py).')
param queueSettings object
param tableNames array
param stagingContainerName string
param deploymentContainerName string
param logAnalyticsWorkspaceId string
@description('Staged file bytes older than this are abandoned transfers and get deleted.')
param stagingRetentionDays int = 7

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    // checkov:skip=CKV_AZURE_35: the Flex app runs without a VNet here, so it reaches storage over the public endpoint; access is Entra ID-only (shared keys disabled)
    // checkov:skip=CKV_AZURE_59: public network access stays on for the same reason (no VNet); anonymous blob access is off and every request needs Entra ID
    // checkov:skip=CKV_AZURE_43: the name is computed from uniqueString(), which checkov cannot evaluate; 'st' + 13 lower-case chars meets the naming rules
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    isLocalUserEnabled: false
    isSftpEnabled: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

// Blob soft delete would bill every staged byte again for its retention days after the step deletes it:
// staging is bytes in flight (minutes), so it is off for blobs. What must not be lost lives elsewhere:
// the sync state in tables (write/delete logged below), tenant secrets in Key Vault (soft delete + purge
// protection). Container soft delete stays on: it costs nothing until a container is deleted by mistake.
resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: false
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource stagingContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: stagingContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for q in items(queueSettings): {
  parent: queueService
  name: q.value
}]

// Created up front (the host would create them on first failure) so alerts and dashboards can watch them.
resource poisonQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for q in items(queueSettings): {
  parent: queueService
  name: '${q.value}-poison'
}]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [for t in tableNames: {
  parent: tableService
  name: t
}]

// Staged bytes are transient (fetch -> staging -> upload); whatever is left behind is an abandoned transfer.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'expire-staged-bytes'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${stagingContainerName}/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: stagingRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
}

// Writes and deletes (not reads: queue polling would flood the workspace) of the queues and tables. The blob
// service holds staging (every chunk of every file in flight is a write and then a delete) and the deployment
// package: logging each would bill more than the bytes cost, so blobs send metrics only.
var storageLogs = [
  {
    category: 'StorageWrite'
    enabled: true
  }
  {
    category: 'StorageDelete'
    enabled: true
  }
]
var storageMetrics = [
  {
    category: 'Transaction'
    enabled: true
  }
]

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: blobService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    metrics: storageMetrics
  }
}

resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: queueService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: storageLogs
    metrics: storageMetrics
  }
}

resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: tableService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: storageLogs
    metrics: storageMetrics
  }
}

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
