"""Safety-net timers (architecture §1, §3): renew the change feeds, and reconcile what a dropped
notification or webhook missed. Pure rules (renewal, watermark) and the timers' fan-out live here (each
tool's Procore change feed is its adapter's `changes`); the per-link steps are
shared/sync/runners/renew.py and reconcile.py.
Never imports azure.functions.
"""
