"""Route templates: parsing, constraints, optional/default/catch-all parameters, precedence, 404/405."""

from __future__ import annotations

import pytest

from devhost.routes import MethodNotAllowed, RouteError, RouteTable, parse_route, split_path


def match(template: str, path: str) -> dict[str, str] | None:
    return parse_route(template).match(split_path(path))


@pytest.mark.parametrize(("template", "path", "expected"), [
    ("items/{id}", "items/42", {"id": "42"}),
    ("items/{id}", "ITEMS/42/", {"id": "42"}),              # literal case-insensitive, trailing slash
    ("items/{id}", "items", None),
    ("items/{id}", "items/42/more", None),
    ("items/{id:int}", "items/-7", {"id": "-7"}),
    ("items/{id:int}", "items/abc", None),
    ("items/{id:int}", "items/2147483648", None),           # int32 overflow
    ("items/{id:long}", "items/2147483648", {"id": "2147483648"}),
    ("users/{name:alpha}", "users/Ann", {"name": "Ann"}),
    ("users/{name:alpha}", "users/ann1", None),
    ("flags/{on:bool}", "flags/TRUE", {"on": "TRUE"}),
    ("flags/{on:bool}", "flags/yes", None),
    ("g/{id:guid}", "g/3f2504e0-4f89-11d3-9a0c-0305e82c3301", {"id": "3f2504e0-4f89-11d3-9a0c-0305e82c3301"}),
    ("g/{id:guid}", "g/not-a-guid", None),
    ("n/{x:min(10)}", "n/9", None),
    ("n/{x:range(1,5)}", "n/5", {"x": "5"}),
    ("n/{x:range(1,5)}", "n/6", None),
    ("s/{x:length(2,3)}", "s/abcd", None),
    ("s/{x:minlength(2):maxlength(3)}", "s/ab", {"x": "ab"}),
    ("r/{x:regex(^a+b$)}", "r/AAB", {"x": "AAB"}),
    ("r/{x:regex(^a+b$)}", "r/ab1", None),
    ("opt/{x?}", "opt", {}),
    ("opt/{x?}", "opt/1", {"x": "1"}),
    ("opt/{x:int?}", "opt/z", None),
    ("def/{x=5}", "def", {"x": "5"}),
    ("def/{x:int=5}", "def/6", {"x": "6"}),
    ("files/{*path}", "files/a/b/c.txt", {"path": "a/b/c.txt"}),
    ("files/{*path}", "files", {}),
    ("files/{*path}", "other/a", None),
    ("p/{name}", "p/a%20b", {"name": "a b"}),                # segments are percent-decoded
    ("{a}.{b:int}", "x.5", {"a": "x", "b": "5"}),          # multi-part segment
    ("{a}.{b:int}", "x.y", None),
    ("", "", {}),
])
def test_match(template: str, path: str, expected: dict[str, str] | None) -> None:
    assert match(template, path) == expected


@pytest.mark.parametrize("template", ["a/{*rest}/b", "a/{x}/{x}", "a/{x:nosuch}", "a/{x:min(a)}", "a/{1x}"])
def test_invalid_templates_are_refused(template: str) -> None:
    with pytest.raises(RouteError):
        parse_route(template)


def test_precedence_follows_aspnet_inbound_order() -> None:
    order = ["a/b", "a/{x:int}", "a/{x}", "a/{*x:int}", "a/{*x}"]
    ranked = sorted(order[::-1], key=lambda t: parse_route(t).precedence)
    assert ranked == order


def _table() -> RouteTable[str]:
    table: RouteTable[str] = RouteTable()
    table.add("users/{name:alpha}", None, "by-name")
    table.add("users/{id}", ["GET"], "any")
    table.add("users/me", ["GET"], "me")
    table.add("files/{*rest}", ["GET"], "files")
    return table


@pytest.mark.parametrize(("method", "path", "target"), [
    ("GET", "users/me", "me"),         # literal beats parameters, whatever the registration order
    ("POST", "users/me", "by-name"),   # users/me is GET-only; the next route that fits takes it
    ("GET", "users/ann", "by-name"),   # constrained beats unconstrained
    ("GET", "users/42", "any"),
    ("GET", "files/x/y", "files"),
])
def test_table_picks_the_most_specific_route(method: str, path: str, target: str) -> None:
    found = _table().resolve(method, split_path(path))
    assert found is not None and found.target == target


def test_table_distinguishes_404_from_405() -> None:
    table = _table()
    assert table.resolve("GET", split_path("nothing/here")) is None
    with pytest.raises(MethodNotAllowed):
        table.resolve("DELETE", split_path("files/a"))
    with pytest.raises(MethodNotAllowed):
        table.resolve("PUT", split_path("users/42"))  # only users/{id} matches 42, and it is GET-only
