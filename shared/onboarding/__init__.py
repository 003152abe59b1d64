"""Onboarding: tenants, their API keys and credentials, links, status, and the webhook receivers
(contract §4). Never imports azure.functions.

| route (under /api)                                   | host auth  | our check                     |
|------------------------------------------------------|------------|-------------------------------|
| POST tenants, POST tenants/{t}/api-key               | FUNCTION   | -                             |
| POST tenants/{t}/links, GET/DELETE .../links/{l},    | ANONYMOUS  | tenant bearer key (auth.py);  |
|   GET .../links/{l}/activity                         |            |   another tenant's ids -> 404 |
| operator/tenants/{t}/links... (same four)            | FUNCTION   | -                             |
| GET openapi.json                                     | ANONYMOUS  | -                             |
| POST webhooks/procore/{t}/{l}                        | ANONYMOUS  | hook Authorization (sha256)   |
| POST webhooks/graph                                  | ANONYMOUS  | clientState per notification  |

Modules: web (request/response/error shape), handlers (entry points, error -> status), auth,
tenants, access (pre-flight checks), registration (hooks, subscription, cursor, undo), links,
status, receivers, resources (webhook resource names), schemas (responses), openapi.
"""
