"""Resources and migrations are found in all three layouts the app ships in: a source checkout,
a PyInstaller bundle (`sys._MEIPASS`) and an installed wheel (docs/PACKAGING.md)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
from importlib import metadata
from pathlib import Path

import pytest

from workbench import paths
from workbench.store import migrations

REPO_ROOT = Path(__file__).resolve().parent.parent
# What a wheel is built from: the files pyproject.toml reads, without caches or stale build/.
WHEEL_SOURCES = ("pyproject.toml", "README.md", "LICENSE", "workbench", "ui", "plugins")
WHEEL_SOURCES += ("resources",)
CACHE_NAMES = ("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache", ".ruff_cache")
# PEP 639 `license = "Apache-2.0"` needs this setuptools; an older one cannot build the wheel.
SETUPTOOLS_FOR_LICENSE_EXPRESSION = (77, 0)


def _files_under(folder: Path, suffixes: tuple[str, ...] = ()) -> set[str]:
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix != ".pyc"
        and (not suffixes or path.suffix in suffixes)
    }


def test_resources_dir_in_source_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)

    resources = paths.resources_dir()

    assert resources == REPO_ROOT / "resources"
    assert (resources / "entity_types.toml").is_file()
    assert (resources / "icons").is_dir()
    assert paths.resource("entity_types.toml") == resources / "entity_types.toml"


def test_resources_dir_in_pyinstaller_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bundle = tmp_path / "osint-workbench" / "_internal"
    shutil.copytree(REPO_ROOT / "resources", bundle / "resources")
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)

    resources = paths.resources_dir()

    assert resources == bundle / "resources"
    assert paths.resource("entity_types.toml") == bundle / "resources" / "entity_types.toml"
    assert paths.resource("icons").is_dir()
    with pytest.raises(FileNotFoundError, match="installation is incomplete"):
        paths.resource("no-such-file.toml")


def test_migration_revisions_found_from_source() -> None:
    assert migrations.script_revisions() == list(migrations.KNOWN_REVISIONS)


# Run in the wheel's venv: prints what that installation finds, as JSON.
WHEEL_PROBE = textwrap.dedent(
    """
    import json, sys, tempfile
    from pathlib import Path

    import workbench
    from workbench.paths import resources_dir
    from workbench.store import migrations
    from workbench.store.workspace import Workspace

    def files(folder, suffixes=()):
        return sorted(
            p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
            and (not suffixes or p.suffix in suffixes)
        )

    resources = resources_dir()
    with tempfile.TemporaryDirectory() as folder:
        Workspace.open(Path(folder) / "ws").close()  # runs env.py and every version file
    print(json.dumps({
        "prefix": sys.prefix,
        "workbench": workbench.__file__,
        "resources": str(resources),
        "resource_files": files(resources),
        "plugin_files": files(Path(workbench.__file__).resolve().parent.parent / "plugins"),
        "migration_files": files(migrations.MIGRATIONS_DIR, (".py", ".mako")),
        "revisions": migrations.script_revisions(),
    }))
    """
)


def _setuptools_can_build() -> bool:
    try:
        version = metadata.version("setuptools")
    except metadata.PackageNotFoundError:
        return False
    numbers = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
    return numbers >= SETUPTOOLS_FOR_LICENSE_EXPRESSION


def _run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, (
        f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    )
    return result


def test_installed_wheel_finds_resources_and_migrations(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in WHEEL_SOURCES:
        item = REPO_ROOT / name
        if item.is_dir():
            shutil.copytree(item, source / name, ignore=shutil.ignore_patterns(*CACHE_NAMES))
        elif item.exists():
            shutil.copy2(item, source / name)

    # Offline when this venv's setuptools is new enough; else pip fetches the build backend.
    isolation = ["--no-build-isolation"] if _setuptools_can_build() else []
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip"]
    _run([*pip, "wheel", "--no-deps", *isolation, "-w", str(wheels), str(source)], cwd=tmp_path)
    (wheel,) = wheels.glob("osint_workbench-*.whl")

    # --system-site-packages: nothing is downloaded. pip runs from this venv (--python), so
    # the new venv needs no pip of its own.
    env_dir = tmp_path / "wheel-venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    env_python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    install = ["install", "--no-deps", "--no-index", str(wheel)]
    _run([*pip, "--python", str(env_python), *install], cwd=tmp_path)
    # The dependencies (SQLAlchemy, Alembic, ...) live in the venv running the tests, which is
    # not the "system" of the new venv: a .pth adds that site-packages after the wheel's own.
    # Written after the install, so pip does not see this checkout's editable install there.
    where = "import sysconfig; print(sysconfig.get_path('purelib'))"
    env_site = Path(_run([str(env_python), "-c", where]).stdout.strip())
    (env_site / "zz_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    probe = _run([str(env_python), "-I", "-c", WHEEL_PROBE], cwd=outside)
    found = json.loads(probe.stdout.strip().splitlines()[-1])

    env_site = env_site.resolve()
    assert Path(found["workbench"]).resolve().is_relative_to(env_site), found["workbench"]
    assert Path(found["resources"]).resolve() == env_site / "resources"
    missing_resources = _files_under(REPO_ROOT / "resources") - set(found["resource_files"])
    assert not missing_resources, (
        f"the wheel lacks resources {sorted(missing_resources)}: add their file patterns to "
        "[tool.setuptools.package-data] in pyproject.toml"
    )
    missing_plugin_files = _files_under(REPO_ROOT / "plugins") - set(found["plugin_files"])
    assert not missing_plugin_files, (
        f"the wheel lacks built-in plugin files {sorted(missing_plugin_files)}: add their file "
        "patterns to [tool.setuptools.package-data] in pyproject.toml"
    )
    assert "entity_types.toml" in found["resource_files"]
    assert any(name.startswith("icons/") for name in found["resource_files"])
    expected_migrations = _files_under(migrations.MIGRATIONS_DIR, (".py", ".mako"))
    assert set(found["migration_files"]) == expected_migrations
    assert found["revisions"] == list(migrations.KNOWN_REVISIONS)
