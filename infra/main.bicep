// Procore <-> SharePoint sync: everything `azd up` deploys.
// One resource group holding a Flex Consumption function app (Python 3.11), its storage account (queues,
// state tables, deployment container), a locally-redundant staging account for file bytes in flight, Key
// Vault for tenant credentials, Log Analytics +
// Application Insights, and a user-assigned managed identity that reaches all of them without keys.
// App-setting names come from shared/config.py; tests/infra checks both sides agree.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; seeds the resource names and the azd-env-name tag.')
param environmentName string

// Restricted to the regions that offer Flex Consumption by the preprovision hook (infra/hooks/preflight.py),
// which asks the subscription's live list (Microsoft.Web/geoRegions?sku=FlexConsumption, what
// `az functionapp list-flexconsumption-locations` reads) rather than a copied @allowed list that goes stale.
@minLength(1)
@description('Region for every resource; must offer Flex Consumption (and, with zoneRedundant, Flex zone redundancy). `azd provision` refuses any other before deploying.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of an operator (user or group) who may rotate tenant secrets and handle poison messages. Empty: no human access.')
param operatorPrincipalId string = ''

@description('Kind of principal operatorPrincipalId names (azd env AZURE_OPERATOR_PRINCIPAL_TYPE); a role assignment to a group fails unless this says Group.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param operatorPrincipalType string = 'User'

@description('Public origin the webhooks are registered under, e.g. a custom domain. Empty: the app\'s default https host name.')
param publicBaseUrl string = ''

@description('Where the operator alerts (poison messages, lasting throttling) are mailed; empty: portal only.')
param alertEmail string = ''

@minLength(3)
@description('Mailbox (UPN or user id) notification mail is sent from (tenants may override it with settings.mail_from). Required: without it no initial-sync or breaker email can be sent. Set it with `azd env set AZURE_MAIL_SENDER <mailbox>`.')
param mailSender string

@description('Upper bound on the app\'s instances (Flex Consumption scales each function group on its own within it).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Always-ready instances for the HTTP functions (webhook receivers answer within seconds even after idle time); 0 saves the baseline cost. With zoneRedundant at least 2.')
@minValue(0)
@maxValue(20)
param alwaysReadyHttpInstances int = 1

// Zone redundancy on Flex Consumption (https://learn.microsoft.com/azure/reliability/reliability-functions and
// https://learn.microsoft.com/azure/azure-functions/functions-zone-redundancy, Flex
// pivot): always-ready instances spread over at least two zones, and the platform keeps (and bills) at least 2
// always-ready instances for every per-function scaling group whatever the configuration says; the app's storage
// must be zone-redundant too. So the switch forces both below; the preflight hook checks the region offers it
// (geoRegions orgDomain FCZONEREDUNDANCY).
@description('Zone-redundant Flex plan and storage (only in regions that offer it; costs 2 always-ready instances per function group, see README).')
param zoneRedundant bool = false

@description('Storage redundancy: the account holds the last agreed sync state, so geo-redundant by default. With zoneRedundant the geo-zone-redundant twin (GRS -> GZRS, RA-GRS -> RA-GZRS) is deployed.')
@allowed([
  'Standard_GRS'
  'Standard_RAGRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
param storageSkuName string = 'Standard_GRS'

@minLength(8)
@description('Per-instance seed of the Key Vault name (azd env AZURE_KEY_VAULT_SEED, chosen by the preprovision hook): the live vault\'s seed while the environment exists, a new one once it is gone, so a re-created environment never collides with (or adopts) a purge-protected vault left in soft delete.')
param keyVaultSeed string

var abbrs = {
  resourceGroup: 'rg-'
  functionApp: 'func-'
  appServicePlan: 'plan-'
  storageAccount: 'st'
  stagingAccount: 'stg'
  keyVault: 'kv-'
  logAnalytics: 'log-'
  appInsights: 'appi-'
  managedIdentity: 'id-'
}
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var keyVaultToken = toLower(uniqueString(subscription().id, environmentName, location, keyVaultSeed))
var minZoneRedundantAlwaysReady = 2
var alwaysReadyHttp = zoneRedundant ? max(minZoneRedundantAlwaysReady, alwaysReadyHttpInstances) : alwaysReadyHttpInstances
var zoneRedundantStorageSkus = {
  Standard_GRS: 'Standard_GZRS'
  Standard_RAGRS: 'Standard_RAGZRS'
  Standard_GZRS: 'Standard_GZRS'
  Standard_RAGZRS: 'Standard_RAGZRS'
}
var storageSku = zoneRedundant ? zoneRedundantStorageSkus[storageSkuName] : storageSkuName
// Staged bytes live minutes and are fetched again if lost: never geo-replicated, zone-redundant with the app.
var stagingStorageSku = zoneRedundant ? 'Standard_ZRS' : 'Standard_LRS'
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = '${abbrs.functionApp}${resourceToken}'
var deploymentContainerName = 'app-package'

// ---- What the product uses (same names and defaults as shared/config.py) ----

// Queue-name settings -> queue names. Each queue also gets its '-poison' twin.
var queueSettings = {
  PCSYNC_QUEUE_LIVE: 'live-changes'
  PCSYNC_QUEUE_INITIAL_SYNC: 'initial-sync'
  PCSYNC_QUEUE_TRANSFER: 'transfer'
  PCSYNC_QUEUE_TRANSFER_INITIAL: 'transfer-initial'
  PCSYNC_QUEUE_METADATA: 'metadata'
  PCSYNC_QUEUE_METADATA_INITIAL: 'metadata-initial'
  PCSYNC_QUEUE_NOTIFY: 'notify'
}
var scheduleSettings = {
  PCSYNC_RECONCILE_SCHEDULE: '0 */15 * * * *'
  PCSYNC_RENEW_SCHEDULE: '0 30 */6 * * *'
  PCSYNC_CHECK_SCHEDULE: '30 */2 * * * *'
  PCSYNC_METRICS_SCHEDULE: '45 * * * * *'
  PCSYNC_DIGEST_SCHEDULE: '0 0 7 * * 1'
}
var tableNames = [
  'tenants'
  'links'
  'items'
  'itemsBySp'
  'cursors'
  'subscriptions'
  'activity'
  'notifications'
  'deletes'
  'leases'
  'transfers'
  'deferrals'
]
var stagingContainerName = 'staging'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourceGroup}${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentity}${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.logAnalytics}${resourceToken}'
    appInsightsName: '${abbrs.appInsights}${resourceToken}'
    location: location
    tags: tags
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    appInsightsName: monitoring.outputs.appInsightsName
    location: location
    tags: tags
    alertEmail: alertEmail
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageAccount}${resourceToken}'
    location: location
    tags: tags
    skuName: storageSku
    queueSettings: queueSettings
    tableNames: tableNames
    stagingContainerName: stagingContainerName
    deploymentContainerName: deploymentContainerName
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

module staging 'modules/staging.bicep' = {
  name: 'staging'
  scope: rg
  params: {
    name: '${abbrs.stagingAccount}${resourceToken}'
    location: location
    tags: tags
    stagingSkuName: stagingStorageSku
    stagingContainerName: stagingContainerName
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVault}${keyVaultToken}'
    location: location
    tags: tags
    seed: keyVaultSeed
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    stagingAccountName: staging.outputs.name
    keyVaultName: keyVault.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: operatorPrincipalId
    operatorPrincipalType: operatorPrincipalType
  }
}

