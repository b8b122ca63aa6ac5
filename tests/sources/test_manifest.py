"""plugin.toml validation: every problem named with file, field and fix, before any import."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.sources.errors import ManifestError
from workbench.sources.manifest import load_manifest

from .conftest import BUILTIN_PLUGINS

GOOD = """
id = "good-source"
name = "Good"
version = "1.2.0"
api_version = 1
description = "A valid manifest."
entry = "source:Good"
kind = "active"
inputs = ["domain"]
outputs = ["ip"]
egress = ["api.example.org", "*.cdn.example.org"]
credentials = ["api_key"]
rate_limit = { requests = 5, per_seconds = 2.0 }
timeout = { run = 30, request = 5 }
cache_ttl = 60

[settings.depth]
type = "integer"
default = 2
min = 1
max = 5

[[bundled_data]]
path = "data.json"
licence = "CC0-1.0"
attribution = "Someone"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plugin.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> ManifestError:
    with pytest.raises(ManifestError) as caught:
        load_manifest(write(tmp_path, text))
    return caught.value


def test_valid_manifest_is_read_with_all_fields(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, GOOD))
    assert manifest.id == "good-source" and manifest.ref == "good-source@1.2.0"
    assert manifest.egress == ("api.example.org", "*.cdn.example.org")
    assert manifest.min_request_interval == pytest.approx(0.4)
    assert manifest.run_timeout == 30 and manifest.request_timeout == 5
    assert manifest.setting("depth").default == 2
    assert manifest.credentials[0].name == "api_key"
    assert manifest.bundled_data[0].licence == "CC0-1.0"


def test_missing_and_wrongly_typed_fields_are_all_reported(tmp_path: Path) -> None:
    error = problems(
        tmp_path,
        """
        id = "x"
        version = 3
        api_version = "1"
        entry = "source"
        kind = "sneaky"
        inputs = "domain"
        """.replace("        ", ""),
    )
    fields = {field for field, _, _ in error.problems}
    assert {"name", "description", "version", "api_version", "entry", "kind", "inputs"} <= fields
    text = str(error)
    assert str(tmp_path / "plugin.toml") in text
    assert "field 'version': must be string, got 3 (integer)" in text
    assert "Fix:" in text and 'entry = "source:MySource"' in text


def test_unknown_field_suggests_the_right_name(tmp_path: Path) -> None:
    error = problems(tmp_path, 'egres = ["x.org"]\n' + GOOD)
    assert ("egres", "is not a manifest field.", "did you mean 'egress'?") in error.problems


def test_bad_egress_unknown_entity_type_and_unsupported_api(tmp_path: Path) -> None:
    text = (
        GOOD.replace('"api.example.org"', '"https://api.example.org/v1"')
        .replace('inputs = ["domain"]', 'inputs = ["domian"]')
        .replace("api_version = 1", "api_version = 7")
    )
    error = problems(tmp_path, text)
    message = str(error)
    assert "'https://api.example.org/v1' is not a host name" in message
    assert "did you mean 'domain'?" in message
    assert "api_version" in message and "supports 1" in message


def test_setting_default_must_match_its_type(tmp_path: Path) -> None:
    error = problems(tmp_path, GOOD.replace("default = 2", 'default = "two"'))
    assert any(field == "settings.depth.default" for field, _, _ in error.problems)


def test_active_source_must_declare_egress(tmp_path: Path) -> None:
    error = problems(
        tmp_path, GOOD.replace('egress = ["api.example.org", "*.cdn.example.org"]', "")
    )
    assert any(
        field == "egress" and "active source" in problem for field, problem, _ in error.problems
    )


def test_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    error = problems(tmp_path, 'id = "unterminated\n')
    assert error.problems[0][0] == "(syntax)" and str(tmp_path) in str(error)


def test_builtin_manifests_are_valid() -> None:
    ids = {
        load_manifest(folder).id
        for folder in BUILTIN_PLUGINS.iterdir()
        if (folder / "plugin.toml").exists()
    }
    assert ids == {
        "dns-records",
        "exif",
        "geocode",
        "phone",
        "rdap",
        "text-extract",
        "username-sweep",
        "wayback",
        "web-page",
    }
