"""JSON $batch: up to 20 requests per call, answers correlated by id, inner 429/503 retried.

The outer answer is 200 even when inner requests fail. Inner requests throttled with Retry-After
(and those that then failed their dependsOn with 424) are sent again in a new batch after the
longest Retry-After among them, when that wait is short; otherwise their answers are returned as is.
Graph takes a batch only fully parallel (no dependsOn) or fully sequential (every request after the
first depends on earlier ones): `sequential` builds the latter, and a retried remainder stays valid.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared import errors
from shared.graph.session import GraphSession
from shared.http_policy import MAX_INLINE_WAIT_S, parse_retry_after

MAX_BATCH = 20
MAX_ROUNDS = 4
_THROTTLED = (429, 503)


class BatchRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    method: str
    url: str                                      # relative: "/drives/{id}/items/{id}"
    body: dict[str, Any] | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    depends_on: list[str] = Field(default_factory=list, alias="dependsOn")

    def wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "method": self.method, "url": self.url}
        headers = dict(self.headers)
        if self.body is not None:
            headers.setdefault("Content-Type", "application/json")
            out["body"] = self.body
        if headers:
            out["headers"] = headers
        if self.depends_on:
            out["dependsOn"] = self.depends_on
        return out


class BatchResponse(BaseModel):
    id: str
    status: int
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def sequential(requests: list[BatchRequest]) -> list[BatchRequest]:
    """The requests as a chain, each after the one before it (Graph runs them in this order; a failure
    answers every later one 424). For requests that must run in order, e.g. a folder and then its child."""
    return [r.model_copy(update={"depends_on": [requests[i - 1].id]}) if i else
            r.model_copy(update={"depends_on": []}) for i, r in enumerate(requests)]


def _valid(requests: list[BatchRequest]) -> list[BatchRequest]:
    """A retried remainder whose dependencies were partly dropped: chained where it became mixed."""
    later = requests[1:]
    if not any(r.depends_on for r in later) or all(r.depends_on for r in later):
        return requests
    out = [requests[0]]
    for r in later:
        out.append(r if r.depends_on else r.model_copy(update={"depends_on": [out[-1].id]}))
    return out


def _send(session: GraphSession, requests: list[BatchRequest]) -> dict[str, BatchResponse]:
    resp = session.request("POST", "/$batch", json={"requests": [r.wire() for r in requests]},
                           route="/$batch", idempotent=False)
    out = {}
    for raw in resp.json().get("responses", []):
        answer = BatchResponse.model_validate(raw)
        out[answer.id] = answer
    missing = {r.id for r in requests} - out.keys()
    if missing:
        raise errors.InvariantBroken(f"$batch answered without ids {sorted(missing)}")
    return out


def run_batch(session: GraphSession, requests: list[BatchRequest]) -> dict[str, BatchResponse]:
    """Run requests (in chunks of 20; a dependsOn chain must sit within one chunk)."""
    results: dict[str, BatchResponse] = {}
    for start in range(0, len(requests), MAX_BATCH):
        results.update(_run_chunk(session, requests[start:start + MAX_BATCH]))
    return results


def _run_chunk(session: GraphSession, chunk: list[BatchRequest]) -> dict[str, BatchResponse]:
    results: dict[str, BatchResponse] = {}
    todo = chunk
    for _ in range(MAX_ROUNDS):
        answers = _send(session, todo)
        results.update(answers)
        throttled = [r for r in todo if answers[r.id].status in _THROTTLED]
        if not throttled:
            return results
        waits = [parse_retry_after(answers[r.id].headers.get("Retry-After")
                                   or answers[r.id].headers.get("retry-after")) or 1.0 for r in throttled]
        wait = max(waits)
        if wait > MAX_INLINE_WAIT_S:
            return results
        again = {r.id for r in throttled}
        again |= {r.id for r in todo if answers[r.id].status == 424 and set(r.depends_on) & again}
        todo = _valid([r.model_copy(update={"depends_on": [d for d in r.depends_on if d in again]})
                       for r in todo if r.id in again])
        session.sleep(wait)
    return results
