"""Many new folders in few calls: one JSON $batch of up to 20 creates, run as a chain in the given order.

Graph cannot refer to an earlier answer's id inside a batch, so each create addresses its parent by path
under a folder that exists already (`items/{anchor}:/a/b:/children`): a folder and its subfolders go in
one call, parents first. A create is never retried blindly: a name clash (409) is answered as is, and
the caller looks the folder up. Never imports azure.functions or shared.sync.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.graph.batch import MAX_BATCH, BatchRequest, run_batch, sequential
from shared.graph.items import CONFLICT_KEY
from shared.graph.models import DriveItem
from shared.graph.paths import encode_path, item_path
from shared.graph.session import GraphSession


class NewFolder(BaseModel):
    key: str                                   # the caller's id for this folder (unique in the call)
    anchor_id: str                             # an existing folder
    path: list[str] = Field(default_factory=list)   # names from the anchor down to the parent ([]: the anchor)
    name: str


class Created(BaseModel):
    """One folder's outcome: the new item, or the status its create was answered."""

    item: DriveItem | None = None
    status: int


def _url(drive_id: str, folder: NewFolder) -> str:
    base = item_path(drive_id, folder.anchor_id)
    if not folder.path:
        return f"{base}/children"
    return f"{base}:/{encode_path('/'.join(folder.path))}:/children"


def create_folders(session: GraphSession, drive_id: str, folders: list[NewFolder]) -> dict[str, Created]:
    """Create up to MAX_BATCH folders in one call. With a path among them (a folder under another of the
    call) in order, parents first, and a failed create answers every later one 424 (Graph's fully
    sequential batch), so the caller sends those again; all directly under existing folders: in parallel."""
    if not folders:
        return {}
    if len(folders) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} folders per call")
    requests = [BatchRequest(id=str(i), method="POST", url=_url(drive_id, f),
                             body={"name": f.name, "folder": {}, CONFLICT_KEY: "fail"})
                for i, f in enumerate(folders)]
    if any(f.path for f in folders):
        requests = sequential(requests)
    answers = run_batch(session, requests)
    out: dict[str, Created] = {}
    for i, f in enumerate(folders):
        answer = answers[str(i)]
        if answer.ok and isinstance(answer.body, dict):
            out[f.key] = Created(item=DriveItem.model_validate(answer.body), status=answer.status)
        else:   # a 2xx without the item is no folder we can record: the caller's own step looks it up
            out[f.key] = Created(status=answer.status if not answer.ok else 502)
    return out
