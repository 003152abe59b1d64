"""HTTP triggers through the real host process: prefix, routes and constraints, methods, keys, responses."""

from __future__ import annotations

import pytest

from tests.integration.devhost.conftest import RunningHost, wait_for

MASTER, FUNCTION = "master-key-for-tests", "function-key-for-tests"


def test_ready_file_lists_keys_and_functions(pipeline: RunningHost) -> None:
    assert pipeline.info["admin_key"] == MASTER
    assert pipeline.info["function_key"] == FUNCTION
    assert pipeline.info["url"].startswith("http://127.0.0.1:")
    assert {"enqueue", "process", "slow", "tick", "boot", "secure", "user"} <= set(pipeline.info["functions"])


@pytest.mark.parametrize("how", ["none", "wrong-header", "wrong-code"])
def test_function_level_rejects_missing_or_wrong_key(pipeline: RunningHost, how: str) -> None:
    headers = {"x-functions-key": "nope"} if how == "wrong-header" else {}
    params = {"code": "nope"} if how == "wrong-code" else {}
    assert pipeline.client.get("/api/secure", headers=headers, params=params).status_code == 401


@pytest.mark.parametrize("key", [FUNCTION, MASTER])
def test_function_level_accepts_key_in_header_or_code(pipeline: RunningHost, key: str) -> None:
    by_header = pipeline.client.get("/api/secure", headers={"x-functions-key": key})
    by_query = pipeline.client.get("/api/secure", params={"code": key})
    assert (by_header.status_code, by_header.text) == (200, "secret")
    assert (by_query.status_code, by_query.text) == (200, "secret")


def test_admin_level_needs_the_master_key(pipeline: RunningHost) -> None:
    assert pipeline.client.get("/api/operator", params={"code": FUNCTION}).status_code == 401
    ok = pipeline.client.get("/api/operator", headers={"x-functions-key": MASTER})
    assert (ok.status_code, ok.text) == (200, "operator")  # a plain str $return becomes a 200


def test_host_status_needs_the_master_key(pipeline: RunningHost) -> None:
    assert pipeline.client.get("/admin/host/status").status_code == 401
    assert pipeline.client.get("/admin/host/status", params={"code": MASTER}).json() == {"state": "Running"}


@pytest.mark.parametrize(("path", "status", "body"), [
    ("/api/users/abc", 200, {"name": "abc"}),
    ("/api/users/b0b", 404, None),            # {name:alpha}
    ("/api/things/42", 200, {"id": "42"}),    # {rest?} may be absent
    ("/api/things/42/x%20y", 200, {"id": "42", "rest": "x y"}),
    ("/api/things/abc", 404, None),           # {id:int}
    ("/api/things/99999999999", 404, None),   # beyond int32
    ("/api/files/a/b/c.txt", 200, {"path": "a/b/c.txt"}),
    ("/api/USERS/abc", 200, {"name": "abc"}),  # literals match case-insensitively
    ("/users/abc", 404, None),                # the routePrefix is required
    ("/api/nothing-here", 404, None),
])
def test_route_templates_and_constraints(pipeline: RunningHost, path: str, status: int, body: dict | None) -> None:
    r = pipeline.client.get(path)
    assert r.status_code == status
    if body is not None:
        assert body.items() <= r.json().items()


def test_literal_segment_beats_a_parameter(pipeline: RunningHost) -> None:
    assert pipeline.client.get("/api/users/me").json() == {"who": "me"}
    # users/me only allows GET, so a POST falls through to users/{name:alpha}
    assert pipeline.client.post("/api/users/me").json()["name"] == "me"


def test_wrong_method_is_405(pipeline: RunningHost) -> None:
    assert pipeline.client.delete("/api/secure", params={"code": FUNCTION}).status_code == 405
    assert pipeline.client.get("/api/items/1", params={"code": FUNCTION}).status_code == 405


def test_request_and_response_are_passed_through(pipeline: RunningHost) -> None:
    r = pipeline.client.put("/api/users/ann?a=1&a=2&b=", headers={"x-test": "yes"}, content=b"x")
    assert r.status_code == 200
    assert r.headers["x-served-by"] == "devhost"
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {"name": "ann", "method": "PUT", "params": {"a": "1,2", "b": ""}, "function": "user",
                        "header": "yes"}


def test_an_exception_in_the_function_is_a_500(pipeline: RunningHost) -> None:
    assert pipeline.client.get("/api/boom").status_code == 500
    assert "RuntimeError: boom" in pipeline.log()


def test_admin_api_runs_a_timer_or_queue_function_now(pipeline: RunningHost) -> None:
    path = "/admin/functions/slow"
    body = {"input": '{"tag": "manual", "seconds": 0}'}
    assert pipeline.client.post(path, json=body, params={"code": FUNCTION}).status_code == 401
    assert pipeline.client.post("/admin/functions/secure", json=body, params={"code": MASTER}).status_code == 404
    assert pipeline.client.post(path, json=body, params={"code": MASTER}).status_code == 202
    wait_for(lambda: pipeline.calls(fn="slow", event="end", tag="manual"), what="the manual queue run")
    assert [c["dequeue_count"] for c in pipeline.calls(fn="slow", event="start", tag="manual")] == [1]
    assert pipeline.calls(fn="yearly") == []  # scheduled for 1 January only
    run = pipeline.client.post("/admin/functions/Yearly", json={}, headers={"x-functions-key": MASTER})
    assert run.status_code == 202  # function names are case-insensitive
    wait_for(lambda: pipeline.calls(fn="yearly"), what="the manual timer run")
