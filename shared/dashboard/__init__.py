"""The web dashboard: its static single-page app (static/), the figures it charts, one-time sign-in codes
and the on-demand actions the status API lacked. Never imports azure.functions.
"""
