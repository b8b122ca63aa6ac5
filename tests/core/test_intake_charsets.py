"""Japanese and Latin-1 mail decodes correctly, whatever its charset label says."""

from __future__ import annotations

import base64

import pytest

from workbench.intake.charsets import decode_bytes, decode_header_value
from workbench.intake.eml import parse_message
from workbench.intake.importer import Importer
from workbench.intake.repository import EscalationRepository
from workbench.store.workspace import Workspace

from .intake_mail import simple_message

JA = "緊急の開示請求です。アカウント @rin_tokyo が危険な状態です。本日中に対応願います。"
PT = "Solicitação de emergência: a criança está em perigo. Ação imediata, João Gonçalves."
ES = "Petición urgente: el niño está en peligro — señal «rápida», Peña."


@pytest.mark.parametrize(
    ("text", "codec", "declared", "warned"),
    [
        (JA, "iso2022_jp", "iso-2022-jp", False),
        (JA, "iso2022_jp", None, True),  # missing declaration: found by its escapes
        (JA, "shift_jis", "shift_jis", False),
        (JA, "cp932", "Shift_JIS", False),
        (JA, "shift_jis", None, True),
        (JA, "shift_jis", "iso-8859-1", True),  # wrong declaration
        (JA, "shift_jis", "us-ascii", True),
        (JA, "euc_jp", "euc-jp", False),
        (JA, "euc_jp", None, True),
        (JA, "utf-8", "iso-8859-1", True),  # UTF-8 labelled Latin-1
        (PT, "latin-1", "iso-8859-1", False),
        (PT, "latin-1", None, True),
        (PT, "latin-1", "utf-8", True),  # Latin-1 labelled UTF-8
        (PT, "latin-1", "shift_jis", True),
        (ES, "cp1252", "iso-8859-1", False),  # Windows "smart" characters under a Latin-1 label
        (ES, "cp1252", None, True),
        (ES, "utf-8", "iso-8859-1", True),
        (PT, "latin-1", "x-no-such-charset", True),
    ],
)
def test_body_decodes_whatever_the_label(
    text: str, codec: str, declared: str | None, warned: bool
) -> None:
    found = decode_bytes(text.encode(codec), declared, "body")
    assert found.text == text
    assert (found.warning is not None) == warned
    if declared and warned:
        assert declared in found.warning  # the warning names the label it did not trust


def test_short_kanji_only_text_without_label() -> None:
    assert decode_bytes("緊急".encode("shift_jis"), None).text == "緊急"
    assert decode_bytes("Ação".encode("latin-1"), None).text == "Ação"


def test_headers_rfc2047_and_raw_8bit() -> None:
    assert decode_header_value("=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?=").text == "山田"
    latin = decode_header_value("=?iso-8859-1?q?Solicita=E7=E3o?= urgente")
    assert latin.text == "Solicitação urgente" and latin.warning is None
    raw = "緊急要請".encode("shift_jis").decode("ascii", "surrogateescape")
    found = decode_header_value(raw, "subject")
    assert found.text == "緊急要請"
    assert "raw 8-bit" in (found.warning or "")
    wrong = base64.b64encode("Ação".encode("latin-1")).decode()
    mislabelled = decode_header_value(f"=?utf-8?b?{wrong}?=", "subject")
    assert mislabelled.text == "Ação" and "utf-8" in (mislabelled.warning or "")


@pytest.mark.parametrize(
    ("text", "codec", "declared", "subject"),
    [
        (JA, "iso2022_jp", "ISO-2022-JP", "=?ISO-2022-JP?B?GyRCNkU1XjN4PCgbKEI=?="),
        (JA, "shift_jis", None, None),  # raw Shift_JIS subject and body, no charset at all
        (JA, "shift_jis", "iso-8859-1", None),
        (PT, "latin-1", "iso-8859-1", "=?iso-8859-1?q?Solicita=E7=E3o_urgente?="),
        (PT, "latin-1", None, None),
        (ES, "cp1252", "windows-1252", None),
    ],
)
def test_imported_message_keeps_exact_text(
    ws: Workspace, text: str, codec: str, declared: str | None, subject: str | None
) -> None:
    subject_bytes = subject.encode() if subject else text[:8].encode(codec)
    raw = simple_message(
        text.encode(codec),
        charset=declared,
        subject=subject_bytes,
        message_id=f"<{codec}-{declared}@example.jp>",
    )
    parsed = parse_message(raw)
    assert parsed.body_text == text
    if subject is None:
        assert parsed.subject == text[:8]
    item = Importer(ws).import_eml_bytes(raw, "test.eml")
    assert item.status == "created", item.errors
    record = EscalationRepository(ws).get(item.case_id or "")
    assert record.escalation.narrative == text
    if declared is None or (declared == "iso-8859-1" and codec != "latin-1"):
        assert any("charset" in w or "declared" in w or "8-bit" in w for w in item.warnings)


def test_japanese_targets_are_extracted(ws: Workspace) -> None:
    raw = simple_message(JA.encode("iso2022_jp"), charset="iso-2022-jp", message_id="<ja@x.jp>")
    item = Importer(ws).import_eml_bytes(raw, "ja.eml")
    record = EscalationRepository(ws).get(item.case_id or "")
    assert [t.value for t in record.escalation.targets] == ["rin_tokyo"]
    accounts = ws.graph.list_entities(record.case_id, types=["account"])
    assert [a.value for a in accounts] == ["rin_tokyo"]
