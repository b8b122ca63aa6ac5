"""Response deadline targets per priority: `resources/intake/deadlines.toml`, overridden by a
user file ($WORKBENCH_DEADLINES, else deadlines.toml in the user config folder)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from workbench.errors import ValidationError
from workbench.model import Priority
from workbench.paths import resource

OVERRIDE_ENV = "WORKBENCH_DEADLINES"


@dataclass(frozen=True)
class DeadlinePolicy:
    targets: dict[Priority, timedelta]
    at_risk: dict[Priority, timedelta]
    sources: tuple[str, ...] = ()

    def deadline_for(self, priority: Priority | str, received_at: datetime) -> datetime:
        return received_at + self.targets[Priority(priority)]

    def at_risk_window(self, priority: Priority | str) -> timedelta:
        return self.at_risk.get(Priority(priority), timedelta(0))


def _minutes(section: Any, where: str) -> dict[Priority, timedelta]:
    if not isinstance(section, dict):
        raise ValidationError(f"{where} must be a table of priority = minutes.")
    out: dict[Priority, timedelta] = {}
    for key, value in section.items():
        try:
            priority = Priority(key)
        except ValueError:
            raise ValidationError(
                f"{where}: unknown priority {key!r}; use {', '.join(p.value for p in Priority)}."
            ) from None
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise ValidationError(f"{where}.{key} must be a positive number of minutes.")
        out[priority] = timedelta(minutes=float(value))
    return out


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(f"Cannot read deadline targets from {path}: {exc}") from exc


def user_override_path() -> Path:
    from_env = os.environ.get(OVERRIDE_ENV)
    if from_env:
        return Path(from_env).expanduser()
    from workbench.paths import config_dir

    return config_dir() / "deadlines.toml"


def load_policy(default: Path | None = None, override: Path | None = None) -> DeadlinePolicy:
    base_path = default or resource("intake", "deadlines.toml")
    base = _read(base_path)
    targets = _minutes(base.get("targets", {}), f"{base_path} [targets]")
    at_risk = _minutes(base.get("at_risk_minutes", {}), f"{base_path} [at_risk_minutes]")
    sources = [str(base_path)]
    user_path = override if override is not None else user_override_path()
    if user_path.is_file():
        user = _read(user_path)
        targets.update(_minutes(user.get("targets", {}), f"{user_path} [targets]"))
        at_risk.update(_minutes(user.get("at_risk_minutes", {}), f"{user_path} [at_risk_minutes]"))
        sources.append(str(user_path))
    missing = [p.value for p in Priority if p not in targets]
    if missing:
        raise ValidationError(f"{base_path}: no deadline target for {', '.join(missing)}.")
    return DeadlinePolicy(targets, at_risk, tuple(sources))


@lru_cache(maxsize=1)
def default_policy() -> DeadlinePolicy:
    return load_policy()


def reset_cache() -> None:
    """Forget the cached policy (after the user edited the override file; tests)."""
    default_policy.cache_clear()
