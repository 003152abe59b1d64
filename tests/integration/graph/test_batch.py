"""$batch through the client: correlation by id, dependsOn with 424, a 429 with Retry-After inside a
200 envelope retried after its own Retry-After, chunking past 20, and the emulator's limits."""

from __future__ import annotations

import time
from typing import Any

import httpx

from shared.graph import content, items
from shared.graph.batch import BatchRequest, run_batch
from shared.graph.models import DriveItem
from shared.graph.session import GraphSession


def test_batch_gets_and_depends_on_424(app: GraphSession, drive_id: str, folder: DriveItem) -> None:
    f = content.put_new_small(app, drive_id, folder.id, "b.txt", b"x")
    reqs = [
        BatchRequest(id="1", method="GET", url=f"/drives/{drive_id}/items/{f.id}"),
        BatchRequest(id="2", method="GET", url=f"/drives/{drive_id}/items/01NOPE000000000000000000000000000"),
        BatchRequest(id="3", method="PATCH", url=f"/drives/{drive_id}/items/{f.id}", body={"name": "c.txt"},
                     dependsOn=["2"]),
        BatchRequest(id="4", method="PATCH", url=f"/drives/{drive_id}/items/{f.id}", body={"name": "d.txt"},
                     headers={"If-Match": f.etag or ""}, dependsOn=["1"]),
    ]
    out = run_batch(app, reqs)
    assert out["1"].status == 200 and out["1"].body["name"] == "b.txt"
    assert out["2"].status == 404 and out["3"].status == 424
    assert out["4"].status == 200 and out["4"].body["name"] == "d.txt"


def test_429_inside_batch_is_retried(app: GraphSession, drive_id: str, folder: DriveItem,
                                     control: httpx.Client, desc: dict[str, Any]) -> None:
    a = items.create_folder(app, drive_id, folder.id, "A")
    control.post("/throttle", json={"status": 429, "retry_after": 1, "count": 1,
                                    "match": "^GET /drives/.*/items/{item-id}$"}).raise_for_status()
    control.post("/reset-stats").raise_for_status()
    started = time.monotonic()
    out = run_batch(app, [
        BatchRequest(id="get", method="GET", url=f"/drives/{drive_id}/items/{a.id}"),
        BatchRequest(id="ren", method="PATCH", url=f"/drives/{drive_id}/items/{a.id}", body={"name": "A2"},
                     dependsOn=["get"]),
    ])
    assert time.monotonic() - started >= 1.0               # waited the inner Retry-After
    assert out["get"].status == 200 and out["ren"].status == 200 and out["ren"].body["name"] == "A2"
    routes = control.get("/stats").json()["clients"][desc["app"]["client_id"]]["routes"]
    assert routes["POST /$batch"] == 2                     # the envelope was 200 both times
    assert routes["GET /drives/{drive-id}/items/{item-id}"] == 2
    assert app.throttle.throttle_events == 0               # the envelope itself was never throttled


def test_inner_429_visible_on_the_wire(raw: httpx.Client, drive_id: str, root: DriveItem,
                                       control: httpx.Client) -> None:
    control.post("/throttle", json={"status": 429, "retry_after": 7, "count": 1,
                                    "match": "items/{item-id}$"}).raise_for_status()
    resp = raw.post("/$batch", json={"requests": [
        {"id": "1", "method": "GET", "url": f"/drives/{drive_id}/items/{root.id}"}]})
    assert resp.status_code == 200
    inner = resp.json()["responses"][0]
    assert inner["status"] == 429 and inner["headers"]["Retry-After"] == "7"
    assert inner["body"]["error"]["code"] == "activityLimitReached"


def test_more_than_20_requests(app: GraphSession, raw: httpx.Client, drive_id: str, root: DriveItem) -> None:
    reqs = [BatchRequest(id=str(i), method="GET", url=f"/drives/{drive_id}/items/{root.id}") for i in range(45)]
    out = run_batch(app, reqs)
    assert len(out) == 45 and all(r.status == 200 for r in out.values())
    too_many = raw.post("/$batch", json={"requests": [r.wire() for r in reqs[:21]]})
    assert too_many.status_code == 400
    dup = raw.post("/$batch", json={"requests": [reqs[0].wire(), reqs[0].wire()]})
    assert dup.status_code == 400
    no_ctype = raw.post("/$batch", json={"requests": [
        {"id": "1", "method": "PATCH", "url": f"/drives/{drive_id}/items/{root.id}", "body": {"name": "x"}}]})
    assert no_ctype.status_code == 400
