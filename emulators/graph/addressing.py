"""Parse Graph v1.0 URL paths: ids, `root:/a/b.pdf:` path addressing, site paths and aliases.

Returns a Target: a canonical shape for dispatch (e.g. "drives/{d}/item/content"), the route
template for stats, and the pieces handlers need. Segments are split on the raw (still encoded) path
so an encoded ':' or '/' inside a name never acts as a delimiter -- except in the one segment the
SDKs fill with a whole key (`items/root%3A%2Fa.txt%3A`, `sites/host%3A%2Fsites%2Fx%3A`), which Graph
reads as path addressing. A final OData function segment (`delta()`, `delta(token='latest')`,
`microsoft.graph.delta()`) dispatches like its plain name, with its arguments in Target.args.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from emulators.graph import errors
from emulators.graph.state import Site
from emulators.graph.store import Store

_SITE_PATH = re.compile(r"^/sites/([^/:,]+):(/[^:]*):?(.*)$")
# an SDK-encoded key segment: /items/{id}%3A%2Fa.txt%3A or /sites/{host}%3A%2Fsites%2Fx%3A
_KEY_SEGMENT = re.compile(r"^(/(?:[^/:]+/)*?(?:items|sites)/)([^/:]*%3[Aa][^/:]*)(.*)$")
_FUNCTION = re.compile(r"^(?:microsoft\.graph\.)?([A-Za-z][A-Za-z0-9]*)\((.*)\)$")
_ARG = re.compile(r"\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*('(?:[^']|'')*'|[^,']*)\s*(?:,|$)")


@dataclass
class Target:
    shape: str                                  # e.g. "drives/{d}/item/children"
    template: str                               # e.g. "/drives/{drive-id}/root:/{path}:/children"
    drive_id: str | None = None
    item_ref: str | None = None                 # "root" or an item id
    path: list[str] | None = None               # decoded segments after "root:" / "items/{id}:"
    params: dict[str, str] = field(default_factory=dict)
    args: dict[str, str] = field(default_factory=dict)   # of a function segment: delta(token='x')


def _split_colon(raw: str) -> tuple[str, str | None, str]:
    if ":" not in raw:
        return raw, None, ""
    head, _, rest = raw.partition(":")
    if not rest.startswith("/"):
        raise errors.invalid_request("Invalid path addressing syntax.")
    path, colon, tail = rest.partition(":")
    if colon and tail and not tail.startswith("/"):
        raise errors.invalid_request("Invalid path addressing syntax.")
    return head, path, tail


def _segs(raw: str) -> list[str]:
    return [unquote(s) for s in raw.split("/") if s]


def _unfold_key_segment(raw_path: str) -> str:
    """`items/root%3A%2Fa%20b.txt%3A/content` -> `items/root:/a%20b.txt:/content` (SDK key form).

    Only when the raw path has no literal ':' before that segment; each name stays encoded once."""
    m = _KEY_SEGMENT.match(raw_path)
    if m is None or ":" in m.group(1):
        return raw_path
    return m.group(1) + quote(unquote(m.group(2)), safe=":/") + m.group(3)


def _function_args(raw: str) -> dict[str, str]:
    args: dict[str, str] = {}
    pos = 0
    while pos < len(raw):
        m = _ARG.match(raw, pos)
        if m is None or m.end() == pos:
            raise errors.invalid_request(f"Invalid function parameters: '{raw}'.")
        value = m.group(2).strip()
        if value.startswith("'"):
            value = value[1:-1].replace("''", "'")
        args[m.group(1)] = value
        pos = m.end()
    return args


def _unfold_function(t: Target) -> Target:
    """A last segment `name(args)` dispatches (and counts) as `name`; its arguments go to t.args."""
    last = t.shape.rsplit("/", 1)[-1]
    m = _FUNCTION.match(last)
    if m is None:
        return t
    t.args = _function_args(m.group(2))
    t.shape = t.shape[: len(t.shape) - len(last)] + m.group(1)
    t.template = t.template[: t.template.rfind("/") + 1] + m.group(1)   # stats/faults as the plain form
    return t


def parse(store: Store, raw_path: str) -> Target:
    """raw_path is the encoded path after /v1.0, starting with '/'."""
    return _unfold_function(_parse(store, _unfold_key_segment(raw_path)))


def _parse(store: Store, raw_path: str) -> Target:
    m = _SITE_PATH.match(raw_path)
    if m:
        site = store.site_by_path(m.group(1), unquote(m.group(2)))
        rest = m.group(3)
        if rest and not rest.startswith("/"):
            raise errors.invalid_request("Invalid site path syntax.")
        return _rewrite_template(_parse(store, f"/sites/{site.id}{rest}"), "/sites/{hostname}:/{path}:")
    head_raw, path_raw, tail_raw = _split_colon(raw_path)
    head, tail = _segs(head_raw), _segs(tail_raw)
    path = None if path_raw is None else _segs(path_raw)
    if path_raw is not None and not path:
        path = None
    if not head:
        raise errors.invalid_request("Invalid request.")
    if head[0] == "sites" and len(head) >= 2:
        site_key = head[1]
        site = store.site(site_key) if "," in site_key else _site_alias(store, site_key)
        sid = site.id
        rest = head[2:]
        if rest[:1] == ["drive"] and (len(rest) > 1 or path is not None):
            drive_id = site.drive_ids[0]
            t = _drive_target(["drives", drive_id] + rest[1:], path, tail)
            return _rewrite_template(t, "/sites/{site-id}/drive", count=2)
        if rest[:1] == ["drives"] and len(rest) >= 3:
            t = _drive_target(["drives"] + rest[1:], path, tail)
            return _rewrite_template(t, "/sites/{site-id}/drives/{drive-id}", count=2)
        if path is not None:
            raise errors.invalid_request("Invalid path addressing syntax.")
        return _generic(["sites", sid] + rest + tail, {"site": sid})
    if head[0] == "drives" and len(head) >= 2:
        return _drive_target(head, path, tail)
    if path is not None:
        raise errors.invalid_request("Invalid path addressing syntax.")
    return _generic(head + tail, {})


def _site_alias(store: Store, key: str) -> Site:
    if key == "root":
        for site in store.sites.values():
            if site.path == "/":
                return site
    raise errors.GraphError(404, "itemNotFound", "Requested site could not be found")


_PLACEHOLDERS = {
    "sites": "{site-id}", "drives": "{drive-id}", "lists": "{list-id}", "items": "{item-id}",
    "subscriptions": "{subscription-id}", "users": "{user-id}", "messages": "{message-id}",
    "mailFolders": "{folder-id}", "columns": "{column-id}",
}


def _generic(segs: list[str], params: dict[str, str]) -> Target:
    shape_parts, tmpl_parts = [], []
    i = 0
    while i < len(segs):
        seg = segs[i]
        shape_parts.append(seg)
        tmpl_parts.append(seg)
        if seg in _PLACEHOLDERS and i + 1 < len(segs):
            key = seg.rstrip("s") if seg != "mailFolders" else "folder"
            params[key] = segs[i + 1]
            shape_parts.append("{" + key + "}")
            tmpl_parts.append(_PLACEHOLDERS[seg])
            i += 1
        i += 1
    return Target("/".join(shape_parts), "/" + "/".join(tmpl_parts), params=params)


def _drive_target(head: list[str], path: list[str] | None, tail: list[str]) -> Target:
    drive_id = head[1]
    rest = head[2:]
    if not rest:
        if path is not None:
            raise errors.invalid_request("Invalid path addressing syntax.")
        extra = tail
        return Target("drives/{d}" + "".join("/" + s for s in extra),
                      "/drives/{drive-id}" + "".join("/" + s for s in extra), drive_id=drive_id)
    if rest[0] == "root":
        ref, tmpl, after = "root", "/drives/{drive-id}/root", rest[1:]
    elif rest[0] == "items" and len(rest) >= 2:
        ref, tmpl, after = rest[1], "/drives/{drive-id}/items/{item-id}", rest[2:]
    elif rest[0] == "list" and path is None:
        extra = "/".join(rest + tail)
        return Target("drives/{d}/" + extra, "/drives/{drive-id}/" + extra, drive_id=drive_id)
    else:
        raise errors.invalid_request("Invalid request.")
    if path is not None:
        if after:
            raise errors.invalid_request("Invalid path addressing syntax.")
        tmpl += ":/{path}:"
        after = tail
    elif tail:
        raise errors.invalid_request("Invalid path addressing syntax.")
    shape = "drives/{d}/item" + "".join("/" + s for s in after)
    return Target(shape, tmpl + "".join("/" + s for s in after), drive_id=drive_id, item_ref=ref,
                  path=path)


def _rewrite_template(t: Target, prefix: str, count: int = 0) -> Target:
    parts = t.template.split("/")
    # drop "/sites/{site-id}" or "/drives/{drive-id}" (count segments after the leading "")
    keep = parts[1 + (count or 2):]
    t.template = prefix + ("/" + "/".join(keep) if keep else "")
    return t
