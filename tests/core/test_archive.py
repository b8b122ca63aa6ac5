"""Case archive (unencrypted): round trip into another workspace (with the assessment, its
approvals, the verification results, merges and pins), and every way a damaged, tampered or
hostile archive is refused with nothing kept."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, insert, select

from workbench.assess import AssessmentRepository, FactorAnswer
from workbench.assess.approvals import approval_status
from workbench.audit import canonical_json, iter_events, verify_chain
from workbench.demo import create_demo_case
from workbench.errors import NotFoundError, ValidationError, WorkbenchError
from workbench.exchange.archive import ArchiveError, create_archive, open_archive, verify_archive
from workbench.graph.merge import CONFLICTS, MERGED_FROM, MergeRepository
from workbench.model import ProvenanceKind
from workbench.report import ReportOptions, build_context
from workbench.store.graph import Source
from workbench.store.schema import (
    assessment_approvals,
    assessment_versions,
    assessments,
    escalation_targets,
    escalations,
    evidence_links,
    graph_merges,
    links,
    provenance,
    verification_checks,
    workspace_meta,
)
from workbench.store.workspace import Workspace

RANDOM = os.urandom(300_000)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One source workspace and archive for the module (building the demo case is slow)."""
    root = tmp_path_factory.mktemp("source")
    workspace = Workspace.open(root / "ws", actor="analyst.source")
    case = create_demo_case(workspace)
    workspace.evidence.add_bytes(case.id, RANDOM, "random.bin", description="binary")
    report = create_archive(workspace, case.id, root / "case.wbcase")
    yield workspace, case.id, report.path
    workspace.close()


@pytest.fixture
def source(built: Any) -> Workspace:
    return built[0]  # type: ignore[no-any-return]


@pytest.fixture
def made(built: Any, tmp_path: Path) -> tuple[str, Path]:
    """A fresh copy of the archive that a test may damage."""
    copy = tmp_path / "case.wbcase"
    shutil.copyfile(built[2], copy)
    return built[1], copy


@pytest.fixture
def other(tmp_path: Path) -> Any:
    workspace = Workspace.open(tmp_path / "other")
    yield workspace
    workspace.close()


def _state(ws: Workspace) -> tuple[int, int, int]:
    with ws.read() as conn:
        events = verify_chain(conn).checked
    blobs = sum(1 for p in (ws.root / "blobs").rglob("*") if p.is_file())
    return len(ws.cases.list()), events, blobs


