"""Onboarding: tenants, their API keys and credentials, and links (contract §4). Never imports azure.functions."""
