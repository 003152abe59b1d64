"""Graph URL paths for drive items: ids, and path addressing with per-segment RFC 3986 encoding.

Each path segment is percent-encoded on its own (space -> %20, '#' -> %23); the URL is never encoded
as a whole. Returns paths relative to the Graph base URL.
"""

from __future__ import annotations

from urllib.parse import quote


def encode_segment(name: str) -> str:
    return quote(name, safe="")


def encode_path(path: str) -> str:
    """'Folder A/b#1.pdf' -> 'Folder%20A/b%231.pdf' (leading/trailing slashes dropped)."""
    return "/".join(encode_segment(seg) for seg in path.strip("/").split("/") if seg)


def drive_path(drive_id: str) -> str:
    return f"/drives/{encode_segment(drive_id)}"


def item_path(drive_id: str, item_id: str) -> str:
    return f"{drive_path(drive_id)}/items/{encode_segment(item_id)}"


def by_path(drive_id: str, path: str, suffix: str = "") -> str:
    """/drives/{d}/root:/a/b:{suffix} (the root itself for an empty path)."""
    encoded = encode_path(path)
    if not encoded:
        return f"{drive_path(drive_id)}/root{suffix}"
    return f"{drive_path(drive_id)}/root:/{encoded}:{suffix}"


def child_path(drive_id: str, parent_id: str, name: str, suffix: str = "") -> str:
    """/drives/{d}/items/{parent}:/{name}:{suffix}"""
    return f"{item_path(drive_id, parent_id)}:/{encode_segment(name)}:{suffix}"
