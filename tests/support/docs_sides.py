"""One Documents link's two trees in an end-to-end test, read and written as a person would (the user
identities): the SharePoint item at a path below the link folder, a person's upload to Procore, both trees
identical; and the clock past a service's time to the second. The company Documents and one-way modules
(issue 13) share it instead of each keeping copies.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

from demo.uploads import upload_bytes
from shared.graph import items as sp_items
from shared.graph.models import DriveItem
from shared.graph.session import GraphSession
from shared.procore.client import ProcoreClient
from shared.procore.models import DocumentItem
from shared.procore.scope import Scope
from tests.support import trees
from tests.support.e2e import Onboarded, Running

CLOCK_TIMEOUT_S = 10.0


@dataclass
class DocsSides:
    """The link `ob`'s Documents of `scope`, mirrored into `top` below the link folder (a project link's
    `Documents`; "" for the company's, mirrored right in the link folder)."""

    run: Running
    ob: Onboarded
    scope: Scope
    top: str = ""

    @cached_property
    def user(self) -> ProcoreClient:
        return self.run.procore_client("user")

    @cached_property
    def graph(self) -> GraphSession:
        return self.run.graph_session("user")

    def sp(self, rel: str = "") -> DriveItem | None:
        """The SharePoint item at `rel` below the tree's top ("" or "/": the top itself), or None."""
        path = "/".join(p for p in (self.ob.folder_path, self.top, rel.strip("/")) if p)
        return sp_items.get_by_path(self.graph, self.run.site["drive_id"], path)

    def sp_top(self) -> DriveItem:
        top = self.sp()
        assert top is not None, f"no {self.top or 'link'} folder below {self.ob.folder_path!r} in SharePoint"
        return top

    def root_id(self) -> int:
        return self.user.documents.root(self.scope, exclude_files=True).id

    def files(self) -> dict[str, int]:
        """Procore's live files: path as SharePoint shows it below the top ("/Sub/name.txt") -> Procore id."""
        return trees.procore_files(self.user, self.scope, self.root_id())

    def item(self, name: str) -> DocumentItem | None:
        """The live Procore folder or file called `name`."""
        return trees.procore_item(self.user, self.scope, name)

    def content(self, file_id: int) -> bytes | None:
        """The Procore file's latest bytes."""
        return trees.procore_bytes(self.user, self.scope, file_id)

    def versions(self, file_id: int) -> list[int]:
        return trees.procore_versions(self.user, self.scope, file_id)

    def recycled(self) -> set[int]:
        """Ids in Procore's recycle bin."""
        return trees.recycled_ids(self.user, self.scope)

    def upload(self, name: str, data: bytes) -> str:
        """A person's upload of `data` as `name` to Procore: its uuid, for a new file or version."""
        return upload_bytes(self.user, self.scope, name, data)

    def wait_identical(self, timeout: float) -> None:
        """Both trees identical (per the naming map, bytes, each file once) within `timeout` s."""
        trees.wait_identical(self.run, self.scope, self.root_id(), self.sp_top().id, timeout)


def after_second(moment: datetime | None) -> None:
    """Wait until the clock is in a later whole second than `moment` (Procore and SharePoint give times to
    the second), so what is made next is strictly newer than what was made at `moment`."""
    assert moment is not None, "no time to wait past"
    later = moment.replace(microsecond=0) + timedelta(seconds=1)
    deadline = time.monotonic() + CLOCK_TIMEOUT_S
    while datetime.now(UTC) < later:
        assert time.monotonic() < deadline, f"the clock never passed {moment}"
        time.sleep(0.02)
