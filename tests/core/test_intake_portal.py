"""Portal exports (CSV, JSON, JSON Lines) with a column mapping, a dry run, line numbers; the
`workbench intake` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.intake.importer import Importer
from workbench.intake.portal import ColumnMapping
from workbench.intake.repository import EscalationRepository
from workbench.model import Category, Priority
from workbench.store.workspace import Workspace

# fmt: off
CSV_TEXT = """\
request_id,submitted_at,officer_name,rank,badge,agency,country,email,phone,emergency_type,targets,data_requested,narrative,account_verified,Internal Notes
P-100,2026-11-21T10:00:00Z,Ana Souza,Delegada,7781,Polícia Federal,BR,ana.souza@pf.gov.br,+55 61 2024-8000,kidnapping,username:sequestro_vitima;phone:+55 11 91234-5678,bsi;location,"Vítima levada às 08:00, pedimos localização.",yes,keep
P-101,not a date,Bob,,,Met Police,GB,bob@met.police.uk,,self-harm,@someone,bsi,text,yes,
P-102,2026-11-21T11:00:00Z,Carl,,,Met Police,GB,carl@met.police.uk,,alien invasion,@x,bsi,text,no,
P-103,2026-11-21T12:00:00Z,,,,,GB,dan@met.police.uk,,threat,@y,bsi,text,no,
P-104,2026-11-21T13:00:00Z,Eve,,,Met Police,GB,eve@met.police.uk,,terrorism,"@z",warp drive,text,no,
P-100,2026-11-21T10:00:00Z,Ana Souza,Delegada,7781,Polícia Federal,BR,ana.souza@pf.gov.br,,kidnapping,@sequestro_vitima,bsi,again,yes,
"""  # noqa: E501
# fmt: on


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_rows_import_and_bad_rows_are_rejected_with_line_numbers(
    ws: Workspace, tmp_path: Path
) -> None:
    path = _write(tmp_path, "export.csv", CSV_TEXT)
    preview = Importer(ws).import_paths([path], dry_run=True)
    assert [i.status for i in preview.items] == [
        "would_create",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "duplicate",
    ]
    assert preview.unmapped_columns[str(path)] == ["Internal Notes"]
    bad = {i.source.rsplit(":", 1)[1]: " ".join(i.errors) for i in preview.items if i.errors}
    assert "not a date" in bad["3"] and "received_at" in bad["3"]
    assert "alien invasion" in bad["4"]
    assert "requester_name" in bad["5"] and "agency" in bad["5"]
    assert "warp drive" in bad["6"]
    assert "Same portal request id" in bad["7"]
    assert ws.cases.list() == []

    report = Importer(ws).import_paths([path])
    created = [i for i in report.items if i.status == "created"]
    assert len(created) == 1 and not report.ok
    record = EscalationRepository(ws).get(created[0].case_id or "")
    e = record.escalation
    assert (e.requester_name, e.requester_rank, e.requester_badge) == (
        "Ana Souza",
        "Delegada",
        "7781",
    )
    assert e.agency == "Polícia Federal" and e.country == "BR"
    assert e.emergency_nature == Category.KIDNAPPING_MISSING and record.priority == Priority.P1
    assert [t.value for t in e.targets] == ["sequestro_vitima", "+55 11 91234-5678"]  # as given
    assert [t.normalized for t in e.targets] == ["sequestro_vitima", "+5511912345678"]
    assert e.narrative == "Vítima levada às 08:00, pedimos localização."
    assert e.portal_account_verified is True
    evidence = ws.evidence.list(record.case_id)
    assert evidence[0].filename == "export-line2.json"
    assert json.loads(ws.evidence.read(evidence[0].id))["row"]["officer_name"] == "Ana Souza"
    again = Importer(ws).import_paths([path])
    assert [i.status for i in again.items if i.status != "rejected"] == ["duplicate", "duplicate"]


def test_json_export_with_mapping_and_line_numbers(ws: Workspace, tmp_path: Path) -> None:
    data = {
        "requests": [
            {
                "Officer": "Kenji Sato",
                "Dept": "警視庁",
                "When": "2026-11-21T09:00:00+09:00",
                "Kind": "self_harm",
                "Mail": "k.sato@npa.go.jp",
                "Accounts": ["username:rin_tokyo", "https://example.jp/p/123"],
                "Story": "本人が自殺をほのめかしています。",
                "Colour": "blue",
            },
            {"Officer": "No time", "Kind": "self_harm"},
        ]
    }
    text = json.dumps(data, ensure_ascii=False, indent=2)
    path = _write(tmp_path, "portal.json", text)
    mapping_file = _write(
        tmp_path,
        "map.toml",
        '[fields]\nrequester_name = ["Officer"]\nagency = ["Dept"]\nreceived_at = ["When"]\n'
        'emergency_nature = ["Kind"]\nrequester_email = ["Mail"]\ntargets = ["Accounts"]\n'
        'narrative = ["Story"]\n',
    )
    mapping = ColumnMapping.load(mapping_file)
    report = Importer(ws, mapping=mapping).import_paths([path])
    assert report.unmapped_columns[str(path)] == ["Colour"]
    ok, bad = report.items
    assert ok.status == "created", ok.errors
    brace = text.rfind("{", 0, text.index("No time"))
    assert bad.status == "rejected"
    assert bad.source == f"{path}:{text.count(chr(10), 0, brace) + 1}"
    assert "received_at" in " ".join(bad.errors)
    record = EscalationRepository(ws).get(ok.case_id or "")
    assert record.escalation.agency == "警視庁"
    assert record.escalation.received_at.isoformat() == "2026-11-21T00:00:00+00:00"
    assert record.escalation.narrative == "本人が自殺をほのめかしています。"


def test_unreadable_and_unmapped_files_are_refused(ws: Workspace, tmp_path: Path) -> None:
    bad_json = _write(tmp_path, "broken.json", '{"requests": [ {"a": 1}, ')
    report = Importer(ws).import_paths([bad_json])
    assert report.items[0].status == "rejected"
    assert "not valid JSON (line 1" in report.items[0].errors[0]
    nothing = _write(tmp_path, "other.csv", "colour,size\nblue,3\n")
    report = Importer(ws).import_paths([nothing])
    assert "none of the columns maps" in report.items[0].errors[0]
    assert report.unmapped_columns[str(nothing)] == ["colour", "size"]
    empty = _write(tmp_path, "empty.csv", "")
    assert "empty" in Importer(ws).import_paths([empty]).items[0].errors[0]
    scalar = _write(tmp_path, "scalar.json", "42")
    assert "list of requests" in Importer(ws).import_paths([scalar]).items[0].errors[0]
    assert ws.cases.list() == []


def test_mapping_errors_name_the_problem(tmp_path: Path) -> None:
    from workbench.errors import ValidationError

    with pytest.raises(ValidationError, match="unknown field 'officer'"):
        ColumnMapping.load(extra=["Name=officer"])
    with pytest.raises(ValidationError, match="is not"):
        ColumnMapping.load(extra=["no equals sign"])
    bad = _write(tmp_path, "bad.toml", "fields = 3")
    with pytest.raises(ValidationError, match=r"\[fields\] table"):
        ColumnMapping.load(bad)


# ---- the CLI ------------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_import_queue_claim_status_digest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from .intake_mail import POLICE_BODY, simple_message

    ws_dir = str(tmp_path / "cli-ws")
    mail = tmp_path / "req.eml"
    mail.write_bytes(simple_message(POLICE_BODY.encode(), charset="utf-8"))
    code, out, _ = run(
        capsys, "intake", "import", str(mail), "--workspace", ws_dir, "--dry-run", "--json"
    )
    assert code == 0 and json.loads(out)["counts"]["would_create"] == 1
    code, out, _ = run(capsys, "intake", "import", str(mail), "--workspace", ws_dir, "--json")
    created = json.loads(out)["items"][0]
    assert code == 0 and created["status"] == "created"
    reference = created["reference"]
    code, out, _ = run(capsys, "intake", "queue", "--workspace", ws_dir, "--json")
    assert json.loads(out)["rows"][0]["reference"] == reference
    code, out, _ = run(capsys, "intake", "claim", reference, "--workspace", ws_dir)
    assert "claimed by analyst.test" in out
    code, out, _ = run(
        capsys, "intake", "status", reference, "triage", "--workspace", ws_dir, "--json"
    )
    assert json.loads(out)["lifecycle"]["triaged_at"]
    code, out, _ = run(
        capsys,
        "intake",
        "check",
        reference,
        "callback",
        "pass",
        "--note",
        "Called the force control room (number from its website).",
        "--workspace",
        ws_dir,
    )
    assert code == 0 and "callback" in out and "does not prove" in out
    code, out, _ = run(
        capsys, "intake", "digest", "--since", "2000-01-01T00:00:00Z", "--workspace", ws_dir
    )
    assert code == 0 and "# Shift hand-off" in out and reference in out and "new → triage" in out
    code, out, _ = run(capsys, "intake", "show", reference, "--workspace", ws_dir, "--json")
    assert json.loads(out)["escalation"]["requester_badge"] == "4471"


def test_cli_errors_are_one_clear_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ws_dir = str(tmp_path / "cli-ws")
    code, _, err = run(capsys, "intake", "digest", "--since", "yesterday", "--workspace", ws_dir)
    assert code == 1 and err.startswith("workbench: error: --since 'yesterday' is not an ISO time")
    assert err.count("\n") == 1
    code, out, _ = run(
        capsys, "intake", "import", str(tmp_path / "nope.eml"), "--workspace", ws_dir
    )
    assert code == 1 and "no such file" in out
    code, _, err = run(capsys, "intake", "claim", "WB-1999-0001", "--workspace", ws_dir)
    assert code == 1 and "No case" in err
    code, _, err = run(capsys, "intake", "queue", "--sort", "colour", "--workspace", ws_dir)
    assert code == 1 and "Cannot sort the queue by 'colour'" in err
