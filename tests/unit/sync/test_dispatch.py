"""Every message any queue can carry has a step that runs it (style R4: no kind falls through to
"no runner" at run time), and every runner belongs to a message a queue can carry."""

from __future__ import annotations

import typing

from pydantic import BaseModel

from shared.models import messages as m
from shared.sync.dispatch import RUNNERS, UNBOUND_RUNNERS


def _kinds(adapter_type: object) -> set[type[BaseModel]]:
    args = typing.get_args(adapter_type)
    union = args[0] if args and typing.get_origin(adapter_type) is typing.Annotated else adapter_type
    members = typing.get_args(union) or (union,)
    return {t for t in members if isinstance(t, type) and issubclass(t, BaseModel)}


def test_every_queued_message_kind_has_a_runner() -> None:
    queued = set().union(*(_kinds(a) for a in (m.DetectMessage, m.TransferMessage, m.MetadataMessage,
                                               m.SendNotification)))
    in_process = set(m.IN_PROCESS_MESSAGES)
    assert not queued & in_process
    # every model is queued, except those passed in process (the recorder's input)
    assert len(queued) + len(in_process) == len(m._Message.__subclasses__()) + len(m.UNBOUND_MESSAGES)
    assert queued == set(RUNNERS) | set(UNBOUND_RUNNERS)
    assert not set(RUNNERS) & set(UNBOUND_RUNNERS) and set(UNBOUND_RUNNERS) == set(m.UNBOUND_MESSAGES)
