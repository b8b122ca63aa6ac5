"""Import N .eml files (a realistic mix) through the same path as `workbench intake import`.

The mix: UTF-8 police requests, ISO-2022-JP and Shift_JIS Japanese mail (some without a
charset label), Latin-1 Portuguese/Spanish mail, one in ten with a small PDF attached, one in
twenty with broken MIME. Each file becomes a case with its evidence, graph entities and the
automatic verification checks, one transaction each. Target (issue 6): 1,000 files < 30 s.

    python benchmarks/intake_eml.py [--files 1000] [--small]
"""

from __future__ import annotations

import argparse
import base64
import io
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BODIES = [
    (
        "utf-8",
        "I am Detective Sergeant Ann Lee (badge {n}), Harbour Police. User @target_{n} (user ID "
        "{n}00) posted that she will harm herself tonight. Profile "
        "https://social.example/target_{n}. Please send subscriber info and login IPs.\n\n"
        "DS Ann Lee\nHarbour Police\nDesk: +44 20 7946 {n4}\n",
    ),
    (
        "iso-2022-jp",
        "警察本部の山田です。アカウント @jp_user_{n} が自殺をほのめかしています。"
        "至急、契約者情報と接続記録の開示をお願いします。電話 03-1234-{n4}\n",
    ),
    (
        "shift_jis",
        "緊急のお願いです。@sjis_user_{n} の児童が危険な状態です。位置情報をお願いします。\n",
    ),
    (
        "iso-8859-1",
        "Solicitação urgente da Polícia Civil: a criança @crianca_{n} está em perigo. "
        "Pedimos dados cadastrais e localização. Delegada Ana Souza, telefone +55 61 2024-{n4}\n",
    ),
    (
        "iso-8859-1",
        "Petición urgente de la Policía Nacional: el usuario @usuario_{n} amenaza con un "
        "atentado. Solicitamos registros de acceso. Inspector Peña, +34 91 123 {n4}\n",
    ),
]
SENDERS = [
    "DS Ann Lee <ann.lee@harbour-police.example>",
    "=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@npa.go.jp>",
    "Keisatsu <info@kenkei.example>",
    "Delegada Ana Souza <ana.souza@pf.gov.br>",
    "Inspector Peña <pena@policia.es>",
]


def tiny_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Producer": "Benchmark", "/Author": "Ann Lee"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def message(n: int, pdf: bytes, now: datetime) -> bytes:
    kind = n % len(BODIES)
    charset, template = BODIES[kind]
    body = template.format(n=n, n4=f"{n % 10000:04d}").encode(
        "shift_jis" if charset == "shift_jis" else charset.replace("iso-2022-jp", "iso2022_jp")
    )
    declared = "" if n % 7 == 0 else f"; charset={charset}"  # some labels missing
    date = (now - timedelta(minutes=n)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    head = (
        f"From: {SENDERS[kind]}\r\nTo: lert@platform.example\r\nDate: {date}\r\n"
        f"Subject: Emergency request {n}\r\nMessage-ID: <bench-{n}@example>\r\n"
        "MIME-Version: 1.0\r\n"
    )
    if n % 10 == 0:
        boundary = f"b{n}"
        encoded = base64.encodebytes(pdf).decode().replace("\n", "\r\n")
        closing = "" if n % 20 == 0 else f"\r\n--{boundary}--\r\n"  # broken MIME every 20th
        return (
            (
                head + f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
                f"--{boundary}\r\nContent-Type: text/plain{declared}\r\n\r\n"
            ).encode()
            + body
            + (
                f"\r\n--{boundary}\r\nContent-Type: application/pdf\r\n"
                f'Content-Disposition: attachment; filename="letter-{n}.pdf"\r\n'
                f"Content-Transfer-Encoding: base64\r\n\r\n{encoded}{closing}"
            ).encode()
        )
    return (head + f"Content-Type: text/plain{declared}\r\n\r\n").encode() + body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--small", action="store_true", help="CI size: 60 files")
    args = parser.parse_args()
    if args.small:
        args.files = 60

    from workbench.audit import verify_chain
    from workbench.intake.importer import Importer
    from workbench.store.workspace import Workspace

    folder = Path(tempfile.mkdtemp(prefix="wb-eml-"))
    inbox = folder / "inbox"
    inbox.mkdir()
    pdf = tiny_pdf()
    now = datetime.now(UTC)
    for n in range(args.files):
        (inbox / f"request-{n:05d}.eml").write_bytes(message(n, pdf, now))
    with Workspace.open(folder / "ws", actor="benchmark") as ws:
        started = time.perf_counter()
        report = Importer(ws).import_paths([inbox])
        elapsed = time.perf_counter() - started
        with ws.read() as conn:
            chain = verify_chain(conn)
        evidence = sum(len(ws.evidence.list(i.case_id)) for i in report.items[:50] if i.case_id)
    created = report.count("created")
    warned = sum(1 for i in report.items if i.warnings)
    print(
        f"imported {created:,} of {args.files:,} .eml files in {elapsed:.2f} s "
        f"({elapsed / max(1, args.files) * 1000:.1f} ms per file; target < 30 s per 1,000)"
    )
    print(
        f"rejected {report.count('rejected')}, duplicates {report.count('duplicate')}, "
        f"with warnings {warned}; evidence items in the first 50 cases: {evidence}"
    )
    print(chain.describe())
    return 0 if created == args.files and chain.ok else 1


if __name__ == "__main__":
    sys.exit(main())