// Identity-based storage connection (no keys), then the product's own settings.
var appSettings = union(queueSettings, scheduleSettings, {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  AzureWebJobsStorage__blobServiceUri: storage.outputs.blobEndpoint
  AzureWebJobsStorage__queueServiceUri: storage.outputs.queueEndpoint
  AzureWebJobsStorage__tableServiceUri: storage.outputs.tableEndpoint
  AZURE_CLIENT_ID: identity.outputs.clientId
  PCSYNC_STAGING_CONTAINER: stagingContainerName
  PCSYNC_STAGING_BLOB_URI: staging.outputs.blobEndpoint
  PCSYNC_SECRET_STORE: 'keyvault'
  PCSYNC_KEY_VAULT_URI: keyVault.outputs.uri
  PCSYNC_MAIL_SENDER: mailSender
})

module api 'modules/functionapp.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.appServicePlan}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    appInsightsName: monitoring.outputs.appInsightsName
    appSettings: appSettings
    publicBaseUrl: publicBaseUrl
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    alwaysReadyHttpInstances: alwaysReadyHttp
    zoneRedundant: zoneRedundant
  }
  dependsOn: [
    rbac
  ]
}

// ---- Outputs (azd stores them in .azure/<env>/.env; none is a secret) ----
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = api.outputs.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output FUNCTION_APP_URL string = api.outputs.url
output PUBLIC_BASE_URL string = api.outputs.publicBaseUrl
output WEBHOOK_BASE_URL string = '${api.outputs.publicBaseUrl}/api'
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STAGING_STORAGE_ACCOUNT_NAME string = staging.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.appInsightsName
output LOG_ANALYTICS_WORKSPACE_NAME string = monitoring.outputs.logAnalyticsName
