"""Templates as data: the shipped ones load, bad ones are refused with the file and the line,
organisations add or replace templates in their own folder, the legal-basis list is checked."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from workbench.assess.errors import TemplateError
from workbench.assess.legal import LEGAL_BASES_ENV, legal_bases_path, load_legal_bases
from workbench.assess.loader import (
    USER_DIR_ENV,
    TemplateRegistry,
    builtin_template_dir,
    check_path,
    load_template,
)
from workbench.assess.model import DataCategory, FactorType, Tier
from workbench.assess.tomlpos import KeyLines
from workbench.cli import main

MINIMAL = """\
[template]
id = "org-test"
name = "Organisation test"
version = "0.1"

[tracks.self_harm]
label = "Self-harm"

[sections.main]
label = "Main"

[factors.intent]
label = "Intent"
type = "yes_no"
section = "main"
recency = true

[[tiers.rules]]
id = "t1-intent"
tier = "T1"
when = "intent = yes within 24h"
"""


@pytest.fixture(autouse=True)
def _org_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "org-templates"
    monkeypatch.setenv(USER_DIR_ENV, str(folder))
    return folder


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def refused(path: Path) -> TemplateError:
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    return caught.value


# ---- shipped templates ------------------------------------------------------------------------


def test_shipped_template_covers_the_five_tracks() -> None:
    template = load_template(builtin_template_dir() / "threat-spj.toml")
    assert (template.id, template.version) == ("threat-spj", "1.0.0")
    assert set(template.tracks) == {
        "self_harm",
        "targeted_violence",
        "child_safety",
        "terrorism",
        "missing_person",
    }
    assert template.tracks_for_category("threat_to_others") == ("targeted_violence",)
    imminence = [f.id for f in template.factors_in("imminence")]
    assert imminence == [
        "imm_timeframe",
        "imm_target_identified",
        "imm_location_identified",
        "imm_means_available",
        "imm_subject_locatable",
    ]
    assert [o.id for o in template.factors["imm_timeframe"].options] == [
        "in_progress",
        "within_24h",
        "within_7d",
        "unspecified",
    ]
    assert template.factors["sh_intent"].type is FactorType.YES_NO
    assert template.factors["pw_fixation"].type is FactorType.PRESENCE
    assert template.policy.approval_tiers == (Tier.T1, Tier.T2)
    assert template.policy.approval_categories == (DataCategory.CONTENT,)
    assert (template.policy.preservation_days, template.policy.extension_days) == (90, 90)
    assert template.levels[Tier.T1].label == "Imminent"
    rule = next(r for r in template.rules if r.id == "sh-t1-high-24h")
    assert rule.origin.path.name == "self_harm.toml"
    assert rule.origin.line == line_of(rule.origin.path, 'id = "sh-t1-high-24h"') - 1


def test_every_shipped_file_checks_clean() -> None:
    loaded, errors = check_path(builtin_template_dir())
    assert errors == [] and [t.id for t in loaded] == ["threat-spj"]
    for part in sorted((builtin_template_dir() / "parts").glob("*.toml")):
        loaded, errors = check_path(part)
        assert errors == [], errors


# ---- bad templates: each names the file and the line ----------------------------------------


def test_unknown_factor_type(_org_folder: Path) -> None:
    path = write(_org_folder, "bad.toml", MINIMAL.replace('type = "yes_no"', 'type = "scale"'))
    error = refused(path)
    assert error.line == line_of(path, 'type = "scale"')
    assert f"{path}:{error.line}: factor 'intent': unknown factor type 'scale'" in str(error)
    assert "yes_no, presence, choice" in str(error)


def test_rule_naming_a_missing_factor(_org_folder: Path) -> None:
    path = write(_org_folder, "bad.toml", MINIMAL.replace('when = "intent', 'when = "intnet'))
    error = refused(path)
    assert error.line == line_of(path, 'when = "intnet')
    assert f"{path}:{error.line}: rule 't1-intent': unknown factor 'intnet'" in str(error)
    assert "did you mean 'intent'?" in str(error)


def test_rule_in_an_include_names_the_included_file(_org_folder: Path) -> None:
    part = write(
        _org_folder / "parts",
        "rules.toml",
        """\
        # rules kept apart from the factors
        [[tiers.rules]]
        id = "t2-plan"
        tier = "T2"
        when = "plan = yes"
        """,
    )
    path = write(
        _org_folder, "main.toml", 'include = ["parts/rules.toml"]\n' + MINIMAL.strip() + "\n"
    )
    error = refused(path)
    assert error.path == part
    assert f"{part}:5: rule 't2-plan': unknown factor 'plan'" in str(error)


def test_toml_syntax_error(_org_folder: Path) -> None:
    path = write(_org_folder, "bad.toml", MINIMAL.replace('label = "Intent"', 'label = "Intent'))
    error = refused(path)
    assert error.line == line_of(path, 'label = "Intent')
    assert f"{path}:{error.line}: TOML syntax error" in str(error)
    assert "(column" in str(error)


def test_include_loop(_org_folder: Path) -> None:
    write(_org_folder / "parts", "a.toml", '# a\ninclude = ["b.toml"]\n')
    b = write(_org_folder / "parts", "b.toml", '# b\n\ninclude = ["a.toml"]\n')
    path = write(_org_folder, "main.toml", 'include = ["parts/a.toml"]\n' + MINIMAL)
    error = refused(path)
    assert str(error) == f"{b}:3: include loop: main.toml -> a.toml -> b.toml -> a.toml"


def test_self_include_is_a_loop(_org_folder: Path) -> None:
    path = write(_org_folder, "main.toml", '# loops\ninclude = ["main.toml"]\n' + MINIMAL)
    error = refused(path)
    assert error.line == line_of(path, "include =")
    assert "include loop: main.toml -> main.toml" in str(error)


def test_diamond_include_is_read_once(_org_folder: Path) -> None:
    write(_org_folder / "parts", "common.toml", "[tracks.self_harm]\nlabel = 'Self-harm'\n")
    write(
        _org_folder / "parts",
        "a.toml",
        'include = ["common.toml"]\n[sections.a]\nlabel = "A"\n',
    )
    write(
        _org_folder / "parts",
        "b.toml",
        'include = ["common.toml"]\n[sections.b]\nlabel = "B"\n',
    )
    text = MINIMAL.replace('[tracks.self_harm]\nlabel = "Self-harm"\n', "")
    path = write(_org_folder, "main.toml", 'include = ["parts/a.toml", "parts/b.toml"]\n' + text)
    template = load_template(path)
    assert list(template.sections) == ["a", "b", "main"]
    assert [p.name for p in template.files] == ["common.toml", "a.toml", "b.toml", "main.toml"]


@pytest.mark.parametrize(
    ("change", "needle", "message"),
    [
        (('label = "Intent"', 'lable = "Intent"'), "lable", "unknown key 'lable' in factor"),
        (('section = "main"', 'section = "mian"'), 'section = "mian"', "unknown section 'mian'"),
        (('tier = "T1"', 'tier = "T0"'), 'tier = "T0"', "'T0' is not a tier"),
        (("recency = true", 'recency = "yes"'), "recency =", "recency must be true or false"),
        (
            ('when = "intent = yes within 24h"', 'when = "intent = yes within 2h"'),
            "when =",
            "'2h' is not a recency",
        ),
        (
            ('when = "intent = yes within 24h"', 'when = "intent = = yes"'),
            "when =",
            "expected a value, found '=' (column 10 of the rule)",
        ),
        (('version = "0.1"', ""), "[template]", "[template] needs version"),
        (('id = "t1-intent"', 'id = "t1 intent"'), 'id = "t1 intent"', "ids are letters"),
        (("[factors.intent]", "[factors.Intent]"), "[factors.Intent]", "factor id 'Intent'"),
    ],
)
def test_schema_errors_name_the_line(
    _org_folder: Path, change: tuple[str, str], needle: str, message: str
) -> None:
    path = write(_org_folder, "bad.toml", MINIMAL.replace(*change))
    error = refused(path)
    assert error.line == line_of(path, needle), str(error)
    assert message in str(error)


def test_choice_factor_needs_options(_org_folder: Path) -> None:
    path = write(
        _org_folder,
        "bad.toml",
        MINIMAL + '\n[factors.stage]\nlabel = "Stage"\ntype = "choice"\nsection = "main"\n',
    )
    error = refused(path)
    assert error.line == line_of(path, "[factors.stage]")
    assert "needs an [factors.stage.options] table" in str(error)


def test_duplicate_factor_across_files(_org_folder: Path) -> None:
    write(
        _org_folder / "parts",
        "dup.toml",
        '[sections.main]\nlabel = "Main"\n\n[factors.intent]\nlabel = "x"\ntype = "yes_no"\n'
        'section = "main"\n',
    )
    path = write(_org_folder, "main.toml", 'include = ["parts/dup.toml"]\n' + MINIMAL)
    error = refused(path)
    assert error.path == path
    assert error.line == line_of(path, "[sections.main]")
    assert "section 'main' is already defined at" in str(error)
    assert "dup.toml:1" in str(error)


def test_missing_include_and_template_in_an_include(_org_folder: Path) -> None:
    path = write(_org_folder, "main.toml", '\ninclude = ["nowhere.toml"]\n' + MINIMAL)
    error = refused(path)
    assert error.line == 2 and "included file 'nowhere.toml' not found" in str(error)
    write(_org_folder / "parts", "t.toml", '[template]\nid = "x"\n')
    path = write(_org_folder, "main.toml", 'include = ["parts/t.toml"]\n' + MINIMAL)
    error = refused(path)
    assert error.line == 1 and "[template] belongs in the top-level template file" in str(error)


# ---- organisation templates -------------------------------------------------------------------


def test_organisation_template_reuses_shipped_parts(_org_folder: Path) -> None:
    write(
        _org_folder,
        "org.toml",
        """\
        include = ["parts/common.toml", "parts/self_harm.toml"]

        [template]
        id = "org-self-harm"
        name = "Our self-harm template"
        version = "2026.1"

        [[tiers.rules]]
        id = "org-t2-wish"
        tier = "T2"
        tracks = ["self_harm"]
        when = "sh_wish_dead = yes within 24h"
        """,
    )
    registry = TemplateRegistry.load()
    assert set(registry.templates) == {"threat-spj", "org-self-harm"}
    template = registry.get("org-self-harm")
    assert set(template.tracks) >= {"self_harm"} and "org-t2-wish" in {r.id for r in template.rules}
    assert registry.default().id == "threat-spj"


def test_user_template_with_a_shipped_id_replaces_it(_org_folder: Path) -> None:
    text = (builtin_template_dir() / "threat-spj.toml").read_text()
    write(_org_folder, "threat-spj.toml", text.replace('version = "1.0.0"', 'version = "1.1.0"'))
    (_org_folder / "parts").mkdir()
    registry = TemplateRegistry.load()
    assert registry.get("threat-spj").version == "1.1.0"


def test_broken_user_template_is_reported_not_fatal(_org_folder: Path) -> None:
    path = write(_org_folder, "broken.toml", MINIMAL.replace('type = "yes_no"', 'type = "x"'))
    registry = TemplateRegistry.load()
    assert "threat-spj" in registry.templates and "org-test" not in registry.templates
    assert [e.path for e in registry.errors] == [path]


def test_unknown_template_id_is_a_clear_error() -> None:
    with pytest.raises(Exception, match="No assessment template 'nope' is installed"):
        TemplateRegistry.load().get("nope")


# ---- templates check (CLI) ---------------------------------------------------------------------


def test_cli_templates_check(capsys: pytest.CaptureFixture[str], _org_folder: Path) -> None:
    assert main(["templates", "check", str(builtin_template_dir())]) == 0
    out = capsys.readouterr().out
    assert "threat-spj.toml: ok (template threat-spj 1.0.0: 5 tracks" in out
    bad = write(_org_folder, "bad.toml", MINIMAL.replace('type = "yes_no"', 'type = "scale"'))
    assert main(["templates", "check", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        f"{bad}:{line_of(bad, 'type =')}: factor 'intent': unknown factor type 'scale'; use one "
        "of yes_no, presence, choice"
    )
    assert main(["templates", "check", str(bad), "--json"]) == 1
    out = capsys.readouterr().out
    assert '"line": ' + str(line_of(bad, "type =")) in out
    assert main(["templates", "check", str(_org_folder / "missing.toml")]) == 1
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["templates", "check", str(legal_bases_path())]) == 0
    assert "legal-basis list: 5 jurisdictions" in capsys.readouterr().out


# ---- legal bases -------------------------------------------------------------------------------


def test_shipped_legal_bases() -> None:
    bases = load_legal_bases()
    assert list(bases.jurisdictions) == ["US", "EU", "JP", "BR", "OTHER"]
    assert bases.get("us-2702b8").categories == (DataCategory.CONTENT,)
    assert DataCategory.CONTENT not in bases.get("us-2702c4").categories
    assert bases.get("mlat-redirect").categories == ()
    with pytest.raises(Exception, match="Unknown legal basis 'xx'"):
        bases.get("xx")


def test_legal_bases_override_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "legal.toml"
    own.write_text(
        '[jurisdictions.UK]\nlabel = "United Kingdom"\n\n[[jurisdictions.UK.bases]]\n'
        'id = "uk-ipa"\ncitation = "IPA 2016"\nlabel = "Emergency"\n'
        'categories = ["content", "telepathy"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv(LEGAL_BASES_ENV, str(own))
    assert legal_bases_path() == own
    with pytest.raises(TemplateError) as caught:
        load_legal_bases()
    assert str(caught.value).startswith(f"{own}:8: legal basis 'uk-ipa': 'telepathy'")


# ---- key lines -----------------------------------------------------------------------------------


def test_key_lines_follow_tables_arrays_and_multiline_values() -> None:
    lines = KeyLines(
        textwrap.dedent(
            '''\
            include = [
                "a.toml",
            ]
            [factors.x]
            label = """several
            lines with = and [brackets"""
            type = "yes_no"
            "quoted key" = 1
            site.name = 'literal # not a comment'

            [[tiers.rules]]
            id = "a"
            [[tiers.rules]]
            id = "b"
            when = """x = yes
                      and y = no"""
            tier = "T1"
            [tiers.rules.extra]
            note = 1
            '''
        )
    )
    assert lines.line("include") == 1
    assert lines.line("factors", "x") == 4
    assert lines.line("factors", "x", "type") == 7
    assert lines.line("factors", "x", "quoted key") == 8
    assert lines.line("factors", "x", "site", "name") == 9
    assert lines.line("tiers", "rules", 0, "id") == 12
    assert lines.line("tiers", "rules", 1) == 13
    assert lines.line("tiers", "rules", 1, "tier") == 17
    assert lines.line("tiers", "rules", 1, "extra", "note") == 19
    assert lines.line("factors", "x", "missing") == 4
    assert lines.line("nothing") is None