def test_round_trip_into_another_workspace(
    source: Workspace, made: tuple[str, Path], other: Workspace
) -> None:
    ws = source
    case_id, path = made
    report = verify_archive(path)
    assert report.members == 2 + len({e.sha256 for e in ws.evidence.list(case_id)})
    result = open_archive(other, path)
    assert result.case_id == case_id and not result.summary["ids_renewed"]
    source = ws.cases.get(case_id)
    assert other.cases.get(case_id).reference == source.reference
    assert other.graph.count_entities(case_id) == ws.graph.count_entities(case_id)
    assert other.graph.count_links(case_id) == ws.graph.count_links(case_id)
    assert sorted(k.grading for k in other.graph.list_links(case_id)) == sorted(
        k.grading for k in ws.graph.list_links(case_id)
    )
    for item in ws.evidence.list(case_id):
        assert other.evidence.read(item.id) == ws.evidence.read(item.id)
        actions = [c.action.value for c in other.evidence.custody(item.id)]
        assert actions[-1] == "transfer"
        assert [c.action.value for c in ws.evidence.custody(item.id)][-1] == "export"
    with other.read() as conn:
        assert verify_chain(conn).ok
        event = next(e for e in iter_events(conn, case_id) if e.action == "case.archive_import")
    assert event.summary["archive_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    with ws.read() as conn:
        assert any(e.action == "case.archive_create" for e in iter_events(conn, case_id))


def test_opening_twice_gives_new_ids_and_reference(
    made: tuple[str, Path], other: Workspace
) -> None:
    case_id, path = made
    first = open_archive(other, path)
    second = open_archive(other, path)
    assert second.summary["ids_renewed"] and second.case_id != case_id
    assert second.reference != first.reference
    ids_a = {e.id for e in other.graph.list_entities(first.case_id)}
    ids_b = {e.id for e in other.graph.list_entities(second.case_id)}
    assert len(ids_b) == len(ids_a) and not ids_a & ids_b


def test_tampered_blob_is_refused_and_nothing_kept(
    made: tuple[str, Path], other: Workspace
) -> None:
    _, path = made
    data = bytearray(path.read_bytes())
    data[data.index(RANDOM[:64]) + 150_000] ^= 0x01  # inside the random blob
    path.write_bytes(bytes(data))
    before = _state(other)
    with pytest.raises(ArchiveError, match="SHA-256"):
        open_archive(other, path)
    assert _state(other) == before
    with pytest.raises(ArchiveError):
        verify_archive(path)


@pytest.mark.parametrize("keep", [0.1, 0.3, 0.6, 0.9])
def test_truncated_archive_is_refused(
    made: tuple[str, Path], other: Workspace, keep: float
) -> None:
    _, path = made
    path.write_bytes(path.read_bytes()[: int(path.stat().st_size * keep)])
    before = _state(other)
    with pytest.raises(ArchiveError, match=r"truncated|damaged|declares|lacks"):
        open_archive(other, path)
    assert _state(other) == before


def test_not_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "x.wbcase"
    path.write_bytes(b"PK\x03\x04 a zip file, not a case archive" * 20)
    with pytest.raises(ValidationError, match="not an OSINT Workbench case archive"):
        verify_archive(path)


# ---- hostile archives, built by hand ----------------------------------------------------
def _member(name: str, data: bytes, **attrs: Any) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in attrs.items():
        setattr(info, key, value)
    return info, data


def _case_gz(data: dict[str, Any] | None = None) -> tuple[bytes, bytes]:
    raw = json.dumps(data or {"archive_data": "x", "evidence": []}).encode()
    return raw, gzip.compress(raw)


def _manifest(members: list[dict[str, Any]], version: int = 1) -> bytes:
    return json.dumps(
        {
            "format": "osint-workbench/case-archive",
            "format_version": version,
            "case": {"reference": "WB-X", "title": "crafted"},
            "members": members,
        }
    ).encode()


def _entry(name: str, data: bytes, raw: bytes | None = None) -> dict[str, Any]:
    entry = {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if raw is not None:
        entry.update(
            uncompressed_size=len(raw), uncompressed_sha256=hashlib.sha256(raw).hexdigest()
        )
    return entry


def _craft(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/passwd", "blobs/../../x", "case.json"])
def test_unsafe_member_names_are_refused(tmp_path: Path, name: str) -> None:
    raw, packed = _case_gz()
    manifest = _manifest([_entry("case.json.gz", packed, raw)])
    path = _craft(
        tmp_path / "evil.wbcase",
        [_member("manifest.json", manifest), _member("case.json.gz", packed), _member(name, b"x")],
    )
    with pytest.raises(ArchiveError, match="not in the manifest"):
        verify_archive(path)
    manifest = _manifest([_entry("case.json.gz", packed, raw), _entry(name, b"x")])
    path = _craft(tmp_path / "evil2.wbcase", [_member("manifest.json", manifest)])
    with pytest.raises(ArchiveError, match="unsafe member name"):
        verify_archive(path)
    assert not (tmp_path.parent / "escape.txt").exists()


@pytest.mark.parametrize(
    ("kind", "match"), [(tarfile.SYMTYPE, "symbolic link"), (tarfile.LNKTYPE, "hard link")]
)
def test_links_are_refused(tmp_path: Path, kind: bytes, match: str) -> None:
    raw, packed = _case_gz()
    manifest = _manifest([_entry("case.json.gz", packed, raw)])
    link = _member("case.json.gz", b"", type=kind, linkname="/etc/passwd")
    path = _craft(tmp_path / "link.wbcase", [_member("manifest.json", manifest), link])
    with pytest.raises(ArchiveError, match=match):
        verify_archive(path)


def test_decompression_bomb_is_refused(tmp_path: Path) -> None:
    raw = b"0" * (64 * 1024 * 1024)
    packed = gzip.compress(raw, compresslevel=9)
    honest = _manifest([_entry("case.json.gz", packed, raw)])
    path = _craft(
        tmp_path / "bomb.wbcase",
        [_member("manifest.json", honest), _member("case.json.gz", packed)],
    )
    with pytest.raises(ArchiveError, match="decompression bomb"):
        verify_archive(path)
    entry = _entry("case.json.gz", packed, raw)
    entry["uncompressed_size"] = 1000  # lies low: inflating must stop at the declared size
    path = _craft(
        tmp_path / "liar.wbcase",
        [_member("manifest.json", _manifest([entry])), _member("case.json.gz", packed)],
    )
    with pytest.raises(ArchiveError, match="beyond its declared"):
        verify_archive(path)


def test_sizes_the_file_cannot_hold_are_refused(tmp_path: Path) -> None:
    raw, packed = _case_gz()
    entry = _entry("blobs/" + "a" * 64, b"")
    entry["size"] = 10**12
    manifest = _manifest([_entry("case.json.gz", packed, raw), entry])
    path = _craft(tmp_path / "big.wbcase", [_member("manifest.json", manifest)])
    with pytest.raises(ArchiveError, match="declares"):
        verify_archive(path)


def test_newer_format_is_refused_clearly(tmp_path: Path) -> None:
    raw, packed = _case_gz()
    manifest = _manifest([_entry("case.json.gz", packed, raw)], version=99)
    path = _craft(
        tmp_path / "new.wbcase",
        [_member("manifest.json", manifest), _member("case.json.gz", packed)],
    )
    with pytest.raises(ValidationError, match=r"newer OSINT Workbench.*format 99"):
        verify_archive(path)


def test_unwritable_destination_and_missing_blob(ws: Workspace, tmp_path: Path) -> None:
    case = ws.cases.create("Small case")
    ws.evidence.add_bytes(case.id, b"some evidence", "note.txt")
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(ValidationError, match="does not exist"):
        create_archive(ws, case.id, tmp_path / "a-file" / "a.wbcase")
    with pytest.raises(ValidationError, match="is a folder"):
        create_archive(ws, case.id, tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if not os.access(locked, os.W_OK):  # root may write anywhere
            with pytest.raises(ValidationError, match="permission denied"):
                create_archive(ws, case.id, locked / "a.wbcase")
    finally:
        locked.chmod(0o700)
    item = ws.evidence.list(case.id)[0]
    blob = ws.blobs.path_for(item.sha256)
    blob.chmod(0o644)
    blob.unlink()
    with pytest.raises(NotFoundError, match="missing"):
        create_archive(ws, case.id, tmp_path / "b.wbcase")
    assert not list(tmp_path.glob("*.wbcase*")) and not list(tmp_path.glob(".b.wbcase*"))


def test_changed_blob_stops_the_archive(ws: Workspace, tmp_path: Path) -> None:
    case = ws.cases.create("Small case")
    item = ws.evidence.add_bytes(case.id, b"original evidence bytes", "note.txt")
    blob = ws.blobs.path_for(item.sha256)
    blob.chmod(0o644)
    blob.write_bytes(b"altered evidence bytes!")
    with pytest.raises(WorkbenchError, match="changed on disk"):
        create_archive(ws, case.id, tmp_path / "c.wbcase")
    assert not list(tmp_path.glob("*c.wbcase*"))


# ---- the record of the decision travels with the case ------------------------------------
NEW_PARTS = (
    "escalation_targets",
    "verification_checks",
    "assessments",
    "assessment_versions",
    "assessment_approvals",
    "graph_merges",
    "graph_pinned",
    "provenance_ids",
)


@pytest.fixture(scope="module")
def worked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, str, Path]]:
    """The sample case (escalation with targets, verification results, an assessment whose
    decision a second person approved), then a new assessment version linking an entity that a
    merge later folds into another, a saved position and pinned nodes (one pin naming an
    entity deleted since)."""
    root = tmp_path_factory.mktemp("worked")
    ws = Workspace.open(root / "ws", actor="analyst.test")
    case = create_demo_case(ws)
    capture = next(e for e in ws.evidence.list(case.id) if e.filename.endswith(".html"))
    keep = ws.graph.resolve_entity(case.id, "account:nightowl_rin")
    subject = ws.graph.resolve_entity(case.id, "person:Rin (surname unknown)")
    mirror = ws.graph.add_entity(
        case.id,
        "account",
        "nightowl.rin.mirror",
        properties={"platform": "MirrorHub", "user_id": "58214407"},
        source=Source(ProvenanceKind.EVIDENCE, capture.id, capture.filename),
    )
    ip = ws.graph.resolve_entity(case.id, "ip:203.0.113.45")
    ws.graph.add_link(case.id, mirror.id, ip.id, "logged_in_from")
    ws.evidence.link(capture.id, mirror.id, "mentions", "same handle on a mirror site")
    repo = AssessmentRepository(ws)
    saved = repo.require_current(case.id)
    answer = FactorAnswer("unknown", entity_ids=(mirror.id,), evidence_ids=(capture.id,))
    repo.save(
        case.id,
        saved.record.with_answer("imm_means_available", answer),
        base_version=saved.version,
    )
    MergeRepository(ws).merge(case.id, keep.id, [mirror.id], reason="the same person")
    ws.graph.set_positions(case.id, {keep.id: (12.5, -40.0)})
    with ws.write() as conn:  # the graph tab's form: a JSON list under graph.pinned:<case>
        pins = json.dumps(sorted([keep.id, subject.id, "an-entity-deleted-since"]))
        conn.execute(insert(workspace_meta).values(key=f"graph.pinned:{case.id}", value=pins))
    report = create_archive(ws, case.id, root / "worked.wbcase")
    yield ws, case.id, report.path
    ws.close()


def _rows(ws: Workspace, table: Table, case_id: str, *order: str) -> list[dict[str, Any]]:
    with ws.read() as conn:
        query = select(table).where(table.c.case_id == case_id)
        return [dict(r._mapping) for r in conn.execute(query.order_by(*map(table.c.get, order)))]


def _without(rows: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in names} for row in rows]


def _pins(ws: Workspace, case_id: str) -> list[str]:
    with ws.read() as conn:
        value = conn.execute(
            select(workspace_meta.c.value).where(workspace_meta.c.key == f"graph.pinned:{case_id}")
        ).scalar()
    return list(json.loads(value)) if value else []


def _sha(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def _references_hold(ws: Workspace, case_id: str) -> dict[str, Any]:
    """Every id the case's decision record, checks, targets, merges and pins hold names a row
    of this same case; returns the rows read, for further checks."""
    entity_ids = {e.id for e in ws.graph.list_entities(case_id)}
    evidence_ids = {e.id for e in ws.evidence.list(case_id)}
    (assessment,) = _rows(ws, assessments, case_id)
    versions = _rows(ws, assessment_versions, case_id, "version")
    approvals = _rows(ws, assessment_approvals, case_id)
    merges = _rows(ws, graph_merges, case_id)
    merged_away = {d for m in merges for d in m["duplicate_ids"]}
    assert [v["version"] for v in versions] == list(range(1, assessment["version"] + 1))
    for version in versions:
        assert version["assessment_id"] == assessment["id"]
        assert version["snapshot_sha256"] == _sha(version["snapshot"])  # intact
        record = version["snapshot"]["record"]
        named = list(record["context"]["subject_ids"]) + list(record["context"]["target_ids"])
        shown = list(record["context"]["evidence_ids"])
        for answer in record["answers"].values():
            named += answer["entity_ids"]
            shown += answer["evidence_ids"]
        assert set(named) <= entity_ids | merged_away and set(shown) <= evidence_ids
    assert approvals
    for approval in approvals:  # an approval binds to a version and its decision
        assert approval["assessment_id"] == assessment["id"]
        version = next(v for v in versions if v["version"] == approval["version"])
        assert version["decision_digest"] == approval["decision_digest"]
    checks = _rows(ws, verification_checks, case_id)
    assert checks and {c["evidence_id"] for c in checks} - {None} <= evidence_ids
    (escalation,) = _rows(ws, escalations, case_id)
    targets = [t["entity_id"] for t in escalation["targets"] if t.get("entity_id")]
    assert targets and set(targets) <= entity_ids
    assert _rows(ws, escalation_targets, case_id)
    with ws.read() as conn:
        numbers = {
            r.id: r.object_id
            for r in conn.execute(select(provenance).where(provenance.c.case_id == case_id))
        }
        moved = {r.id: r.object_id for r in conn.execute(select(evidence_links))}
        link_ids = set(conn.execute(select(links.c.id).where(links.c.case_id == case_id)).scalars())
    (merge,) = merges
    keep = ws.graph.get_entity(merge["keep_id"])
    assert keep.case_id == case_id and not merged_away & entity_ids
    assert [e["id"] for e in keep.properties[MERGED_FROM]] == merge["duplicate_ids"]
    assert {e["merge_id"] for e in keep.properties[MERGED_FROM]} == {merge["id"]}
    assert [e["from"] for e in keep.properties[CONFLICTS]["platform"]] == merge["duplicate_ids"]
    snapshot = merge["snapshot"]
    assert merge["snapshot_sha256"] == _sha(snapshot)
    assert snapshot["keep_before"]["id"] == keep.id
    assert [d["id"] for d in snapshot["duplicates"]] == merge["duplicate_ids"]
    assert {d["case_id"] for d in snapshot["duplicates"]} == {case_id}
    assert snapshot["provenance"] and all(
        numbers[p["id"]] == keep.id and p["object_id"] in merged_away
        for p in snapshot["provenance"]
    )
    assert snapshot["evidence_links_moved"] and all(
        moved[m["id"]] == keep.id for m in snapshot["evidence_links_moved"]
    )
    assert {k["id"] for k in snapshot["links"]} <= link_ids
    assert set(_pins(ws, case_id)) <= entity_ids and len(_pins(ws, case_id)) == 2
    return {"assessment": assessment, "approvals": approvals, "checks": checks, "merge": merge}


def _decision_shown(ws: Workspace, case_id: str) -> dict[str, Any]:
    """What the case report shows of the assessment and the decision (the parts without ids
    of the case: those differ between copies)."""
    context = build_context(ws, case_id, ReportOptions())
    assessment, decision = context["assessment"], context["decision"]
    assert assessment["version"] >= 2 and assessment["trace"] and assessment["final_tier"]
    assert decision["approval_satisfied"] and decision["approvals"]
    shown = ("version", "saved_by", "saved_at", "suggested_tier", "final_tier", "trace")
    return {
        **{key: assessment[key] for key in shown},
        "record": {key: assessment[key] for key in ("decision", "preservation", "approval")},
        "decision": decision,
    }


def _unmerge_brings_back_the_duplicate(ws: Workspace, case_id: str) -> None:
    (merge,) = MergeRepository(ws).list_merges(case_id)
    MergeRepository(ws).unmerge(merge.id)
    (mirror_id,) = merge.duplicate_ids
    mirror = ws.graph.get_entity(mirror_id)
    assert mirror.value == "nightowl.rin.mirror" and mirror.case_id == case_id
    assert [p.kind for p in mirror.provenance] == [ProvenanceKind.EVIDENCE]
    assert any(k.source_id == mirror_id for k in ws.graph.list_links(case_id))
    with ws.read() as conn:
        relations = conn.execute(
            select(evidence_links.c.relation).where(evidence_links.c.object_id == mirror_id)
        ).scalars()
        assert list(relations) == ["mentions"]
    answer = AssessmentRepository(ws).require_current(case_id).record.answer("imm_means_available")
    assert answer.entity_ids == (mirror_id,)  # the assessment's link resolves again
    assert MERGED_FROM not in ws.graph.get_entity(merge.keep_id).properties


def test_the_decision_record_travels_with_the_case(
    worked: tuple[Workspace, str, Path], other: Workspace
) -> None:
    ws, case_id, path = worked
    result = open_archive(other, path)
    assert result.case_id == case_id and not result.summary["ids_renewed"]
    for table, order, serial in (
        (assessments, ("id",), ()),
        (assessment_versions, ("version",), ("id",)),
        (assessment_approvals, ("id",), ()),
        (verification_checks, ("id",), ()),
        (escalation_targets, ("id",), ("id",)),
    ):
        here = _without(_rows(other, table, case_id, *order), *serial)
        assert here == _without(_rows(ws, table, case_id, *order), *serial), table.name
    # The merge arrives whole; only the provenance row numbers it names are this workspace's
    # own (so its snapshot digest is renewed, and the import event says from what to what).
    (source_merge,) = _rows(ws, graph_merges, case_id)
    (merge,) = _rows(other, graph_merges, case_id)
    assert _without([merge], "snapshot", "snapshot_sha256") == _without(
        [source_merge], "snapshot", "snapshot_sha256"
    )
    strip = {"provenance": [{**p, "id": 0} for p in merge["snapshot"]["provenance"]]}
    assert {**merge["snapshot"], **strip} == {
        **source_merge["snapshot"],
        "provenance": [{**p, "id": 0} for p in source_merge["snapshot"]["provenance"]],
    }
    assert result.summary["snapshots_rehashed"] == {
        source_merge["snapshot_sha256"]: merge["snapshot_sha256"]
    }
    _references_hold(other, case_id)
    repo, source_repo = AssessmentRepository(other), AssessmentRepository(ws)
    history = repo.history(case_id)
    assert len(history) >= 2 and all(v.intact for v in history)
    assert history == source_repo.history(case_id)
    assert repo.require_current(case_id).trace == source_repo.require_current(case_id).trace
    status = approval_status(repo, case_id)
    assert status.satisfied and status == approval_status(source_repo, case_id)
    keep = next(e for e in other.graph.list_entities(case_id) if e.value == "nightowl_rin")
    assert (keep.pos_x, keep.pos_y) == (12.5, -40.0)  # positions are entity columns
    assert _pins(other, case_id) == [
        p for p in _pins(ws, case_id) if p != "an-entity-deleted-since"
    ]
    assert _decision_shown(other, case_id) == _decision_shown(ws, case_id)
    tables = (
        escalation_targets,
        verification_checks,
        assessments,
        assessment_versions,
        assessment_approvals,
        graph_merges,
    )
    counts = {table.name: len(_rows(ws, table, case_id)) for table in tables}
    assert {key: result.summary[key] for key in counts} == counts
    assert all(counts.values()) and result.summary["graph_pins"] == 2
    with other.read() as conn:
        assert verify_chain(conn).ok
        event = next(e for e in iter_events(conn, case_id) if e.action == "case.archive_import")
    assert {key: event.summary[key] for key in counts} == counts
    _unmerge_brings_back_the_duplicate(other, case_id)


def test_opened_twice_every_reference_follows_the_new_ids(
    worked: tuple[Workspace, str, Path], other: Workspace
) -> None:
    ws, case_id, path = worked
    first = open_archive(other, path)
    second = open_archive(other, path)
    assert second.summary["ids_renewed"] and second.case_id != first.case_id
    a = _references_hold(other, first.case_id)
    b = _references_hold(other, second.case_id)
    assert a["assessment"]["id"] != b["assessment"]["id"]
    assert a["merge"]["id"] != b["merge"]["id"]
    assert not set(a["merge"]["duplicate_ids"]) & set(b["merge"]["duplicate_ids"])
    assert not {x["id"] for x in a["approvals"]} & {x["id"] for x in b["approvals"]}
    assert not {x["id"] for x in a["checks"]} & {x["id"] for x in b["checks"]}
    assert _without(b["approvals"], "id", "assessment_id", "case_id") == _without(
        a["approvals"], "id", "assessment_id", "case_id"
    )
    # Renewed ids change the snapshots, so their digests are renewed; the import event maps
    # the digests of the source's audit trail to the new ones.
    source_versions = _rows(ws, assessment_versions, case_id, "version")
    versions = _rows(other, assessment_versions, second.case_id, "version")
    assert [v["decision_digest"] for v in versions] == [
        v["decision_digest"] for v in source_versions
    ]
    rehashed = second.summary["snapshots_rehashed"]
    assert [rehashed[v["snapshot_sha256"]] for v in source_versions] == [
        v["snapshot_sha256"] for v in versions
    ]
    assert AssessmentRepository(other).require_current(second.case_id).record.context.subject_ids
    assert _decision_shown(other, second.case_id) == _decision_shown(ws, case_id)
    _unmerge_brings_back_the_duplicate(other, second.case_id)
    _references_hold(other, first.case_id)  # the first copy is untouched by the second's undo
    with other.read() as conn:
        assert verify_chain(conn).ok


def test_an_altered_snapshot_stays_visibly_altered_when_ids_are_renewed(
    worked: tuple[Workspace, str, Path], tmp_path: Path, other: Workspace
) -> None:
    ws, case_id, path = worked
    altered = tmp_path / "altered.wbcase"
    shutil.copyfile(path, altered)

    def alter(data: dict[str, Any]) -> None:  # edited after saving, digest left as it was
        data["assessment_versions"][0]["snapshot"]["record"]["tier_justification"] = "edited"

    _rewrite_case_json(altered, alter)
    open_archive(other, path)
    result = open_archive(other, altered)
    assert result.summary["ids_renewed"]
    intact = [v.intact for v in AssessmentRepository(other).history(result.case_id)]
    assert intact[0] is False and all(intact[1:])
    first = _rows(ws, assessment_versions, case_id, "version")[0]
    assert first["snapshot_sha256"] not in result.summary["snapshots_rehashed"]
    assert len(result.summary["snapshots_rehashed"]) == len(intact)  # the others, and the merge


def _rewrite_case_json(path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    """The archive with its case.json edited and the manifest made to agree (as an older
    version of the application, or a faulty writer, would have made it)."""
    with tarfile.open(path) as tar:
        members = []
        for info in tar.getmembers():
            handle = tar.extractfile(info)
            assert handle is not None
            members.append((info.name, handle.read()))
    manifest = json.loads(members[0][1])
    data = json.loads(gzip.decompress(members[1][1]))
    edit(data)
    raw = json.dumps(data).encode()
    packed = gzip.compress(raw)
    manifest["members"][0] = _entry("case.json.gz", packed, raw)
    rebuilt = [("manifest.json", json.dumps(manifest).encode()), ("case.json.gz", packed)]
    _craft(path, [_member(name, body) for name, body in rebuilt + members[2:]])


def test_archive_from_before_the_decision_record_was_carried_still_opens(
    made: tuple[str, Path], other: Workspace
) -> None:
    case_id, path = made

    def old_style(data: dict[str, Any]) -> None:
        assert set(NEW_PARTS) <= set(data)
        for key in NEW_PARTS:
            del data[key]

    _rewrite_case_json(path, old_style)
    result = open_archive(other, path)
    assert result.case_id == case_id and other.graph.count_entities(case_id) > 0
    assert {key: result.summary[key] for key in NEW_PARTS[:6]} == dict.fromkeys(NEW_PARTS[:6], 0)
    assert result.summary["graph_pins"] == 0 and result.summary["snapshots_rehashed"] == {}
    assert AssessmentRepository(other).current(case_id) is None
    assert _pins(other, case_id) == []


def _drop_snapshot(data: dict[str, Any]) -> None:
    del data["assessment_versions"][0]["snapshot"]


def _foreign_approval(data: dict[str, Any]) -> None:
    data["assessment_approvals"][0]["assessment_id"] = "an-assessment-of-another-case"


def _two_assessments(data: dict[str, Any]) -> None:
    data["assessments"].append({**data["assessments"][0], "id": "a-second-one"})


def _pins_not_a_list(data: dict[str, Any]) -> None:
    data["graph_pinned"] = "entity-1"


def _checks_not_rows(data: dict[str, Any]) -> None:
    data["verification_checks"] = {"id": "x"}


def _merge_without_json(data: dict[str, Any]) -> None:
    data["graph_merges"][0]["snapshot"] = "not a snapshot"


def _duplicates_not_ids(data: dict[str, Any]) -> None:
    data["graph_merges"][0]["duplicate_ids"] = [1, 2]


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (_drop_snapshot, "assessment_versions row 1 lacks snapshot"),
        (_foreign_approval, "assessment_approvals row 1 belongs to an assessment it does not"),
        (_two_assessments, "a case has one assessment, the archive holds several"),
        (_pins_not_a_list, "graph_pinned is not a list of entity ids"),
        (_checks_not_rows, "verification_checks is not a list of rows"),
        (_merge_without_json, "graph_merges row 1: snapshot is not JSON data"),
        (_duplicates_not_ids, "graph_merges row 1: duplicate_ids is not a list of ids"),
    ],
)
def test_damaged_decision_record_is_refused_and_nothing_kept(
    worked: tuple[Workspace, str, Path],
    tmp_path: Path,
    other: Workspace,
    edit: Callable[[dict[str, Any]], None],
    match: str,
) -> None:
    path = tmp_path / "damaged.wbcase"
    shutil.copyfile(worked[2], path)
    _rewrite_case_json(path, edit)
    before = _state(other)
    with pytest.raises(ValidationError, match=f"case.json is damaged: {match}"):
        open_archive(other, path)
    assert _state(other) == before


@pytest.mark.parametrize("passphrase", [None, "correct horse battery"])
def test_a_changed_blob_after_others_is_named_and_nothing_is_written(
    ws: Workspace, tmp_path: Path, passphrase: str | None
) -> None:
    """Blobs are re-hashed ahead of the copy on other threads: the one that changed is the
    one named, whatever its place, and no archive (or part of one) is left."""
    case = ws.cases.create("Three items")
    items = [
        ws.evidence.add_bytes(case.id, f"evidence item {n} ".encode() * 50_000, f"item{n}.bin")
        for n in range(3)
    ]
    changed = items[2]
    blob = ws.blobs.path_for(changed.sha256)
    blob.chmod(0o644)
    blob.write_bytes(b"X" + blob.read_bytes()[1:])
    options = {"scrypt_n": 2**10} if passphrase else {}
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(WorkbenchError, match=f"{changed.sha256[:12]}.*changed on disk"):
        create_archive(ws, case.id, out / "c.wbcase", passphrase=passphrase, **options)
    assert list(out.iterdir()) == []
