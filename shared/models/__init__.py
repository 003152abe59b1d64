"""Pydantic models at the boundaries: API payloads, queue messages and table rows."""
