"""Safety-net timers (schedules are app settings): renew the change feeds, check for missed changes
often and cheaply, reconcile less often.

Each only fans out one message per link (or per drive) onto the live queue (shared.safety.fanout); the
work runs there as a queue step, so a timer invocation stays short however many links exist. Each run is
one span (the root of the trace its messages carry).
"""

from __future__ import annotations

from datetime import UTC, datetime

import azure.functions as func

from shared.runtime import services
from shared.safety import fanout, queue_watch
from shared.sync.runners import digest
from shared.telemetry.spans import timer_span

bp = func.Blueprint()


@bp.timer_trigger(arg_name="timer", schedule="%PCSYNC_RENEW_SCHEDULE%")
def renew_feeds(timer: func.TimerRequest) -> None:
    """Every 6 h by default: renew Graph subscriptions, re-create missing ones, check Procore hooks."""
    with timer_span("renew_feeds"):
        fanout.fan_out_renewals(services())


@bp.timer_trigger(arg_name="timer", schedule="%PCSYNC_RECONCILE_SCHEDULE%")
def reconcile_links(timer: func.TimerRequest) -> None:
    """Every 15 min by default: per link in regular sync, a Procore watermark pass and housekeeping (and
    a delta run per drive)."""
    with timer_span("reconcile_links"):
        fanout.fan_out_reconciles(services())


@bp.timer_trigger(arg_name="timer", schedule="%PCSYNC_CHECK_SCHEDULE%")
def check_links(timer: func.TimerRequest) -> None:
    """Every 2 min by default: a delta run per drive and a Procore watermark pass per link in regular sync."""
    with timer_span("check_links"):
        fanout.fan_out_checks(services())


@bp.timer_trigger(arg_name="timer", schedule="%PCSYNC_METRICS_SCHEDULE%")
def measure_queues(timer: func.TimerRequest) -> None:
    """Every minute: queue depth, oldest message age and poison counts as metrics (alerts, workbook)."""
    with timer_span("measure_queues"):
        queue_watch.measure_queues(services())


@bp.timer_trigger(arg_name="timer", schedule="%PCSYNC_DIGEST_SCHEDULE%")
def weekly_digest(timer: func.TimerRequest) -> None:
    """Mondays 07:00 UTC by default: queue each tenant's weekly digest email (opt-out: settings.weekly_digest)."""
    with timer_span("weekly_digest"):
        digest.fan_out_digests(services(), datetime.now(UTC))
