"""The example plugin of docs/examples validates, and its own tests (how an author tests a
source with workbench.sdk.testing and pytest-httpserver) pass."""

from __future__ import annotations

import subprocess
import sys

from workbench.sources.discovery import check_plugin_folder

from .conftest import REPO_ROOT

EXAMPLE = REPO_ROOT / "docs" / "examples" / "rdap_domain"


def test_example_plugin_validates() -> None:
    info = check_plugin_folder(EXAMPLE)
    assert info.ok, info.error
    assert info.manifest is not None and info.manifest.egress[0] == "rdap.verisign.com"


def test_example_plugin_tests_pass() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout
