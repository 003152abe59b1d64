"""Telemetry: one trace per change (receiver -> queue hops -> API calls -> record), logs that carry the
tenant, link, item and operation ids as OpenTelemetry attributes, and the metrics operators alert on.

Exported to Application Insights when APPLICATIONINSIGHTS_CONNECTION_STRING is set, else to a local
JSON-lines file (PCSYNC_TELEMETRY_FILE). Never imports azure.functions.
"""
