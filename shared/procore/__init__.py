"""The product's Procore REST client (httpx): auth, company header, paging, rate limits, transfers,
Documents, Photos, the one-way tools and webhooks. Never imports azure.functions or emulators/.
"""
