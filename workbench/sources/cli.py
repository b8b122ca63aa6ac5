"""`workbench sources ...`: list, check and run data-source plugins from the command line.

Wired into `workbench.cli` by `add_parsers(commands, common)` and `dispatch(...)`. Nothing
leaves the machine without `--yes` or an interactive "y" after the pre-flight description.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from workbench.sources.credentials import CredentialStore
from workbench.sources.errors import ConfirmationRequired, SourceError
from workbench.sources.results import (
    EntityResult,
    EvidenceResult,
    LinkResult,
    NoteResult,
    Query,
    Result,
)
from workbench.sources.runner import RunFinished, RunSummary

if TYPE_CHECKING:
    from workbench.sources.host import SourceHost
    from workbench.store.workspace import Workspace

MASTER_PASSWORD_ENV = "WORKBENCH_CREDENTIALS_PASSWORD"
EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130


class Output(Protocol):
    as_json: bool

    def emit(self, data: Any, human: str) -> None: ...


class SourcesCliError(SourceError):
    """A usage problem found after parsing."""


def add_parsers(commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    """Add `sources` and its actions to the `workbench` parser."""
    sources = commands.add_parser(
        "sources", help="data-source plugins: list, check, run, configure"
    ).add_subparsers(dest="action", metavar="ACTION", required=True)
    sources.add_parser(
        "list", parents=[common], help="installed sources: version, inputs -> outputs, egress"
    )
    check = sources.add_parser("check", parents=[common], help="validate a plugin folder")
    check.add_argument("path", type=Path, help="the plugin folder (with plugin.toml)")
    run = sources.add_parser("run", parents=[common], help="run a source for one value")
    run.add_argument("plugin_id", metavar="ID", help="source id (see `workbench sources list`)")
    run.add_argument("--type", required=True, dest="entity_type", help="entity type of VALUE")
    run.add_argument("--value", required=True, help="the input value")
    run.add_argument("--case", help="case id or reference: store the results there")
    run.add_argument(
        "--yes", action="store_true", help="confirm sending the value to the listed hosts"
    )
    run.add_argument("--no-cache", action="store_true", help="do not reuse cached responses")
    run.add_argument(
        "--dont-ask-again",
        action="store_true",
        help="with --case: do not ask again for this source in this case",
    )
    for name, text in (("enable", "enable a source"), ("disable", "disable a source")):
        toggle = sources.add_parser(name, parents=[common], help=text)
        toggle.add_argument("plugin_id", metavar="ID")
    setting = sources.add_parser("set", parents=[common], help="change a source's setting")
    setting.add_argument("plugin_id", metavar="ID")
    setting.add_argument("name")
    setting.add_argument("value", help="text; true/false for booleans; numbers as digits")
    secret = sources.add_parser(
        "secret", parents=[common], help="store (or --delete) a source's credential in the keyring"
    )
    secret.add_argument("plugin_id", metavar="ID")
    secret.add_argument("name")
    secret.add_argument("--delete", action="store_true")
    network = sources.add_parser(
        "network", parents=[common], help="show or change offline mode, proxy, User-Agent"
    )
    network.add_argument("--offline", choices=["on", "off"])
    network.add_argument("--proxy", help="http://host:port, socks5h://host:port, system or ''")
    network.add_argument("--user-agent")


def _prompt_master_password() -> str:
    from_env = os.environ.get(MASTER_PASSWORD_ENV)
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise SourcesCliError(
            "The credentials file needs its master password: run interactively, or set "
            f"${MASTER_PASSWORD_ENV} for unattended use."
        )
    return getpass.getpass("Master password for the credentials file: ")


def make_host() -> SourceHost:
    from workbench.sources.host import SourceHost

    return SourceHost(
        credentials=lambda: CredentialStore.open(master_password=_prompt_master_password)
    )


def _plugin_rows(host: SourceHost) -> list[dict[str, Any]]:
    rows = []
    for status in host.plugins():
        manifest = status.info.manifest
        rows.append(
            {
                "id": status.info.id,
                "name": manifest.name if manifest else "",
                "version": manifest.version if manifest else "",
                "kind": manifest.kind if manifest else "",
                "inputs": list(manifest.inputs) if manifest else [],
                "outputs": list(manifest.outputs) if manifest else [],
                "egress": (
                    list(manifest.egress)
                    + (["(depends on input)"] if manifest.dynamic_egress else [])
                )
                if manifest
                else [],
                "credentials": [c.name for c in manifest.credentials] if manifest else [],
                "status": status.status,
                "origin": status.info.origin,
                "location": status.info.location,
                "error": status.info.error,
            }
        )
    return rows


def _human_rows(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "No data sources installed."
    lines = []
    for row in rows:
        if row["status"] == "broken":
            lines.append(f"{row['id']:<18} BROKEN ({row['origin']}: {row['location']})")
            lines += [f"    {line}" for line in row["error"].splitlines()]
            continue
        egress = ", ".join(row["egress"]) or "none (runs locally)"
        lines.append(
            f"{row['id']:<18} {row['version']:<8} {row['status']:<9} "
            f"{', '.join(row['inputs'])} -> {', '.join(row['outputs'])}"
        )
        lines.append(f"{'':<18} egress: {egress}")
    return "\n".join(lines)


def _result_dict(result: Result) -> dict[str, Any]:
    if isinstance(result, EntityResult):
        return {
            "kind": "entity",
            "type": result.type,
            "value": result.value,
            "label": result.label,
            "properties": dict(result.properties),
        }
    if isinstance(result, LinkResult):

        def end(ref: EntityResult | Query) -> str:
            return "(input)" if isinstance(ref, Query) else f"{ref.type}:{ref.value}"

        return {
            "kind": "link",
            "type": result.type,
            "source": end(result.source),
            "target": end(result.target),
            "confidence": result.confidence,
        }
    if isinstance(result, EvidenceResult):
        import hashlib

        return {
            "kind": "evidence",
            "filename": result.filename,
            "size": len(result.data),
            "sha256": hashlib.sha256(result.data).hexdigest(),
            "description": result.description,
        }
    assert isinstance(result, NoteResult)
    return {"kind": "note", "text": result.text}


def _summary_dict(summary: RunSummary) -> dict[str, Any]:
    data = summary.audit_view()
    data["case_id"] = summary.case_id
    data["hosts_contacted"] = sorted(summary.hosts_contacted)
    if summary.results:
        data["results"] = [_result_dict(r) for r in summary.results]
    return data


def _summary_text(summary: RunSummary) -> str:
    counts = summary.counts
    lines = [
        f"Run {summary.run_id} of {summary.plugin_id}@{summary.version}: {summary.status} in "
        f"{summary.duration:.1f} s"
    ]
    if summary.error:
        lines.append(f"  error: {summary.error}")
    if summary.case_id:
        lines.append(
            f"  case: {counts.get('entities_new', 0)} new entities, "
            f"{counts.get('entities_found_again', 0)} already there, {counts.get('links', 0)} "
            f"links, {counts.get('evidence', 0)} evidence items"
            + (f", {counts['rejected']} rejected" if counts.get("rejected") else "")
        )
    for result in summary.results:
        if isinstance(result, EntityResult):
            lines.append(f"  {result.type:<10} {result.value}")
        elif isinstance(result, EvidenceResult):
            lines.append(f"  evidence   {result.filename} ({len(result.data)} bytes)")
        elif isinstance(result, NoteResult):
            lines.append(f"  note       {result.text[:100]}")
    hosts = sorted(summary.hosts_contacted)
    shown = ", ".join(hosts[:10]) + (f" and {len(hosts) - 10} more" if len(hosts) > 10 else "")
    lines.append(f"  hosts contacted: {shown or 'none'}")
    lines += [f"  warning: {w}" for w in summary.warnings[:10]]
    return "\n".join(lines)


def _parse_setting(value: str, kind: str) -> Any:
    if kind == "boolean":
        if value.lower() in ("true", "yes", "on", "1"):
            return True
        if value.lower() in ("false", "no", "off", "0"):
            return False
        raise SourcesCliError(f"{value!r} is not true or false.")
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        raise SourcesCliError(f"{value!r} is not a valid {kind}.") from None
    return value


def _confirm(preflight_text: str) -> bool:
    if not sys.stdin.isatty():
        return False
    print(preflight_text, file=sys.stderr)
    answer = input("Send this data? [y/N] ").strip().lower()
    return answer in ("y", "yes")


def dispatch(
    ws_opener: Callable[[], Workspace],
    args: argparse.Namespace,
    out: Output,
    host: SourceHost | None = None,
) -> int:
    """Run `workbench sources <action>`; returns the exit code. Errors are WorkbenchErrors."""
    action = args.action
    if action == "check":
        from workbench.sources.discovery import check_plugin_folder

        info = check_plugin_folder(args.path)
        manifest = info.manifest
        data = {"ok": info.ok, "id": info.id, "path": str(args.path), "error": info.error}
        if info.ok and manifest is not None:
            dynamic = "depends on input" if manifest.dynamic_egress else "none"
            human = (
                f"{args.path}: OK — {manifest.id} {manifest.version} ({manifest.kind}), "
                f"{', '.join(manifest.inputs)} -> {', '.join(manifest.outputs) or 'nothing'}; "
                f"egress: {', '.join(manifest.egress) or dynamic}"
            )
        else:
            human = (
                info.error
                if info.error.startswith(str(args.path))
                else f"{args.path}: {info.error}"
            )
        out.emit(data, human)
        return EXIT_OK if info.ok else EXIT_FAILED
    host = host or make_host()
    if action == "list":
        rows = _plugin_rows(host)
        out.emit(rows, _human_rows(rows))
        return EXIT_OK
    if action in ("enable", "disable"):
        host.set_enabled(args.plugin_id, action == "enable")
        out.emit(
            {"id": args.plugin_id, "enabled": action == "enable"}, f"{args.plugin_id} {action}d."
        )
        return EXIT_OK
    if action == "set":
        info = host.plugin(args.plugin_id)
        assert info.manifest is not None
        spec = info.manifest.setting(args.name)
        host.settings.set_plugin_setting(
            info.manifest, args.name, _parse_setting(args.value, spec.type)
        )
        out.emit(
            {"id": args.plugin_id, args.name: args.value}, f"{args.plugin_id}: {args.name} set."
        )
        return EXIT_OK
    if action == "secret":
        info = host.plugin(args.plugin_id)
        assert info.manifest is not None
        if info.manifest.credential(args.name) is None:
            declared = ", ".join(c.name for c in info.manifest.credentials) or "none"
            raise SourcesCliError(
                f"{args.plugin_id} declares no credential {args.name!r} (declared: {declared})."
            )
        if args.delete:
            host.credentials.delete(args.plugin_id, args.name)
            out.emit(
                {"deleted": True},
                f"Deleted {args.plugin_id}/{args.name} from {host.credentials.describe()}.",
            )
            return EXIT_OK
        if sys.stdin.isatty():
            value = getpass.getpass(f"{args.plugin_id} {args.name}: ")
        else:
            value = sys.stdin.readline().rstrip("\n")
        host.credentials.set(args.plugin_id, args.name, value)
        out.emit(
            {"stored": True, "backend": host.credentials.kind},
            f"Stored {args.plugin_id}/{args.name} in {host.credentials.describe()}.",
        )
        return EXIT_OK
    if action == "network":
        if args.offline is not None or args.proxy is not None or args.user_agent is not None:
            host.settings.set_network(
                offline=None if args.offline is None else args.offline == "on",
                proxy=args.proxy,
                user_agent=args.user_agent,
            )
        network = host.settings.network
        out.emit(
            {
                "offline": network.offline,
                "proxy": network.proxy,
                "user_agent": network.effective_user_agent,
            },
            f"offline: {'on' if network.offline else 'off'}\n"
            f"proxy: {network.proxy or 'none (direct)'}\n"
            f"user agent: {network.effective_user_agent}",
        )
        return EXIT_OK
    if action == "run":
        return _run(ws_opener, args, out, host)
    raise SourcesCliError(f"Unknown action {action!r}.")


def _run(
    ws_opener: Callable[[], Workspace], args: argparse.Namespace, out: Output, host: SourceHost
) -> int:
    query = Query(args.entity_type, args.value)
    with ws_opener() as ws:
        case_id = ws.cases.resolve(args.case).id if args.case else None
        preflight = host.preflight(args.plugin_id, [query], case_id)
        confirmed = bool(args.yes)
        if preflight.needs_confirmation and not confirmed and not preflight.offline:
            confirmed = _confirm(preflight.describe())
            if not confirmed:
                raise ConfirmationRequired(
                    "Nothing was sent. This run sends data off the machine:\n"
                    + preflight.describe()
                    + "\nConfirm with --yes (or answer y when run interactively)."
                )
        host.confirm(preflight, dont_ask_again=bool(args.dont_ask_again))
        run = host.start_run(
            args.plugin_id,
            query,
            ws=ws,
            case_id=case_id,
            confirmed=confirmed,
            bypass_cache=bool(args.no_cache),
        )
        summary = run.summary
        interrupted = False
        events = run.events()
        while True:
            try:
                event = next(events)
            except StopIteration:
                break
            except KeyboardInterrupt:
                interrupted = True
                run.cancel.cancel("interrupted from the keyboard")
                continue
            if isinstance(event, RunFinished):
                summary = event.summary
        out.emit(_summary_dict(summary), _summary_text(summary))
        if interrupted:
            return EXIT_INTERRUPTED
        return EXIT_OK if summary.ok else EXIT_FAILED
