"""Large transfers split over queue steps, in both directions (architecture §3).

A file above STEP_BYTES is fetched into a staging blob and sent to its destination one bounded range
per step; each step records its progress in the `transfers` table and sends itself the next step.
Smaller files keep the one-step path of runners/transfer.py and runners/to_procore.py.
"""
