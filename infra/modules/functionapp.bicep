// The function app on the Flex Consumption plan (Linux, Python 3.11). The code package lives in a blob
// container read with the user-assigned identity; runtime and scale come from functionAppConfig, not from
// the classic app settings (FUNCTIONS_WORKER_RUNTIME, WEBSITE_CONTENT*, ... are not used on Flex).
param name string
param planName string
param location string
param tags object = {}
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerName string
param appInsightsName string
@description('App settings from main.bicep (identity-based storage connection and the PCSYNC_* settings).')
param appSettings object
@description('Public origin for webhook registrations; empty: https://<default host name>.')
param publicBaseUrl string = ''
param maximumInstanceCount int = 100
param instanceMemoryMB int = 2048
@description('Always-ready instances for the HTTP group: webhook receivers must answer within 3 s (Graph) / 5 s (Procore) even after idle time. 0 saves the baseline cost.')
param alwaysReadyHttpInstances int = 1
param pythonVersion string = '3.11'
@description('Zone-redundant Flex plan; only some regions offer it, so it is opt-in.')
param zoneRedundant bool = false

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    // checkov:skip=CKV_AZURE_225: zone redundancy is opt-in through the zoneRedundant parameter because only some Flex Consumption regions support it
    reserved: true
    zoneRedundant: zoneRedundant
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    // checkov:skip=CKV_AZURE_222: the app is the public endpoint for Procore webhooks and Graph change notifications; every route checks a function key, tenant key or per-subscription secret
    // checkov:skip=CKV_AZURE_17: Procore and Graph cannot present client certificates to a webhook receiver
    // checkov:skip=CKV_AZURE_16: Easy Auth would reject Procore/Graph deliveries and function-key callers; authentication is done per route
    // checkov:skip=CKV_AZURE_78: Flex Consumption has no FTP(S) deployment (packages go to the blob container) and does not take the ftpsState property
    // checkov:skip=CKV_AZURE_212: Flex Consumption has no site-wide instance minimum; the HTTP group gets always-ready instances (alwaysReadyHttpInstances) and the rest scales per function
    // checkov:skip=CKV_AZURE_18: Flex Consumption sites do not take siteConfig.http20Enabled (not in the Flex samples or the Flex site-config reference), so it is not sent
    // checkov:skip=CKV_AZURE_67: same property as CKV_AZURE_18 for function apps: http20Enabled is not a Flex Consumption setting
    // checkov:skip=CKV_AZURE_213: the platform health check (instance eviction) is not used on a scale-to-zero Flex app; GET /api/health is the external liveness probe
    serverFarmId: plan.id
    httpsOnly: true
    // Only what Flex Consumption accepts (tests/infra/test_flex_site.py holds the list): the Flex samples
    // (Azure-Samples/azure-functions-flex-consumption-samples) set runtime, scale and deployment through
    // functionAppConfig and leave the classic site config alone; the classic toggles (remote debugging, HTTP/2,
    // SCM TLS) are in neither the samples nor the Flex site-config reference, so they are not sent.
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: (alwaysReadyHttpInstances > 0) ? [
          {
            name: 'http'
            instanceCount: alwaysReadyHttpInstances
          }
        ] : []
      }
      runtime: {
        name: 'python'
        version: pythonVersion
      }
    }
  }
}

var origin = empty(publicBaseUrl) ? 'https://${site.properties.defaultHostName}' : publicBaseUrl

// A separate config resource so the settings can name the site's own host name.
// checkov reads this 'appsettings' resource as if it were the site's 'web' config, hence the skips.
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  // checkov:skip=CKV_AZURE_13: App Service Authentication stays off by design: Easy Auth would reject Procore/Graph deliveries; each route authenticates
  // checkov:skip=CKV_AZURE_222: the app is the public endpoint for Procore webhooks and Graph change notifications
  // checkov:skip=CKV_AZURE_63: App Service HTTP logs do not exist on Flex Consumption; requests are logged to Application Insights
  // checkov:skip=CKV_AZURE_65: detailed error pages are an App Service web-server feature that Flex Consumption lacks; errors go to Application Insights
  // checkov:skip=CKV_AZURE_66: failed request tracing is an App Service web-server feature that Flex Consumption lacks; failures go to Application Insights
  // checkov:skip=CKV_AZURE_80: a Python app; no .NET Framework version applies
  // checkov:skip=CKV_AZURE_88: Flex Consumption has no Azure Files content share; the package is in a blob container (functionAppConfig.deployment)
  parent: site
  name: 'appsettings'
  properties: union(appSettings, {
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    PCSYNC_PUBLIC_BASE_URL: origin
  })
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}'
output publicBaseUrl string = origin
