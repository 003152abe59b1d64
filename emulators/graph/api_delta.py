"""Delta on a library root: enumeration pages, deltaLink, token=latest, tombstones, forced 410.

Tokens are opaque and carry (epoch, since-seq, snapshot-seq, cursor, $select). Paging walks items by
(change_seq, id) so nothing is skipped while items keep changing; an item changed after the snapshot
shows its latest state now and again in the next round (duplicates are allowed, last one wins).
A switch repeats items across pages; bumping the drive's epoch makes every older token answer 410.
The SDKs' function forms `delta()` and `delta(token='...')` are the same call as `delta?token=...`.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.responses import Response

from emulators.graph import errors, serialize
from emulators.graph.state import Drive, Item
from emulators.graph.web import Ctx, json_response, route, select_list, top

RESYNC_MESSAGE = ("Resync required. Replace any local items with the server's version (including "
                  "deletes) if you're sure that the service was up to date with your local changes "
                  "when you last sync'd. Upload any local changes that the server doesn't know about.")


def _encode(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(token: str) -> dict[str, Any]:
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        assert isinstance(state, dict) and {"e", "s", "m"} <= state.keys()
        return state
    except (ValueError, AssertionError):
        raise errors.GraphError(400, "invalidRequest", "Invalid delta token.", "syncStateNotFound") from None


def _link(ctx: Ctx, drive: Drive, state: dict[str, Any]) -> str:
    return f"{ctx.rt.graph_base}/drives/{drive.id}/root/delta?token={_encode(state)}"


def _resync(ctx: Ctx, drive: Drive) -> errors.GraphError:
    return errors.GraphError(410, "resyncRequired", RESYNC_MESSAGE, "resyncChangesApplyDifferences",
                             headers={"Location": f"{ctx.rt.graph_base}/drives/{drive.id}/root/delta"})


def _token(ctx: Ctx) -> str | None:
    unknown = set(ctx.target.args) - {"token"}
    if unknown:
        raise errors.invalid_request(f"The function delta has no parameter '{sorted(unknown)[0]}'.")
    return ctx.target.args.get("token") or ctx.query.get("token")


@route("GET", "drives/{d}/item/delta")
async def delta(ctx: Ctx) -> Response:
    with ctx.store.lock:
        drive = ctx.drive()
        folder = ctx.item()
        if folder.id != drive.root_id:
            raise errors.invalid_request("Delta is only supported on the root of a document library.")
        token = _token(ctx)
        if token == "latest":
            return _page(ctx, drive, [], None, {"e": drive.delta_epoch, "s": drive.seq, "m": -1,
                                                "sel": select_list(ctx)})
        if token:
            state = _decode(token)
            if state["e"] != drive.delta_epoch:
                raise _resync(ctx, drive)
            if state["m"] == -1:          # a deltaLink: this round's snapshot is "now"
                state["m"] = drive.seq
        else:
            state = {"e": drive.delta_epoch, "s": 0, "m": drive.seq, "sel": select_list(ctx)}
        size = top(ctx, state.get("top") or ctx.rt.config.delta_page_size)
        state["top"] = size
        since, snap = state["s"], state["m"]
        cursor = tuple(state.get("c") or (since, ""))
        candidates = sorted(
            (i for i in drive.items.values()
             if since < i.change_seq <= snap and (i.change_seq, i.id) > cursor
             and not (since == 0 and i.deleted)),
            key=lambda i: (i.change_seq, i.id))
        page = candidates[:size]
        if ctx.rt.delta_duplicates and state.get("last") and page:
            prev = drive.items.get(state["last"])
            if prev is not None and (not prev.deleted or since):
                page = [prev] + page
        more = len(candidates) > size
        if more:
            nxt = dict(state, c=[page[-1].change_seq, page[-1].id], last=page[-1].id)
            return _page(ctx, drive, page, nxt, None)
        return _page(ctx, drive, page, None, {"e": drive.delta_epoch, "s": snap, "m": -1,
                                               "sel": state.get("sel"), "top": state.get("top")})


def _page(ctx: Ctx, drive: Drive, items: list[Item], next_state: dict[str, Any] | None,
          delta_state: dict[str, Any] | None) -> Response:
    sel = (next_state or delta_state or {}).get("sel")
    values = []
    for item in items:
        view = serialize.delta_view(ctx.store, item)
        if sel and not item.deleted:
            view = {k: v for k, v in view.items() if k in sel or k == "id"}
        values.append(view)
    body: dict[str, Any] = {"@odata.context": f"{ctx.rt.graph_base}/$metadata#Collection(driveItem)",
                            "value": values}
    if next_state is not None:
        body["@odata.nextLink"] = _link(ctx, drive, next_state)
    else:
        assert delta_state is not None
        body["@odata.deltaLink"] = _link(ctx, drive, delta_state)
    return json_response(body)
