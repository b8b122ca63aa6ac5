"""Every runtime dependency is named, with its licence, in the list Help > About shows."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_runtime_dependency_is_in_the_third_party_list() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = {
        _canonical(re.split(r"[\s<>=!;\[~]", spec, maxsplit=1)[0])
        for spec in project["dependencies"]
    }
    listed = tomllib.loads((ROOT / "resources" / "third_party.toml").read_text())["component"]
    named = {_canonical(c["distribution"]) for c in listed if "distribution" in c}
    assert required - named == set()
    assert all(c["licence"].strip() for c in listed)
