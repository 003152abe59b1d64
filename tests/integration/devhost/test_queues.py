"""Queue triggers through the real host process: output binding -> trigger chain, retries and poison,
undecodable messages, batch concurrency and visibility renewal (the host runs with a 2 s fetch visibility)."""

from __future__ import annotations

import json
import time
import uuid

from tests.integration.devhost.conftest import RunningHost, drain_queue, queue, wait_for

FUNCTION = "function-key-for-tests"


def _done_messages(host: RunningHost, collected: list[dict]) -> list[dict]:
    collected.extend(json.loads(m) for m in drain_queue(queue(host.conn, host.settings["DONE_QUEUE"])))
    return collected


def test_http_output_binding_feeds_the_queue_trigger(pipeline: RunningHost) -> None:
    tag = uuid.uuid4().hex
    r = pipeline.client.post("/api/items/7", params={"code": FUNCTION}, json={"note": tag})
    assert r.status_code == 202 and r.json() == {"id": 7, "note": tag}
    seen: list[dict] = []
    done = wait_for(lambda: [m for m in _done_messages(pipeline, seen) if m.get("note") == tag],
                    what="the queue function's output message")
    assert len(done) == 1
    assert done[0]["id"] == 7 and done[0]["dequeue_count"] == 1 and done[0]["function"] == "process"
    assert done[0]["has_pop_receipt"] and done[0]["inserted"]
    assert len(pipeline.calls(fn="process", message_id=done[0]["message_id"])) == 1


def test_failing_message_is_retried_then_poisoned(pipeline: RunningHost) -> None:
    work = pipeline.settings["WORK_QUEUE"]
    body = json.dumps({"fail": True, "tag": uuid.uuid4().hex})
    sent = queue(pipeline.conn, work).send_message(body)
    poisoned = wait_for(lambda: [m for m in drain_queue(queue(pipeline.conn, f"{work}-poison")) if m == body],
                        what="the poison message")
    assert poisoned == [body]  # still base64 on the poison queue; the base64 client decoded it back
    calls = pipeline.calls(fn="process", message_id=sent.id)
    assert [c["dequeue_count"] for c in calls] == [1, 2, 3]  # host.json maxDequeueCount = 3
    time.sleep(0.6)  # longer than maxPollingInterval: the message must not come back
    assert len(pipeline.calls(fn="process", message_id=sent.id)) == 3
    assert queue(pipeline.conn, work).get_queue_properties().approximate_message_count == 0


def test_undecodable_message_goes_to_poison_without_a_call(pipeline: RunningHost) -> None:
    work = pipeline.settings["WORK_QUEUE"]
    bad = queue(pipeline.conn, work, base64=False).send_message("plain text is not base64 !")
    poisoned = wait_for(lambda: drain_queue(queue(pipeline.conn, f"{work}-poison", base64=False)),
                        what="the poison message")
    assert poisoned == ["plain text is not base64 !"]
    # control: a good message sent afterwards is processed, so the host was polling all along
    good = queue(pipeline.conn, work).send_message(json.dumps({"tag": "control"}))
    wait_for(lambda: pipeline.calls(fn="process", message_id=good.id), what="the control message")
    assert pipeline.calls(fn="process", message_id=bad.id) == []
    assert "Message decoding has failed" in pipeline.log()


def test_a_batch_runs_concurrently(pipeline: RunningHost) -> None:
    slow = queue(pipeline.conn, pipeline.settings["SLOW_QUEUE"])
    tags = [f"batch-{uuid.uuid4().hex[:6]}-{i}" for i in range(4)]
    for tag in tags:
        slow.send_message(json.dumps({"tag": tag, "seconds": 1.0}))
    ends = wait_for(lambda: [c for c in pipeline.calls(fn="slow", event="end") if c["tag"] in tags]
                    if len([c for c in pipeline.calls(fn="slow", event="end") if c["tag"] in tags]) == 4 else None,
                    what="four slow messages")
    starts = [c for c in pipeline.calls(fn="slow", event="start") if c["tag"] in tags]
    assert len(starts) == 4
    assert max(c["at"] for c in starts) < min(c["at"] for c in ends)  # all four were running at once


def test_visibility_is_renewed_while_the_function_runs(pipeline: RunningHost) -> None:
    slow = queue(pipeline.conn, pipeline.settings["SLOW_QUEUE"])
    tag = f"renew-{uuid.uuid4().hex[:6]}"
    slow.send_message(json.dumps({"tag": tag, "seconds": 4.5}))  # > 2 s fetch visibility, twice over
    wait_for(lambda: pipeline.calls(fn="slow", event="end", tag=tag), timeout=20, what="the slow message")
    starts = pipeline.calls(fn="slow", event="start", tag=tag)
    assert [s["dequeue_count"] for s in starts] == [1]  # never redelivered while running
    time.sleep(2.5)  # if it had not been deleted it would be visible again by now
    assert len(pipeline.calls(fn="slow", event="start", tag=tag)) == 1
    assert tag not in "".join(drain_queue(slow))
