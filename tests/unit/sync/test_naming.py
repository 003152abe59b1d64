"""Names SharePoint accepts, and files we never sync."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from shared.errors import IllegalName, UnsupportedType
from shared.sync.naming import check_path_length, sharepoint_name, unsupported_reason

FORBIDDEN = set('"*:<>?/\\|')


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Plan A.pdf", "Plan A.pdf"),
        ("Spec: Rev 2.pdf", "Spec\uff1a Rev 2.pdf"),
        ('He said "go".docx', "He said \uff02go\uff02.docx"),
        ("a*b?.txt", "a\uff0ab\uff1f.txt"),
        ("  padded  .xlsx", "padded  .xlsx"),
        ("Trailing dot.", "Trailing dot"),
        ("Trailing space ", "Trailing space"),
        ("CON.txt", "CON_.txt"),
        ("lpt1", "lpt1_"),
        ("Café #3 & 100%.pdf", "Café #3 & 100%.pdf"),
        ("x_vti_y.doc", "x_vti\uff3fy.doc"),
    ],
)
def test_files_are_made_legal(name: str, expected: str) -> None:
    legal = sharepoint_name(name, is_folder=False)
    assert legal == expected
    assert not FORBIDDEN & set(legal)
    assert legal == legal.strip() and not legal.endswith(".")


def test_distinct_illegal_names_stay_distinct() -> None:
    assert sharepoint_name("a:b", is_folder=False) != sharepoint_name("a*b", is_folder=False)


def test_folders() -> None:
    assert sharepoint_name("~Archive", is_folder=True) == "\uff5eArchive"
    assert sharepoint_name("Forms", is_folder=True, at_library_root=True) == "forms_"
    assert sharepoint_name("Forms", is_folder=True) == "Forms"
    assert sharepoint_name("Old.", is_folder=True) == "Old"


@pytest.mark.parametrize("name", ["~$Budget.xlsx", "Thumbs.db", "desktop.ini", ".DS_Store", "autosave.tmp"])
def test_temp_and_system_files_are_never_synced(name: str) -> None:
    assert unsupported_reason(name)
    with pytest.raises(UnsupportedType):
        sharepoint_name(name, is_folder=False)


@pytest.mark.parametrize("name", ["...", "   ", "bad\x01name"])
def test_hopeless_names_are_skipped(name: str) -> None:
    with pytest.raises(IllegalName):
        sharepoint_name(name, is_folder=False)


def test_path_length_limit() -> None:
    check_path_length(PurePosixPath("/" + "a" * 399))
    with pytest.raises(IllegalName, match="400"):
        check_path_length(PurePosixPath("/" + "a" * 400))
