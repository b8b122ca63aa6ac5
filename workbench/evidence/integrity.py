"""Integrity of stored evidence: re-hash on open, on export and on demand; record every
result in the custody log; a mismatch (or a missing blob) blocks export of the item until a
later check finds the original bytes again."""

from __future__ import annotations

import builtins
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from workbench.atomicfile import atomic_binary
from workbench.errors import IntegrityError, NotFoundError, ValidationError
from workbench.evidence.custody import record_custody
from workbench.evidence.errors import storage_error
from workbench.evidence.model import CopyType, CustodyAction, EvidenceKind, Integrity
from workbench.model import Evidence
from workbench.store.blobs import CHUNK
from workbench.store.schema import evidence_details
from workbench.timeutil import utcnow

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace

# Actions a user records by hand (the others are recorded by the operations themselves).
MANUAL_ACTIONS = frozenset(
    {
        CustodyAction.REVEAL,
        CustodyAction.TRANSFER,
        CustodyAction.DISCLOSE,
        CustodyAction.SEAL,
        CustodyAction.DELETE_REQUEST,
    }
)


@dataclass(frozen=True)
class VerifyResult:
    evidence: Evidence
    ok: bool
    detail: str
    integrity: Integrity = Integrity.OK
    actual_sha256: str | None = None


