// What an operator alerts on and looks at (shared/telemetry/metrics.py names the metrics): one alert for
// poison messages, one for throttling that lasts, and a workbook charting queues, latency, 429s and failures.
param appInsightsName string
param location string
param tags object = {}
@description('Where alert mail goes; empty: the alerts fire in the portal only (no action group).')
param alertEmail string = ''
@description('5-minute windows in a row in which a service answered 429 before the throttling alert fires (4: 20 minutes).')
@minValue(3)
@maxValue(6)
param throttledWindows int = 4

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-pcsync-${uniqueString(appInsights.id)}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'pcsync'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actions = empty(alertEmail) ? {} : {
  actionGroups: [
    actionGroup.id
  ]
}
var poisonQuery = 'customMetrics | where name == "pcsync.queue.poison" | extend queue = tostring(customDimensions.queue) | summarize poison = max(value) by queue'
var throttledQuery = 'customMetrics | where name == "pcsync.http.throttled" | extend service = tostring(customDimensions.service) | summarize throttled = sum(value) by service'

resource poisonAlert 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: 'alert-pcsync-poison-${uniqueString(appInsights.id)}'
  location: location
  tags: tags
  properties: {
    displayName: 'pcsync: messages in a poison queue'
    description: 'A pipeline step failed on every delivery and its message went to <queue>-poison; the item is recorded as failed. See the README, Queues and poison queues.'
    severity: 1
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: poisonQuery
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'poison'
          dimensions: [
            {
              name: 'queue'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: actions
  }
}

resource throttledAlert 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: 'alert-pcsync-throttled-${uniqueString(appInsights.id)}'
  location: location
  tags: tags
  properties: {
    displayName: 'pcsync: Procore or Microsoft Graph keeps throttling us'
    description: 'A service answered 429 in every 5-minute window for a while: syncing slows down; check the load per tenant and the rate limits.'
    severity: 2
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: throttledQuery
          timeAggregation: 'Total'
          metricMeasureColumn: 'throttled'
          dimensions: [
            {
              name: 'service'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: throttledWindows
            minFailingPeriodsToAlert: throttledWindows
          }
        }
      ]
    }
    autoMitigate: true
    actions: actions
  }
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(appInsights.id, 'pcsync-operations')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'pcsync operations'
    category: 'workbook'
    sourceId: appInsights.id
    serializedData: loadTextContent('../workbooks/operations.json')
  }
}

output workbookId string = workbook.id
