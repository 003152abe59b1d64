"""The product's Microsoft Graph client (httpx + msal), one module per concern.

session (requests, retries, throttle state), auth (MSAL), sites, items, content, upload, delta,
subscriptions, batch, mail, fields, quickxor. Never imports azure.functions or emulators/.
"""
