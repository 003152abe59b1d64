"""`./dev bench` (python -m bench): the product measured on the local stack, beside a naive copier.

Tooling, like demo/: it drives the product only through the public APIs and the emulators' test-only
surface, and never changes product code; it may import shared/ clients to act as a person would.
"""
