"""Projects to measure: a new Procore project (the emulator's control surface) filled with N small files
through the public API as a person (the `user` identity), before any link exists, so no webhook fires.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from demo.stack import Running
from demo.trees import procore_tree
from demo.uploads import BytesSource
from shared.procore.client import ProcoreClient
from shared.procore.scope import Scope

FILES_PER_FOLDER = 50
UPLOADERS = 8       # populating is not measured: eight at a time, so a 2,000-file project takes seconds, not minutes
FIRST_FILE = "Bench File 00000.txt"
SMALL_SIZES = (2 * 1024, 6 * 1024, 16 * 1024)   # "small file": a few KiB, as most construction documents' notes


def content(seed: int, index: int) -> bytes:
    rng = random.Random(seed * 1_000_003 + index)
    size = rng.choice(SMALL_SIZES)
    line = f"Bench document {index}: daily log, site {seed}. ".encode()
    return (line * (size // len(line) + 1))[:size]


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    files: int          # live files in its Documents (the seeded ones and ours)
    bytes: int          # their current versions' sizes together
    bench_folder_id: int  # the "Bench" folder
    first_file_id: int    # "Bench/Batch 001/Bench File 00000.txt"
    first_file_rel: str = f"Batch 001/{FIRST_FILE}"


def upload_file(client: ProcoreClient, scope: Scope, folder_id: int, name: str, data: bytes) -> int:
    up = client.uploads.upload(scope, BytesSource(data), filename=name)
    return client.documents.create_file(scope, name=name, upload_uuid=up.uuid, parent_id=folder_id).id


def new_project(run: Running, client: ProcoreClient, project_id: int, name: str, files: int, seed: int) -> Project:
    """Project `project_id` (seeded as the stack's size) plus `files` small files in folders of
    FILES_PER_FOLDER under "Bench"; returns its counts as the public API lists them."""
    run.emulator("procore", "/_emulator/projects", {"id": project_id, "name": name})
    scope = Scope.project(project_id)
    root = client.documents.root(scope, exclude_files=True)
    top = client.documents.create_folder(scope, "Bench", parent_id=root.id)
    folders = [client.documents.create_folder(scope, f"Batch {b + 1:03d}", parent_id=top.id).id
               for b in range((max(files, 1) + FILES_PER_FOLDER - 1) // FILES_PER_FOLDER)]

    def one(i: int) -> int:
        return upload_file(client, scope, folders[i // FILES_PER_FOLDER], f"Bench File {i:05d}.txt", content(seed, i))

    with ThreadPoolExecutor(UPLOADERS) as pool:
        ids = list(pool.map(one, range(max(files, 1))))
    first = ids[0]
    nodes, _root = procore_tree(client, project_id)
    live = [n for n in nodes.values() if n.kind == "file"]
    return Project(project_id, name, len(live), sum(n.size for n in live), top.id, first)
