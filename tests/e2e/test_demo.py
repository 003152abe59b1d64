"""`./dev demo` (contract §1, issue 13 item 5): `python -m demo` on a fresh local stack exits 0 and prints
the summary — everything synced (found == expected, > 0), Photos too (albums, a hostile album name, one image
name twice), the company's Documents through their own link, the live changes both ways (a photo each way and
a company document among them), a PDF of each one-way record tool and a live RFI edit arriving as a new
version, the counts per tool, the skipped lock file with its reason, the notification email, the product's
API calls per endpoint and the dashboard URL; and it leaves no stack process behind.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
SUBJECT = "Two way sync initiated for project Riverside Medical Center"


def _number(pattern: str, text: str) -> list[int]:
    match = re.search(pattern, text, re.MULTILINE)
    assert match, f"no line matching {pattern!r} in the demo's output:\n{text[-3000:]}"
    return [int(g) for g in match.groups()]


def test_demo_runs_end_to_end_and_summarises(tmp_path: Path) -> None:
    state = tmp_path / "state"
    proc = subprocess.run([sys.executable, "-m", "demo", "--state-dir", str(state)], cwd=ROOT, capture_output=True,
                          text=True, timeout=280)
    out = proc.stdout
    assert proc.returncode == 0, f"demo exited {proc.returncode}\n{out[-4000:]}\n{proc.stderr[-4000:]}"
    assert "DEMO OK" in out

    # Progress lines (no TTY here: plain lines), ending at 100%.
    assert re.search(r"^  initial sync: 100% ", out, re.MULTILINE), out[-3000:]

    files, folders, want_files, want_folders = _number(
        r"^In SharePoint: (\d+) files and (\d+) folders \(expected (\d+) and (\d+)\)", out)
    assert files == want_files > 50 and folders == want_folders > 10
    assert _number(r"^In SharePoint: .*, (\d+)\.\d MB$", out)[0] > 0
    assert _number(r"^Initial sync: +\d+\.\d s \((\d+)\.\d files/s\)", out)[0] >= 0
    assert _number(r"^Live changes: +(\d+) arrived", out)[0] == 13
    for change in ("file created", "new version uploaded", "renamed to", "moved to", "deleted",
                   "file created in SharePoint", "content replaced in SharePoint", "renamed in SharePoint",
                   "photo added in Procore", "photo added in SharePoint", "company document created in Procore"):
        assert re.search(rf"^ +\d+\.\d s  {change}", out, re.MULTILINE), change
    # Company Documents (issue 13 item 5): a second link of the tenant, every company file in SharePoint
    company_files, company_folders, want_company_files, want_company_folders = _number(
        r"^Company docs: +(\d+) files and (\d+) folders in SharePoint \(expected (\d+) and (\d+)\)", out)
    assert company_files == want_company_files >= 4 and company_folders == want_company_folders >= 4
    seeded_files, seeded_folders = _number(r"^Procore company Documents: (\d+) files in (\d+) folders$", out)
    assert (want_company_files, want_company_folders) == (seeded_files + 1, seeded_folders)   # + the live one
    # Photos (issue 13): every album and photo, a hostile album name and one image name twice; counts per tool
    photos, albums = _number(r"^Verified again: (\d+) photos in (\d+) album folders match Procore$", out)
    assert photos > 20 and albums >= 5
    assert re.search(r"^  album names SharePoint forbids, mapped: .*'Punch #1: Level 3\?' as '[^']+'", out,
                     re.MULTILINE), out[-3000:]
    assert re.search(r"^  one image name twice in an album: 'IMG_0001\.jpg', the later as 'IMG_0001 \(\d+\)\.jpg'$",
                     out, re.MULTILINE), out[-3000:]
    # Per tool: items synced of Documents, Photos, the company's Documents and each record tool
    per_tool = dict(re.findall(r"^  (\w[\w ]*?) +(?:two_way|one_way) +(\d+) synced", out, re.MULTILINE))
    assert list(per_tool) == ["documents", "photos", "company documents", "rfis", "submittals", "drawings",
                              "forms", "observations", "inspections", "incidents", "commitments"], per_tool
    assert all(int(n) > 0 for n in per_tool.values()), per_tool
    assert int(per_tool["company documents"]) >= want_company_files + want_company_folders

    assert _number(r"^Records: +(\d+) one-way tools", out)[0] == 8
    for folder, pdf in (("RFIs", r"RFI \d{3} - .+"), ("Submittals", "Submittal .+"), ("Drawings", r"A-\d+ - .+"),
                        ("Forms", "Form .+"), ("Observations", "Observation .+"), ("Inspections", "Inspection .+"),
                        ("Incidents", "Incident .+"), ("Commitments", "(SC|PO)-.+")):
        assert re.search(rf"^  {folder}: {pdf}\.pdf$", out, re.MULTILINE), folder
    assert re.search(r"^ +\d+\.\d s  live RFI edit arrived as a new PDF version$", out, re.MULTILINE)
    assert _number(r"^Skipped: +(\d+) item", out)[0] >= 1
    assert "'~$Inspection Notes.docx': Office lock file" in out
    assert f'Email sent:    "{SUBJECT}"' in out
    assert "to: ops@example.com, pm@example.com" in out

    assert _number(r"^Procore API calls by the product: (\d+)", out)[0] > 0
    assert _number(r"^Graph API calls by the product: (\d+)", out)[0] > 0
    assert re.search(r"^ +\d+  PUT /drives/\{drive-id\}/items/\{item-id\}:/\{path\}:/content$", out, re.MULTILINE)
    assert re.search(r"^Dashboard: +http://127\.0\.0\.1:\d+/api/dashboard/$", out, re.MULTILINE)
    assert re.search(r"^Sign in once: +http://127\.0\.0\.1:\d+/api/dashboard/#code=[0-9a-f]{32}\.[\w-]+ ", out,
                     re.MULTILINE)

    # The stack is stopped on exit: nothing of it (its state dir on a command line) is still running.
    leftovers = [p.pid for p in psutil.process_iter(["cmdline"]) if str(state) in " ".join(p.info["cmdline"] or [])]
    assert not leftovers, leftovers
