"""Deterministic seed data (seed, size) for a realistic construction project.

A nested Documents tree (`01 Design/Architectural/Plans/...`) with PDFs, DWGs, spreadsheets and
photos of varied sizes and awkward names (spaces, `#`, `&`, accents, long paths); company-level
documents; photo albums; records of every one-way tool with attachments. `small` is for tests,
`demo` for the demo, `large` scales to tens of thousands of files (content kept small on disk).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .config import Project
from .content import content_type, write_content
from .models import File, FileVersion, Folder, Scope
from .seed_records import seed_photos, seed_records
from .store import State
from .tree import roots


@dataclass(frozen=True)
class SizeSpec:
    projects: tuple[tuple[int, str], ...]
    files_per_folder: tuple[int, int]
    max_file_bytes: int
    bulk_files: int            # extra files spread over generated "Batch" folders
    photos_per_album: int
    records_per_tool: int
    hostile: bool = False      # add the names SharePoint rejects or that need mapping (see HOSTILE_FILES)
    extra_folders: int = 0     # extra "Area NN" folders (each with files) under the project root

    def project_names(self) -> list[tuple[int, str]]:
        return list(self.projects)


SIZES: dict[str, SizeSpec] = {
    "small": SizeSpec(((101, "Riverside Medical Center"), (102, "Harbor View Tower")), (1, 2), 64 * 1024, 0, 2, 2),
    "demo": SizeSpec(((101, "Riverside Medical Center"), (102, "Harbor View Tower")), (2, 5), 3 * 1024 * 1024,
                     0, 6, 4),
    # End-to-end tests: 300+ files in 40+ folders, with every kind of hostile name.
    "e2e": SizeSpec(((101, "Riverside Medical Center"), (102, "Harbor View Tower")), (10, 12), 48 * 1024,
                    0, 2, 1, hostile=True, extra_folders=14),
    "large": SizeSpec(((101, "Riverside Medical Center"), (102, "Harbor View Tower")), (3, 8), 256 * 1024,
                      30_000, 20, 25),
}

TREE: dict[str, Any] = {
    "01 Design": {
        "Architectural": {"Plans": {}, "Elevations & Sections": {}, "Details": {}},
        "Structural": {"Foundations": {}, "Steel": {}},
        "MEP": {"Mechanical": {}, "Electrical": {}, "Plumbing": {}},
    },
    "02 Contracts": {"Owner Contract": {}, "Subcontracts": {"Électricité Générale": {}}},
    "03 Specifications": {"Division 03 – Concrete": {}, "Division 05 – Metals": {}},
    "04 Schedules & Budget #2026": {},
    "05 Closeout": {"Warranties": {}, "O&M Manuals": {}},
    "06 Very Long Folder Name For Testing Path Limits Of The Target Library Structure": {
        "Another Deeply Nested Subfolder With A Long Name": {"Level Three Folder With Extra Words": {}},
    },
}

STEMS = [
    "A-101 Floor Plan Level {n}", "S-20{n} Foundation Details", "M-30{n} HVAC Layout", "E-40{n} Lighting Plan",
    "Budget Tracker #{n}", "Meeting Minutes & Actions {n}", "Façade Mock-up Report {n}", "Site Logistics Plan {n}",
    "Concrete Pour Schedule {n}", "Submittal Log Rev {n}", "Crane Lift Plan {n}", "Punch List – Level {n}",
]
EXTS = ["pdf", "pdf", "pdf", "dwg", "xlsx", "jpg", "txt", "csv"]
# Names a person can give files in Procore that SharePoint refuses or needs mapped; sizes in bytes.
HOSTILE_FILES: tuple[tuple[str, int], ...] = (
    ("Spec: Rev 2.pdf", 4000), ("Bid*Alternate.pdf", 4000), ('Owner "Final" Comments.txt', 900),
    ("Notes v2.", 700), ("Report Draft.pdf ", 4000), ("Invoice #42 <net>.pdf", 4000),
    ("100% Complete | Sign-off?.pdf", 4000), ("Réunion de chantier – Été.pdf", 4000), ("CON.txt", 500),
    ("~$Budget Tracker.xlsx", 800), ("Thumbs.db", 600), ("Empty placeholder.dat", 0), ("a_vti_b.txt", 300),
)
HOSTILE_FOLDERS: tuple[str, ...] = ("Phase 2.", " Leading space", "aux", "~Archive")
LONG_SEGMENT = "Very Long Nested Folder Name Used To Push The Decoded SharePoint Path Past Its Limit Level {n}"
COMPANY_TREE: dict[str, Any] = {"Safety Manuals": {}, "Templates": {"Forms & Checklists": {}}, "Insurance": {}}


def _add_file(st: State, scope: Scope, parent_id: int, name: str, size: int, rng: random.Random,
              author: dict[str, Any], when: float) -> File:
    tmp = st.blobs.temp_path("seed")
    write_content(tmp, name, size, rng, name.rsplit(".", 1)[0])
    blob = st.blobs.adopt(tmp, content_type(name), name)
    f = File(st.next_id("file"), scope, name, parent_id, when, when, author)
    v = FileVersion(st.next_id("version"), f.id, 1, blob.key, blob.size, when, author, None, name)
    st.files[f.id], st.versions[v.id] = f, v
    f.versions.append(v.id)
    return f


def _grow(st: State, scope: Scope, parent_id: int, spec: dict[str, Any], size: SizeSpec, rng: random.Random,
          author: dict[str, Any], now: float, counter: list[int]) -> None:
    for name, children in spec.items():
        when = now - rng.uniform(3, 200) * 86400
        folder = Folder(st.next_id("folder"), scope, name, parent_id, when, when, author)
        st.folders[folder.id] = folder
        taken: set[str] = set()
        for _ in range(rng.randint(*size.files_per_folder)):
            counter[0] += 1
            fname = f"{rng.choice(STEMS).format(n=counter[0])}.{rng.choice(EXTS)}"
            if fname.lower() in taken:
                continue
            taken.add(fname.lower())
            fsize = int(rng.choice([0.02, 0.1, 0.3, 1.0]) * size.max_file_bytes)
            _add_file(st, scope, folder.id, fname, max(256, fsize), rng, author, now - rng.uniform(1, 100) * 86400)
        _grow(st, scope, folder.id, children, size, rng, author, now, counter)


def _bulk(st: State, scope: Scope, parent_id: int, count: int, rng: random.Random, author: dict[str, Any],
          now: float) -> None:
    per_folder = 500
    for b in range(0, count, per_folder):
        folder = Folder(st.next_id("folder"), scope, f"Batch {b // per_folder + 1:03d}", parent_id, now, now, author)
        st.folders[folder.id] = folder
        for i in range(b, min(count, b + per_folder)):
            name = f"Scan {i:05d} {rng.choice(['RFI', 'Daily Log', 'Ticket', 'Invoice'])}.{rng.choice(['pdf', 'txt'])}"
            _add_file(st, scope, folder.id, name, rng.choice([600, 1500, 4000]), rng, author, now - i)


def _hostile(st: State, scope: Scope, root_id: int, rng: random.Random, author: dict[str, Any], now: float) -> None:
    top = Folder(st.next_id("folder"), scope, "07 Field Uploads: Misc*", root_id, now, now, author)
    st.folders[top.id] = top
    for name, size in HOSTILE_FILES:
        _add_file(st, scope, top.id, name, size, rng, author, now - 3600)
    for name in HOSTILE_FOLDERS:
        folder = Folder(st.next_id("folder"), scope, name, top.id, now, now, author)
        st.folders[folder.id] = folder
        _add_file(st, scope, folder.id, f"Inside {name.strip()}.txt", 400, rng, author, now - 3600)
    parent = top.id
    for n in range(1, 5):  # 4 x ~95 characters: the file below ends up past 400 characters
        folder = Folder(st.next_id("folder"), scope, LONG_SEGMENT.format(n=n), parent, now, now, author)
        st.folders[folder.id] = folder
        parent = folder.id
    _add_file(st, scope, parent, "Beyond the path limit.pdf", 3000, rng, author, now - 3600)


def _areas(st: State, scope: Scope, root_id: int, count: int, size: SizeSpec, rng: random.Random,
           author: dict[str, Any], now: float, counter: list[int]) -> None:
    _grow(st, scope, root_id, {"08 Areas": {f"Area {n:02d}": {} for n in range(1, count + 1)}}, size, rng, author,
          now, counter)


def _project_documents(st: State, scope: Scope, spec: SizeSpec, rng: random.Random, author: dict[str, Any],
                       now: float, counter: list[int]) -> Folder:
    """A project's Documents tree (the size's folders, files, hostile names and areas); returns its root."""
    root, _bin = roots(st, scope)
    _grow(st, scope, root.id, TREE, spec, rng, author, now, counter)
    if spec.hostile:
        _hostile(st, scope, root.id, rng, author, now)
    if spec.extra_folders:
        _areas(st, scope, root.id, spec.extra_folders, spec, rng, author, now, counter)
    return root


def seed_project(st: State, project_id: int, name: str, *, seed: int, size: str) -> None:
    """Add one more project to company 1 while the server runs (the test-only control surface), seeded
    as the size seeds each of its projects, deterministically from (`seed`, `project_id`); the app sees it."""
    spec = SIZES[size]
    rng = random.Random(seed * 1_000_003 + project_id)
    app = st.directory.by_key("app")
    company_id = min(app.companies)
    with st.lock:
        st.directory.projects[project_id] = Project(project_id, company_id, name)
        if app.projects is not None:
            app.projects = app.projects | {project_id}
        author = st.directory.by_key("user").ref()
        now = st.now()
        _project_documents(st, ("project", project_id), spec, rng, author, now, [project_id * 100])
        seed_photos(st, [project_id], spec.photos_per_album, rng, author, now)
        seed_records(st, [project_id], spec.records_per_tool, rng, author, now)


def seed_state(st: State, *, seed: int, size: str) -> None:
    """Fill `st` deterministically; called once before the server starts (no webhook events)."""
    spec = SIZES[size]
    rng = random.Random(seed)
    author = st.directory.by_key("user").ref()
    now = st.now()
    counter = [0]
    for pid, _ in spec.projects:
        scope: Scope = ("project", pid)
        root = _project_documents(st, scope, spec, rng, author, now, counter)
        if spec.bulk_files and pid == spec.projects[0][0]:
            archive = Folder(st.next_id("folder"), scope, "99 Archive", root.id, now, now, author)
            st.folders[archive.id] = archive
            _bulk(st, scope, archive.id, spec.bulk_files, rng, author, now)
    company_scope: Scope = ("company", min(st.directory.by_key("app").companies))
    root, _bin = roots(st, company_scope)
    _grow(st, company_scope, root.id, COMPANY_TREE, spec, rng, author, now, counter)
    project_ids = [pid for pid, _ in spec.projects]
    seed_photos(st, project_ids, spec.photos_per_album, rng, author, now)
    seed_records(st, project_ids, spec.records_per_tool, rng, author, now)
