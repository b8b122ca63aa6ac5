"""The one way files are replaced: a `.<name>.<random>.partial` temporary file in the target's
folder, flushed to disk and renamed; any failure or cancel leaves the old file and no temp."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.atomicfile import (
    PARTIAL_SUFFIX,
    atomic_binary,
    atomic_directory,
    atomic_path,
    atomic_text,
    atomic_write,
    staged_file,
)


class Cancelled(Exception):
    """What a cancel button raises in a worker."""


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_binary_replaces_the_file_and_uses_one_temp_name(tmp_path: Path) -> None:
    target = tmp_path / "case.json"
    target.write_bytes(b"old")
    with atomic_binary(target) as out:
        out.write(b"new ")
        temps = [p for p in tmp_path.iterdir() if p != target]
        assert len(temps) == 1
        assert temps[0].name.startswith(".case.json.") and temps[0].name.endswith(".partial")
        assert target.read_bytes() == b"old"  # readers still see the old file
        out.write(b"content")
    assert target.read_bytes() == b"new content"
    assert _names(tmp_path) == ["case.json"]


def test_an_error_inside_the_block_keeps_the_old_file_and_leaves_no_partial(
    tmp_path: Path,
) -> None:
    target = tmp_path / "case.json"
    target.write_bytes(b"old")
    with pytest.raises(ValueError, match="broken row"), atomic_binary(target) as out:
        out.write(b"half of the new")
        raise ValueError("broken row")
    assert target.read_bytes() == b"old"
    assert not list(tmp_path.glob("*.partial")) and _names(tmp_path) == ["case.json"]


@pytest.mark.parametrize("cancel", [Cancelled("cancelled by the user"), KeyboardInterrupt()])
def test_a_cancel_leaves_no_new_file_and_no_partial(tmp_path: Path, cancel: BaseException) -> None:
    target = tmp_path / "export.csv"
    with pytest.raises(type(cancel)), atomic_text(target) as out:
        out.write("id,value\n" * 1000)
        raise cancel
    assert _names(tmp_path) == []


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_disk_error_at_the_end_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "view.png"
    target.write_bytes(b"old")

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, disk_full)
    with pytest.raises(OSError, match="No space left"), atomic_path(target) as temp:
        temp.write_bytes(b"new picture")
    monkeypatch.undo()
    assert target.read_bytes() == b"old" and _names(tmp_path) == ["view.png"]


def test_text_is_encoded_and_written_whole(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    with atomic_text(target) as out:
        out.write('{"name": "Zoë 山田"}\n')
    assert target.read_bytes() == '{"name": "Zoë 山田"}\n'.encode().replace(
        b"\n", os.linesep.encode()
    )
    assert _names(tmp_path) == ["settings.json"]


def test_path_variant_gives_a_writer_a_file_name(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    seen: list[Path] = []
    with atomic_path(target) as temp:
        seen.append(temp)
        assert temp.parent == tmp_path and temp.name.endswith(PARTIAL_SUFFIX)
        assert temp.exists() and temp.stat().st_size == 0
        temp.unlink()  # a writer may remove and recreate the file by its name
        temp.write_bytes(b"%PDF-1.7 whole")
        assert not target.exists()
    assert target.read_bytes() == b"%PDF-1.7 whole" and not seen[0].exists()
    assert _names(tmp_path) == ["report.pdf"]


def test_path_variant_failure_removes_what_the_writer_left(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"previous report")
    with pytest.raises(RuntimeError, match="renderer crashed"), atomic_path(target) as temp:
        temp.write_bytes(b"%PDF-1.7 half")
        raise RuntimeError("renderer crashed")
    assert target.read_bytes() == b"previous report" and _names(tmp_path) == ["report.pdf"]


def test_publish_runs_the_rename_inside_the_callers_step(tmp_path: Path) -> None:
    target = tmp_path / "letter.html"
    steps: list[str] = []

    def in_transaction(rename: Callable[[], None]) -> None:
        steps.append("begin")
        rename()
        steps.append(f"renamed:{target.exists()}")

    with atomic_path(target, publish=in_transaction) as temp:
        temp.write_text("<p>Dear officer</p>", encoding="utf-8")
    assert steps == ["begin", "renamed:True"] and target.exists()


def test_a_failed_publish_removes_the_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "letter.html"

    def rolled_back(rename: Callable[[], None]) -> None:
        raise RuntimeError("audit event could not be committed")

    failing = atomic_path(target, publish=rolled_back)
    with pytest.raises(RuntimeError, match="could not be committed"), failing as temp:
        temp.write_text("<p>Dear officer</p>", encoding="utf-8")
    assert _names(tmp_path) == []


def test_a_publish_that_never_renames_is_an_error_not_a_silent_success(tmp_path: Path) -> None:
    target = tmp_path / "letter.html"

    def forgetful(rename: Callable[[], None]) -> None:
        pass

    writing = atomic_path(target, publish=forgetful)
    with pytest.raises(RuntimeError, match=r"publish\(\) did not call rename"), writing as temp:
        temp.write_text("<p>Dear officer</p>", encoding="utf-8")
    assert _names(tmp_path) == []


def test_staged_file_is_committed_to_a_name_known_only_at_the_end(tmp_path: Path) -> None:
    with staged_file(tmp_path, "blob") as staged:
        staged.file.write(b"content")
        assert staged.path.name.startswith(".blob.")
        (tmp_path / "ab").mkdir()
        staged.commit(tmp_path / "ab" / "abcdef", mode=0o444)
    final = tmp_path / "ab" / "abcdef"
    assert final.read_bytes() == b"content"
    assert final.stat().st_mode & 0o777 == 0o444
    assert _names(tmp_path) == ["ab"]


def test_staged_file_left_without_commit_is_removed(tmp_path: Path) -> None:
    with staged_file(tmp_path, "blob") as staged:
        staged.file.write(b"a copy that is not needed")
    assert _names(tmp_path) == []
    with staged_file(tmp_path, "blob") as staged:
        staged.close()
        with pytest.raises(ValueError, match="was closed; write it through its path"):
            staged.file.write(b"x")
    assert _names(tmp_path) == []


def test_a_very_long_target_name_still_gets_a_temp_name(tmp_path: Path) -> None:
    target = tmp_path / ("é" * 120 + ".txt")  # 244 bytes, near the 255-byte limit
    with atomic_binary(target) as out:
        out.write(b"ok")
    assert target.read_bytes() == b"ok" and _names(tmp_path) == [target.name]


def test_bad_destinations_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    with (
        pytest.raises(FileNotFoundError, match=r"the folder .*missing does not exist"),
        atomic_binary(tmp_path / "missing" / "a.json"),
    ):
        pytest.fail("the block must not run")
    with (
        pytest.raises(IsADirectoryError, match="it is a folder, not a file"),
        atomic_path(tmp_path),
    ):
        pytest.fail("the block must not run")
    assert _names(tmp_path) == []


def test_atomic_write_is_built_on_the_same_mechanism(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "list.json"
    atomic_write(target, b"old")
    created: list[str] = []
    real_replace = os.replace

    def spy(source: str, destination: str) -> None:
        created.append(Path(source).name)
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", spy)
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert created[0].startswith(".list.json.") and created[0].endswith(".partial")


def test_directory_is_filled_then_renamed(tmp_path: Path) -> None:
    target = tmp_path / "export-csv"
    with atomic_directory(target) as temp:
        assert temp.name.startswith(".export-csv.") and temp.name.endswith(".partial")
        (temp / "entities.csv").write_text("id\n", encoding="utf-8")
    assert _names(target) == ["entities.csv"] and _names(tmp_path) == ["export-csv"]


def test_a_failed_directory_leaves_nothing_even_with_subfolders(tmp_path: Path) -> None:
    target = tmp_path / "export-csv"
    with pytest.raises(Cancelled), atomic_directory(target) as temp:
        (temp / "nested").mkdir()
        (temp / "nested" / "links.csv").write_text("id\n", encoding="utf-8")
        raise Cancelled("cancelled by the user")
    assert _names(tmp_path) == []


def test_directory_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    target = tmp_path / "export-csv"
    target.mkdir()
    (target / "keep.txt").write_text("mine", encoding="utf-8")
    with (
        pytest.raises(FileExistsError, match="exists and is not an empty folder"),
        atomic_directory(target),
    ):
        pytest.fail("the block must not run")
    with (
        pytest.raises(FileNotFoundError, match="does not exist"),
        atomic_directory(tmp_path / "missing" / "export-csv"),
    ):
        pytest.fail("the block must not run")
    assert _names(target) == ["keep.txt"] and _names(tmp_path) == ["export-csv"]
