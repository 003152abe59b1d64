"""The marker of a step put back on its queue with a delay (table `deferrals`).

At-least-once delivery runs one message several times; each run that defers would send its own delayed
copy, and the copies would multiply at every retry. One row per (link, message without its attempt
count) names the pending copy: when it is due and which delivery sent it. Never imports azure.functions.
"""

from __future__ import annotations

from datetime import datetime

from shared.models.rows import Row


class DeferralRow(Row):
    scope: str                 # the link id (or UNBOUND_SCOPE for messages bound to no link)
    key: str                   # deferral_key(queue, message): the same for every delivery and attempt
    holder: str                # the delivery (queue message id) that sent the pending copy
    due_at: datetime           # when the pending copy becomes visible; after that nothing is pending
    attempt: int = 0           # the pending copy's attempt (for the reader; the rule does not need it)
