"""Queue triggers of the pipeline: one per queue, each handing its message to shared.sync.dispatch.

Queue names are app settings (`%PCSYNC_QUEUE_*%`), so infra/ and local settings decide them; the
live and initial-sync queues of a step share one handler but scale and drain independently.
"""

from __future__ import annotations

import azure.functions as func
from pydantic import TypeAdapter

from shared.models import messages
from shared.runtime import services
from shared.sync import dispatch

bp = func.Blueprint()
CONNECTION = "AzureWebJobsStorage"


def _handle(msg: func.QueueMessage, setting: str, adapter: TypeAdapter) -> None:  # type: ignore[type-arg]
    svc = services()
    queue = getattr(svc.settings, setting)
    dispatch.handle(svc, queue, msg.get_body(), adapter, dequeue_count=msg.dequeue_count or 1,
                    delivery_id=msg.id or "")


@bp.queue_trigger(arg_name="msg", queue_name="%PCSYNC_QUEUE_LIVE%", connection=CONNECTION)
def detect_live(msg: func.QueueMessage) -> None:
    _handle(msg, "queue_live", messages.DETECT)


@bp.queue_trigger(arg_name="msg", queue_name="%PCSYNC_QUEUE_INITIAL_SYNC%", connection=CONNECTION)
def detect_initial(msg: func.QueueMessage) -> None:
    _handle(msg, "queue_initial_sync", messages.DETECT)


@bp.queue_trigger(arg_name="msg", queue_name="%PCSYNC_QUEUE_TRANSFER%", connection=CONNECTION)
def transfer_live(msg: func.QueueMessage) -> None:
    _handle(msg, "queue_transfer", messages.TRANSFER)


@bp.queue_trigger(arg_name="msg", queue_name="%PCSYNC_QUEUE_TRANSFER_INITIAL%", connection=CONNECTION)
def transfer_initial(msg: func.QueueMessage) -> None:
    _handle(msg, "queue_transfer_initial", messages.TRANSFER)


@bp.queue_trigger(arg_name="msg", queue_name="%PCSYNC_QUEUE_METADATA%", connection=CONNECTION)
def metadata_live(msg: func.QueueMessage) -> None:
    _handle(msg, "queue_metadata", messages.METADATA)


@bp.queue_trigger(arg_name="msg", queue_name="%PCSYNC_QUEUE_METADATA_INITIAL%", connection=CONNECTION)
def metadata_initial(msg: func.QueueMessage) -> None:
    _handle(msg, "queue_metadata_initial", messages.METADATA)


@bp.queue_trigger(arg_name="msg", queue_name="%PCSYNC_QUEUE_NOTIFY%", connection=CONNECTION)
def notify(msg: func.QueueMessage) -> None:
    _handle(msg, "queue_notify", messages.NOTIFY)
