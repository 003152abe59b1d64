"""Turning an HTTP function's result into a response, as the worker and host do."""

from __future__ import annotations

import azure.functions as func
import pytest

from devhost.http_server import to_reply, with_custom_headers


def test_http_response_keeps_status_headers_and_mimetype() -> None:
    status, headers, body = to_reply(func.HttpResponse('{"a":1}', status_code=201, mimetype="application/json",
                                                       headers={"X-Extra": "1"}))
    assert status == 201 and body == b'{"a":1}'
    assert ("x-extra", "1") in headers and ("content-type", "application/json; charset=utf-8") in headers


def test_explicit_content_type_header_wins() -> None:
    _, headers, _ = to_reply(func.HttpResponse("x", headers={"Content-Type": "text/csv"}))
    assert [v for k, v in headers if k == "content-type"] == ["text/csv"]


def test_plain_values() -> None:
    assert to_reply("hi") == (200, [("content-type", "text/plain; charset=utf-8")], b"hi")
    assert to_reply(b"\x00")[0] == 200
    assert to_reply(None) == (204, [], b"")
    with pytest.raises(TypeError):
        to_reply({"not": "supported"})


def test_custom_headers_replace_a_functions_own_value() -> None:
    headers = [("content-type", "text/plain"), ("x-content-type-options", "sniff-away")]
    assert with_custom_headers(headers, (("X-Content-Type-Options", "nosniff"),)) == [
        ("content-type", "text/plain"), ("x-content-type-options", "nosniff")]
    assert with_custom_headers(headers, ()) == headers
