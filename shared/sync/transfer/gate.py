"""The upload step's gate, the same in both directions: a small file goes straight through; a large one
only once its transfer is staged, and its sending goes on in the transfer's own steps.

The runner passes its upload as a function of the transfer key (None for a small file). A large upload
that raised Continued has handed itself on (lease, claim and staged bytes stay with the steps); one that
returned finished in this step (nothing to send, or the other side won), so its progress row is dropped.
Never imports azure.functions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from shared.models.transfers import Phase
from shared.sync.context import LinkContext
from shared.sync.transfer import budget, progress
from shared.sync.transfer.send_sp import Continued

log = logging.getLogger("pcsync.sync")


def upload_step(ctx: LinkContext, size: int | None, key: str, upload: Callable[[str | None], None],
                what: str) -> None:
    """Run `upload` for the file `what` of `size` bytes whose transfer (if large) is `key`."""
    if not budget.is_large(size):
        upload(None)
        return
    chunked = progress.get(ctx, key)
    if chunked is None or chunked.phase is not Phase.STAGED:
        log.info("upload of %s: transfer %s is %s", what, key, "gone (done)" if chunked is None else "sending already")
        return
    try:
        upload(key)
    except Continued:
        return   # the transfer's own steps send the bytes and record the result
    progress.forget(ctx, key)
