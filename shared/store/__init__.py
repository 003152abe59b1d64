"""Storage layer: the only code that knows table keys, queue encoding and staging-blob names.

Tables, queues and containers are created on first use. Never imports azure.functions.
"""
