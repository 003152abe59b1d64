"""Item messages name their tool explicitly: the JSON earlier code queued (which wrote the then-default
tool) still parses, and a message without a tool is refused loudly instead of guessing Documents."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.models.api import ToolKey
from shared.models.messages import METADATA, TRANSFER, ProcoreMetadata, SpToProcore

# As 0b010a8 queued them (model_dump_json of a message that relied on the default tool).
QUEUED_BEFORE: dict[TypeAdapter[Any], str] = {
    TRANSFER: '{"schema_version":1,"tenant_id":"t","link_id":"l","lane":"live","attempt":0,"kind":"sp_to_procore",'
              '"tool":"documents","sp_item_id":"S1","phase":"fetch","staged_blob":null,"quickxor":null,"etag":null,'
              '"size":null,"conflict_resolved":false,"seen_etag":"e1","sp_quickxor":null}',
    METADATA: '{"schema_version":1,"tenant_id":"t","link_id":"l","lane":"initial","attempt":2,'
              '"kind":"procore_metadata","tool":"documents","sp_item_id":"S2","action":"recycle"}',
}


@pytest.mark.parametrize("queue", list(QUEUED_BEFORE), ids=["transfer", "metadata"])
def test_messages_queued_before_still_parse_with_their_tool(queue: TypeAdapter[Any]) -> None:
    msg = queue.validate_json(QUEUED_BEFORE[queue])
    assert isinstance(msg, SpToProcore | ProcoreMetadata) and msg.tool is ToolKey.DOCUMENTS


@pytest.mark.parametrize("queue", list(QUEUED_BEFORE), ids=["transfer", "metadata"])
def test_a_message_without_a_tool_is_refused(queue: TypeAdapter[Any]) -> None:
    body = QUEUED_BEFORE[queue].replace('"tool":"documents",', "")
    with pytest.raises(ValidationError, match="tool"):
        queue.validate_json(body)


def test_senders_must_say_the_tool() -> None:
    with pytest.raises(ValidationError, match="tool"):
        SpToProcore(tenant_id="t", link_id="l", sp_item_id="S1")  # type: ignore[call-arg]
    assert SpToProcore(tenant_id="t", link_id="l", tool=ToolKey.DOCUMENTS, sp_item_id="S1").tool is ToolKey.DOCUMENTS
