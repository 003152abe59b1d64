"""Faithful local emulators of Procore and Microsoft Graph, for tests and the demo.

They speak only the public APIs (plus the /_emulator/ test surface of contract §3) and are never
imported by shared/ or functions/.
"""
