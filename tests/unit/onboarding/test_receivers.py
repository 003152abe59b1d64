"""The Graph receiver's cheap half: a batch reduced to distinct notices, sliced into queue messages."""

from __future__ import annotations

import json
import uuid

import pytest
from pydantic import ValidationError

from shared.models.messages import GraphNotices
from shared.onboarding.receivers import (
    GRAPH_BATCH,
    MAX_DISTINCT_NOTICES,
    GraphNotification,
    reduce_batch,
    split_notices,
)
from shared.store.queues import encode_message
from shared.sync.hooks import secret_hash


def _batch(notes: list[dict[str, object]]) -> list[GraphNotification]:
    return GRAPH_BATCH.validate_json(json.dumps({"value": notes}))["value"]


def test_duplicates_collapse_and_client_state_travels_only_as_its_hash() -> None:
    sid = str(uuid.uuid4())
    note = {"subscriptionId": sid, "clientState": "s3cr3t", "changeType": "updated", "resource": "drives/d/root"}
    notices, malformed = reduce_batch(_batch([note] * 300 + [{**note, "lifecycleEvent": "reauthorizationRequired"}]))
    assert malformed == 0 and len(notices) == 2
    assert {n.state_hash for n in notices} == {secret_hash("s3cr3t")} and {n.sid for n in notices} == {sid}
    assert "s3cr3t" not in GraphNotices(notices=notices).model_dump_json()
    assert sorted(str(n.lifecycle) for n in notices) == ["None", "reauthorizationRequired"]


def test_notifications_no_subscription_of_ours_could_send_are_counted_not_kept() -> None:
    good = {"subscriptionId": "a", "clientState": "s"}
    bad = [{"subscriptionId": "a"}, {"subscriptionId": "a", "clientState": ""},
           {"subscriptionId": "x" * 129, "clientState": "s"}, {"subscriptionId": "a", "clientState": "s" * 129},
           {"subscriptionId": "", "clientState": "s"}, {**good, "lifecycleEvent": "e" * 65}]
    notices, malformed = reduce_batch(_batch([good, *bad]))
    assert malformed == len(bad) and [n.sid for n in notices] == ["a"]


def test_a_large_batch_fits_a_few_queue_messages_under_the_size_limit() -> None:
    notes = [{"subscriptionId": str(uuid.uuid4()), "clientState": uuid.uuid4().hex * 4} for _ in range(5000)]
    notes += [{"subscriptionId": "y" * 128, "clientState": "z" * 128, "lifecycleEvent": "l" * 64}] * 2
    notices, malformed = reduce_batch(_batch(notes))
    chunks = split_notices(notices)
    assert malformed == 0 and len(notices) == 5001 and sum(map(len, chunks)) == 5001
    assert [n for chunk in chunks for n in chunk] == notices and len(chunks) <= 20
    for chunk in chunks:
        encode_message(GraphNotices(notices=chunk), "base64")   # raises past the 64 KB queue limit
    assert split_notices([]) == []


def test_past_the_cap_of_distinct_notices_the_rest_is_counted_not_kept() -> None:
    notes = [{"subscriptionId": f"{n:08x}", "clientState": "s"} for n in range(MAX_DISTINCT_NOTICES + 7)]
    notices, ignored = reduce_batch(_batch(notes))
    assert len(notices) == MAX_DISTINCT_NOTICES and ignored == 7
    assert notices[-1].sid == f"{MAX_DISTINCT_NOTICES - 1:08x}"


def test_a_batch_that_is_not_a_graph_batch_does_not_parse() -> None:
    for body in (b"[]", b'{"value": {}}', b'{"value": [{"clientState": "s"}]}', b'{"value": [{"subscriptionId": 1}]}'):
        with pytest.raises(ValidationError):
            GRAPH_BATCH.validate_json(body)
