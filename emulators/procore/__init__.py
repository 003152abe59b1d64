"""A faithful local emulator of the Procore REST API (loopback HTTP; see server.start and __main__).

Speaks only the public API; never imports shared/.
"""
