"""The product's domain library: models, clients, storage and the sync engine.

Never imports azure.functions: trigger adapters live in functions/, and this package must run
(and be tested) without the Functions runtime.
"""