class IntegrityMixin:
    _ws: Workspace

    def get(self, evidence_id: str) -> Evidence:
        raise NotImplementedError

    def list(self, case_id: str) -> builtins.list[Evidence]:
        raise NotImplementedError

    def register_untracked(self, case_id: str) -> int:
        raise NotImplementedError

    # ---- checking ----------------------------------------------------------------------
    def _check(self, item: Evidence) -> VerifyResult:
        try:
            actual = self._ws.blobs.hash_of_stored(item.sha256)
        except NotFoundError as exc:
            return VerifyResult(item, False, str(exc), Integrity.MISSING)
        if actual == item.sha256:
            return VerifyResult(item, True, "hash matches", Integrity.OK, actual)
        return VerifyResult(
            item,
            False,
            f"MODIFIED: the stored file now hashes to {actual}, not {item.sha256} as recorded "
            "at collection",
            Integrity.MISMATCH,
            actual,
        )

    def _record_results(self, results: Iterable[VerifyResult], purpose: str) -> None:
        with self._ws.write() as conn:
            for result in results:
                _record_check(conn, self._ws.actor, result, purpose)

    def _record_failure(self, item: Evidence, exc: Exception) -> None:
        status = Integrity.MISSING if isinstance(exc, NotFoundError) else Integrity.MISMATCH
        self._record_results([VerifyResult(item, False, str(exc), status)], "checked on read")

    def verify(self, evidence_id: str, purpose: str = "verify") -> VerifyResult:
        result = self._check(self.get(evidence_id))
        self._record_results([result], purpose)
        return result

    def verify_case(
        self,
        case_id: str,
        *,
        record: bool = True,
        progress: Callable[[int, int], None] | None = None,
    ) -> builtins.list[VerifyResult]:
        """Re-hash every item of the case; the results go to each item's custody log."""
        if record:
            self.register_untracked(case_id)
        items = self.list(case_id)
        results = []
        for index, item in enumerate(items):
            results.append(self._check(item))
            if progress is not None:
                progress(index + 1, len(items))
        if record and results:
            self._record_results(results, "case verification")
        return results

    def open(self, evidence_id: str, purpose: str = "view") -> Path:
        """The stored original (a read-only file) after re-hashing it; logs a "view".
        Raises IntegrityError, recorded in the custody log, when it no longer matches."""
        item = self.get(evidence_id)
        result = self._check(item)
        with self._ws.write() as conn:
            if not result.ok:
                _record_check(conn, self._ws.actor, result, f"checked on open ({purpose})")
            else:
                record_custody(
                    conn,
                    self._ws.actor,
                    evidence_id=item.id,
                    case_id=item.case_id,
                    action=CustodyAction.VIEW,
                    purpose=purpose,
                    hash_before=item.sha256,
                    hash_after=item.sha256,
                    integrity=Integrity.OK,
                )
        if not result.ok:
            raise IntegrityError(_blocked(item, result.detail, "opened"))
        return self._ws.blobs.path_for(item.sha256)

    # ---- export ------------------------------------------------------------------------
    def check_exportable(self, evidence_ids: Iterable[str]) -> builtins.list[Evidence]:
        """Re-hash each item; raises IntegrityError naming every item that is modified or
        missing (and records those results). Report and archive writers call this first."""
        items = [self.get(i) for i in evidence_ids]
        results = [self._check(item) for item in items]
        bad = [r for r in results if not r.ok]
        with self._ws.read() as conn:
            recorded = _recorded(conn, [item.id for item in items])
        restored = [
            r for r in results if r.ok and recorded.get(r.evidence.id, Integrity.OK).blocks_export
        ]
        if bad or restored:
            self._record_results(bad + restored, "checked before export")
        if bad:
            names = "; ".join(f"{r.evidence.filename} ({r.evidence.id}): {r.detail}" for r in bad)
            raise IntegrityError(
                f"Export blocked: {len(bad)} evidence item(s) no longer match the hash recorded "
                f"at collection: {names}. Restore the originals from a backup (then run "
                "`workbench evidence verify`) or leave these items out."
            )
        return items

    def export(self, evidence_id: str, folder: Path, purpose: str = "export") -> Path:
        """Copy the original to `folder` (hashing while copying; temp file + rename) and log
        the export. A mismatch is recorded, leaves nothing in `folder` and raises."""
        item = self.get(evidence_id)
        folder = Path(folder)
        if not folder.is_dir():
            raise ValidationError(f"{folder} is not a folder; choose an existing folder.")
        source = self._ws.blobs.path_for(item.sha256)
        if not source.exists():
            result = VerifyResult(item, False, f"{source} is missing", Integrity.MISSING)
            self._record_results([result], "checked on export")
            raise IntegrityError(_blocked(item, result.detail, "exported"))
        target = _free_name(folder, item.filename)
        digest = hashlib.sha256()
        try:
            with atomic_binary(target) as out, source.open("rb") as stream:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                if digest.hexdigest() != item.sha256:
                    result = VerifyResult(
                        item,
                        False,
                        f"MODIFIED: the stored file now hashes to {digest.hexdigest()}",
                        Integrity.MISMATCH,
                        digest.hexdigest(),
                    )
                    self._record_results([result], "checked on export")
                    raise IntegrityError(_blocked(item, result.detail, "exported"))
        except OSError as exc:
            raise storage_error(exc, f"the export of {item.filename}") from exc
        self.record_export([item.id], str(target), purpose)
        return target

    def record_export(
        self,
        evidence_ids: Iterable[str],
        destination: str,
        purpose: str,
        action: CustodyAction = CustodyAction.EXPORT,
    ) -> None:
        """Log that these items left the workspace (for writers that copy the bytes
        themselves after `check_exportable`), one transaction for all."""
        items = [self.get(i) for i in evidence_ids]
        with self._ws.write() as conn:
            for item in items:
                record_custody(
                    conn,
                    self._ws.actor,
                    evidence_id=item.id,
                    case_id=item.case_id,
                    action=action,
                    purpose=purpose,
                    hash_before=item.sha256,
                    hash_after=item.sha256,
                    integrity=Integrity.OK,
                    detail={"destination": destination},
                )

    # ---- manual custody actions ----------------------------------------------------------
    def record_action(
        self,
        evidence_id: str,
        action: CustodyAction,
        purpose: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Log reveal, transfer, disclose, seal or a delete request."""
        if action not in MANUAL_ACTIONS:
            raise ValidationError(
                f"{action.value!r} is recorded by the operation itself; record one of "
                f"{', '.join(sorted(a.value for a in MANUAL_ACTIONS))}."
            )
        item = self.get(evidence_id)
        with self._ws.write() as conn:
            record_custody(
                conn,
                self._ws.actor,
                evidence_id=item.id,
                case_id=item.case_id,
                action=action,
                purpose=purpose,
                detail=detail,
            )


def _record_check(conn: Connection, actor: str, result: VerifyResult, purpose: str) -> None:
    item = result.evidence
    values = {
        "integrity": result.integrity.value,
        "integrity_detail": result.detail[:2000],
        "checked_at": utcnow(),
    }
    changed = conn.execute(
        update(evidence_details).where(evidence_details.c.evidence_id == item.id).values(**values)
    ).rowcount
    if not changed:
        conn.execute(
            insert(evidence_details).values(
                evidence_id=item.id,
                case_id=item.case_id,
                kind=EvidenceKind.FILE.value,
                copy_type=CopyType.ORIGINAL.value,
                **values,
            )
        )
    record_custody(
        conn,
        actor,
        evidence_id=item.id,
        case_id=item.case_id,
        action=CustodyAction.VERIFY,
        purpose=purpose,
        hash_before=item.sha256,
        hash_after=result.actual_sha256,
        integrity=result.integrity,
        detail={"result": result.detail[:500]},
    )


def _blocked(item: Evidence, detail: str, verb: str) -> str:
    return (
        f"Evidence {item.filename} ({item.id}) cannot be {verb}: {detail}. The mismatch is "
        "recorded in its custody log. Restore the original from a backup, then run "
        "`workbench evidence verify`."
    )


def _free_name(folder: Path, filename: str) -> Path:
    name = Path(filename).name or "evidence.bin"
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    counter = 2
    while target.exists():
        target = folder / f"{stem} ({counter}){suffix}"
        counter += 1
    return target


def _recorded(conn: Connection, evidence_ids: builtins.list[str]) -> dict[str, Integrity]:
    rows = conn.execute(
        select(evidence_details.c.evidence_id, evidence_details.c.integrity).where(
            evidence_details.c.evidence_id.in_(evidence_ids)
        )
    )
    return {row.evidence_id: Integrity(row.integrity) for row in rows}


__all__ = ["MANUAL_ACTIONS", "IntegrityMixin", "VerifyResult"]
