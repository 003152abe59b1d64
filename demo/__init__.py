"""`./dev demo`: the product end to end on the local stack, as a customer would see it.

Starts Azurite + the emulators + the local Functions host, onboards a seeded Procore project through
the public API, shows the initial sync and a person's live edits arrive in SharePoint, and summarises.
The generic pieces (stack, onboarding, tree readers) are also what the end-to-end tests use.
"""
