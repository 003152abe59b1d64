"""$batch through the client: correlation by id, dependsOn with 424, a 429 with Retry-After inside a
200 envelope retried after its own Retry-After, chunking past 20, the emulator's limits (Graph's: a batch
fully parallel or fully sequential, dependencies on earlier requests only), and folders made in one call."""

from __future__ import annotations

import time
from typing import Any

import httpx

from shared.graph import content, items
from shared.graph.batch import BatchRequest, run_batch, sequential
from shared.graph.folders import NewFolder, create_folders
from shared.graph.models import DriveItem
from shared.graph.session import GraphSession


def test_batch_gets_and_depends_on_424(app: GraphSession, drive_id: str, folder: DriveItem) -> None:
    f = content.put_new_small(app, drive_id, folder.id, "b.txt", b"x")
    reqs = [
        BatchRequest(id="1", method="GET", url=f"/drives/{drive_id}/items/{f.id}"),
        BatchRequest(id="2", method="GET", url=f"/drives/{drive_id}/items/01NOPE000000000000000000000000000",
                     dependsOn=["1"]),
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


def test_a_batch_is_fully_parallel_or_fully_sequential(raw: httpx.Client, drive_id: str, root: DriveItem) -> None:
    get = {"method": "GET", "url": f"/drives/{drive_id}/items/{root.id}"}
    mixed = raw.post("/$batch", json={"requests": [{"id": "1", **get}, {"id": "2", **get},
                                                   {"id": "3", **get, "dependsOn": ["1"]}]})
    assert mixed.status_code == 400 and "fully sequential or fully parallel" in mixed.json()["error"]["message"]
    forward = raw.post("/$batch", json={"requests": [{"id": "1", **get, "dependsOn": ["2"]},
                                                     {"id": "2", **get, "dependsOn": ["1"]}]})
    assert forward.status_code == 400 and forward.json()["error"]["code"] == "BadRequest"
    chain = raw.post("/$batch", json={"requests": [{"id": "1", **get}, {"id": "2", **get, "dependsOn": ["1"]},
                                                   {"id": "3", **get, "dependsOn": ["1"]}]})
    assert chain.status_code == 200 and {r["status"] for r in chain.json()["responses"]} == {200}


def test_a_throttled_request_in_a_chain_is_sent_again_as_a_valid_batch(app: GraphSession, drive_id: str,
                                                                      folder: DriveItem,
                                                                      control: httpx.Client) -> None:
    """Throttled in the middle of a tree of dependencies: the remainder (its dependants 424) is sent again,
    still fully sequential, so Graph takes it."""
    a = items.create_folder(app, drive_id, folder.id, "T")
    control.post("/throttle", json={"status": 429, "retry_after": 1, "count": 2,
                                    "match": "^GET /drives/.*/items/{item-id}$"}).raise_for_status()
    url = f"/drives/{drive_id}/items/{a.id}"
    out = run_batch(app, [
        BatchRequest(id="a", method="GET", url=f"{url}/children"),
        BatchRequest(id="b", method="GET", url=url, dependsOn=["a"]),
        BatchRequest(id="c", method="GET", url=f"{url}/children", dependsOn=["b"]),
        BatchRequest(id="d", method="GET", url=url, dependsOn=["a"]),
        BatchRequest(id="e", method="GET", url=f"{url}/children", dependsOn=["d"]),
    ])
    assert {k: v.status for k, v in out.items()} == {"a": 200, "b": 200, "c": 200, "d": 200, "e": 200}


def test_a_folder_tree_in_one_call(app: GraphSession, drive_id: str, folder: DriveItem,
                                   control: httpx.Client, desc: dict[str, Any]) -> None:
    """A folder, its child and grandchild addressed by path under the parent that exists, in one $batch;
    a name taken answers 409 and the creates after it 424, none of them made."""
    items.create_folder(app, drive_id, folder.id, "Taken")
    control.post("/reset-stats").raise_for_status()
    out = create_folders(app, drive_id, [
        NewFolder(key="a", anchor_id=folder.id, name="A #1"),
        NewFolder(key="b", anchor_id=folder.id, path=["A #1"], name="B"),
        NewFolder(key="c", anchor_id=folder.id, path=["A #1", "B"], name="C%"),
        NewFolder(key="t", anchor_id=folder.id, name="Taken"),
        NewFolder(key="z", anchor_id=folder.id, name="Z"),
    ])
    stats = control.get("/stats").json()["clients"][desc["app"]["client_id"]]
    assert stats["routes"]["POST /$batch"] == 1
    assert stats["routes"]["POST /drives/{drive-id}/items/{item-id}:/{path}:/children"] == 2   # each one counted
    assert (stats["calls"], stats["batched"]) == (5, 4)      # the four run (z never ran), and the one sent
    assert {k: v.status for k, v in out.items()} == {"a": 201, "b": 201, "c": 201, "t": 409, "z": 424}
    a, b, c = (out[k].item for k in "abc")
    assert a is not None and b is not None and c is not None
    assert (b.parent_id, c.parent_id) == (a.id, b.id)
    found = items.get_by_path(app, drive_id, f"{folder.name}/A #1/B/C%")
    assert found is not None and found.id == c.id and found.is_folder
    assert items.get_child(app, drive_id, folder.id, "Z") is None


def test_sequential_chains_each_request_after_the_one_before() -> None:
    reqs = sequential([BatchRequest(id=str(i), method="GET", url="/x", dependsOn=["9"]) for i in range(3)])
    assert [r.depends_on for r in reqs] == [[], ["0"], ["1"]]
