"""Full-text search: English and Japanese (two-character words too), case scope, kinds,
changes reflected through the triggers, snippets, and the index after a migration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from workbench.model import Case
from workbench.search import SearchQueryError, SearchResults, engine, search
from workbench.search.snippets import MARK_END, MARK_START, plain, to_brackets, to_html
from workbench.store.workspace import Workspace

JA_NOTE = "配信者は今夜、橋の上で自殺をほのめかしていた。家族に連絡済み。"


def find(ws: Workspace, text: str, **kwargs: object) -> SearchResults:
    with ws.read() as conn:
        return search(conn, text, **kwargs)  # type: ignore[arg-type]


def refs(results: SearchResults) -> set[str]:
    return {hit.ref_id for hit in results.hits}


@pytest.fixture(params=["scan", "index"])
def case_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Within a case, the search scans small cases and uses the index for big ones: both
    paths must give the same answers, so case-scoped tests run under each."""
    if request.param == "index":
        monkeypatch.setattr(engine, "SCAN_CASE_MAX_DOCS", 0)
    yield str(request.param)


@pytest.fixture
def two_cases(ws: Workspace) -> tuple[Case, Case]:
    first = ws.cases.create("Bridge threat", description="Caller mentioned the harbour bridge")
    second = ws.cases.create("Missing minor", description="Last seen near the station")
    ws.graph.add_entity(first.id, "person", "Kenji Tanaka", properties={"notes": "friend"})
    ws.graph.add_entity(first.id, "note", JA_NOTE)
    ws.graph.add_entity(second.id, "note", "Station CCTV requested; 自殺 mentioned once")
    ws.graph.add_entity(second.id, "account", "kenji_t")
    return first, second


def test_english_word_is_found_with_a_highlighted_snippet(
    ws: Workspace, two_cases: tuple[Case, Case]
) -> None:
    result = find(ws, "TANAKA")
    assert [hit.title for hit in result.hits] == ["Kenji Tanaka"]
    hit = result.hits[0]
    assert hit.kind == "entity" and hit.case_reference.startswith("WB-")
    assert f"{MARK_START}Tanaka{MARK_END}" in hit.snippet
    assert result.method == "index" and result.ranked


def test_property_notes_are_searchable(ws: Workspace, two_cases: tuple[Case, Case]) -> None:
    assert [hit.title for hit in find(ws, "friend").hits] == ["Kenji Tanaka"]


def test_japanese_word_of_three_characters(ws: Workspace, two_cases: tuple[Case, Case]) -> None:
    result = find(ws, "配信者")
    assert [hit.kind for hit in result.hits] == ["note"]
    assert f"{MARK_START}配信者{MARK_END}" in result.hits[0].snippet


def test_two_character_japanese_word_is_found_through_the_index(
    ws: Workspace, two_cases: tuple[Case, Case]
) -> None:
    result = find(ws, "自殺")
    assert result.method == "index"
    assert len(result.hits) == 2
    for hit in result.hits:
        assert f"{MARK_START}自殺{MARK_END}" in hit.snippet


def test_two_character_word_at_the_very_end_or_alone_is_found(ws: Workspace) -> None:
    case = ws.cases.create("Short values")
    alone = ws.graph.add_entity(case.id, "note", "自殺")
    at_end = ws.graph.add_entity(case.id, "note", "未遂の自殺")
    assert refs(find(ws, "自殺")) == {alone.id, at_end.id}
    assert refs(find(ws, "の自")) == {at_end.id}


def test_single_character_falls_back_to_a_scan(ws: Workspace, two_cases: tuple[Case, Case]) -> None:
    result = find(ws, "橋")
    assert result.method == "scan"
    assert [hit.kind for hit in result.hits] == ["note"]


def test_case_scope_and_cross_case(
    ws: Workspace, two_cases: tuple[Case, Case], case_path: str
) -> None:
    first, second = two_cases
    everywhere = find(ws, "kenji")
    assert {hit.case_id for hit in everywhere.hits} == {first.id, second.id}
    only_first = find(ws, "kenji", case_id=first.id)
    assert [hit.title for hit in only_first.hits] == ["Kenji Tanaka"]
    assert only_first.method == ("scan" if case_path == "scan" else "index")
    assert [h.case_id for h in find(ws, "自殺", case_id=second.id).hits] == [second.id]
    assert find(ws, "配信者", case_id=second.id).hits == ()


def test_kinds_filter_and_case_documents(ws: Workspace, two_cases: tuple[Case, Case]) -> None:
    first, _ = two_cases
    result = find(ws, "harbour bridge", kinds=["case"])
    assert [(hit.kind, hit.ref_id) for hit in result.hits] == [("case", first.id)]
    assert find(ws, "kenji", kinds=["note"]).hits == ()
    with pytest.raises(Exception, match="Unknown kind"):
        find(ws, "kenji", kinds=["links"])


def test_phrase_or_and_excluded_words(
    ws: Workspace, two_cases: tuple[Case, Case], case_path: str
) -> None:
    first, second = two_cases
    assert [h.title for h in find(ws, '"harbour bridge"').hits] == ["Bridge threat"]
    assert find(ws, '"bridge harbour"').hits == ()
    either = find(ws, "tanaka OR cctv")
    assert len(either.hits) == 2
    without = find(ws, "kenji -tanaka")
    assert [h.title for h in without.hits] == ["kenji_t"]
    assert [h.kind for h in find(ws, "自殺 -家族", case_id=first.id).hits] == []
    assert [h.kind for h in find(ws, "自殺 NOT 家族", case_id=second.id).hits] == ["note"]


def test_updates_and_deletes_are_reflected(
    ws: Workspace, two_cases: tuple[Case, Case], case_path: str
) -> None:
    first, _ = two_cases
    entity = ws.graph.add_entity(first.id, "person", "Aiko Watanabe")
    assert refs(find(ws, "watanabe", case_id=first.id)) == {entity.id}
    ws.graph.update_entity(entity.id, value="Aiko Suzuki", label="Aiko Suzuki")
    assert find(ws, "watanabe", case_id=first.id).hits == ()
    assert refs(find(ws, "suzuki", case_id=first.id)) == {entity.id}
    ws.graph.delete_entity(entity.id)
    assert find(ws, "suzuki").hits == ()
    ws.cases.update(first.id, title="Lighthouse threat")
    assert [h.kind for h in find(ws, "lighthouse").hits] == ["case"]
    assert find(ws, '"bridge threat"').hits == ()
    with ws.read() as conn:  # the external-content index agrees with its content
        conn.exec_driver_sql("INSERT INTO search_fts (search_fts) VALUES ('integrity-check')")


def test_moving_nodes_does_not_touch_the_index(ws: Workspace, two_cases: tuple[Case, Case]) -> None:
    first, _ = two_cases
    entity = ws.graph.list_entities(first.id)[0]
    with ws.read() as conn:
        before = conn.exec_driver_sql("SELECT max(id) FROM search_docs").scalar_one()
    ws.graph.set_positions(first.id, {entity.id: (10.0, 20.0)})
    with ws.read() as conn:
        assert conn.exec_driver_sql("SELECT max(id) FROM search_docs").scalar_one() == before


def test_evidence_text_is_searchable_and_long_texts_get_a_window(ws: Workspace) -> None:
    case = ws.cases.create("Evidence")
    filler = "Nothing of note in this paragraph. " * 2000
    item = ws.evidence.add_bytes(
        case.id,
        (filler + "The meeting point is the old lighthouse. " + JA_NOTE).encode("utf-8"),
        "statement.txt",
        description="Witness statement",
        mime_type="text/plain",
    )
    for query in ("lighthouse", "自殺", "ほのめかし"):
        result = find(ws, query)
        assert [(h.kind, h.ref_id) for h in result.hits] == [("evidence", item.id)]
        assert query in plain(result.hits[0].snippet)
        assert MARK_START in result.hits[0].snippet
    assert [h.ref_id for h in find(ws, "witness statement").hits] == [item.id]


def test_fts_special_characters_are_literal(ws: Workspace) -> None:
    case = ws.cases.create("Syntax")
    entity = ws.graph.add_entity(case.id, "note", 'c++ NEAR(a b) col:val ^start "quoted" 50%_off')
    for query in ("c++", "NEAR(a", "col:val", "^start", "50%_off", '"quoted"', "(a b)"):
        assert refs(find(ws, query)) == {entity.id}, query
    assert find(ws, "50%x").hits == ()  # % and _ are not LIKE wildcards here


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Type something"),
        ("   ", "Type something"),
        ('"unclosed phrase', "not closed"),
        ("AND", "AND needs a word"),
        ("kenji AND", "AND needs a word"),
        ("OR kenji", "OR needs a word"),
        ("NOT", "NOT needs a word"),
        ("*", "no wildcard"),
        ("***", "no wildcard"),
        ("-kenji", "Add a word to look for"),
        ('""', "empty phrase"),
        ("x" * 501, "limit is 500"),
    ],
)
def test_query_mistakes_give_a_clear_message(ws: Workspace, text: str, message: str) -> None:
    with pytest.raises(SearchQueryError, match=message):
        find(ws, text)


def test_a_trailing_star_is_dropped(ws: Workspace, two_cases: tuple[Case, Case]) -> None:
    assert [h.title for h in find(ws, "tana*").hits] == ["Kenji Tanaka"]


def test_limit_and_more(ws: Workspace) -> None:
    case = ws.cases.create("Many")
    for index in range(7):
        ws.graph.add_entity(case.id, "note", f"observation {index} at the quarry")
    result = find(ws, "quarry", limit=5)
    assert len(result.hits) == 5 and result.more
    assert not find(ws, "quarry", limit=7).more
    with pytest.raises(Exception, match="between 1 and"):
        find(ws, "quarry", limit=0)


def test_snippet_rendering_escapes_html() -> None:
    snippet = f"<script>x</script> {MARK_START}自殺{MARK_END} & more"
    assert to_html(snippet) == "&lt;script&gt;x&lt;/script&gt; <b>自殺</b> &amp; more"
    assert to_brackets(snippet) == "<script>x</script> [自殺] & more"


def test_migration_backfills_existing_rows(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    from workbench.store import migrations

    root = tmp_path / "ws"
    with Workspace.open(root) as ws:
        case = ws.cases.create("Before the index", description="harbour 自殺")
        entity = ws.graph.add_entity(case.id, "note", "written before 0006: 灯台")
        with ws.engine.connect() as conn:
            command.downgrade(migrations._config(conn), "0005")  # type: ignore[arg-type]
            conn.commit()
            assert "search_docs" not in {
                row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master")
            }
    with Workspace.open(root) as ws:  # migrates back to head: backfill + rebuild
        assert refs(find(ws, "灯台")) == {entity.id}
        assert refs(find(ws, "自殺", kinds=["case"])) == {case.id}
        ws.graph.add_entity(case.id, "note", "after: 灯台 again")  # triggers are back
        assert len(find(ws, "灯台").hits) == 2


def test_any_typed_text_gives_results_or_a_clear_message(ws: Workspace) -> None:
    """Whatever is typed, the answer is results or a SearchQueryError: never an SQL error."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from workbench.errors import ValidationError

    case = ws.cases.create("Fuzz")
    ws.graph.add_entity(case.id, "note", 'a "b" c* -d AND e OR f NOT g 自殺 ^h: (i) {j} [k] \\ %_')
    pieces = st.sampled_from(
        [
            '"',
            "*",
            "-",
            "(",
            ")",
            ":",
            "^",
            "+",
            "AND",
            "OR",
            "NOT",
            "NEAR",
            " ",
            "{",
            "}",
            "\\",
            "%",
            "_",
            "'",
            "自殺",
            "自",
            "a",
            "ab",
            "abc",
            "\x00",
            "\u3000",
            "\ue000",
        ]
    )

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(pieces, max_size=8).map("".join))
    def check(text: str) -> None:
        try:
            find(ws, text)
            find(ws, text, case_id=case.id)
        except ValidationError:
            pass

    check()


def _watermark(ws: Workspace) -> tuple[int, int]:
    with ws.read() as conn:
        row = conn.exec_driver_sql(
            "SELECT (SELECT indexed_upto FROM search_index_state), "
            "(SELECT max(id) FROM search_docs)"
        ).one()
    return int(row[0]), int(row[1])


def test_index_catches_up_per_audited_transaction_and_finds_the_tail(ws: Workspace) -> None:
    case = ws.cases.create("Tail")
    indexed, newest = _watermark(ws)
    assert indexed == newest  # the audited create brought the index up to date
    with ws.write() as conn:  # a write without an audit event: its document waits
        conn.exec_driver_sql(
            "INSERT INTO entities (id, case_id, type, value, normalized, label, properties, "
            "created_by, created_at, updated_at, row_order) VALUES ('e-tail', ?, 'note', "
            "'unaudited 灯台 note', 'x', 'unaudited 灯台 note', '{}', 't', "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)",
            (case.id,),
        )
    indexed, newest = _watermark(ws)
    assert newest > indexed
    for query in ("unaudited", "灯台"):
        result = find(ws, query)
        assert [h.ref_id for h in result.hits] == ["e-tail"] and result.method == "index"
    ws.graph.add_entity(case.id, "note", "audited 灯台 note")  # catches up, both indexed
    indexed, newest = _watermark(ws)
    assert indexed == newest
    assert len(find(ws, "灯台").hits) == 2
    with ws.read() as conn:
        conn.exec_driver_sql("INSERT INTO search_fts (search_fts) VALUES ('integrity-check')")


def test_document_ids_are_never_reused(ws: Workspace) -> None:
    case = ws.cases.create("Reuse")
    entity = ws.graph.add_entity(case.id, "note", "first quarry note")
    _, before = _watermark(ws)
    ws.graph.delete_entity(entity.id)
    ws.graph.add_entity(case.id, "note", "second quarry note")
    _, after = _watermark(ws)
    assert after > before
    assert [h.title for h in find(ws, "quarry").hits] == ["second quarry note"]
    with ws.read() as conn:
        conn.exec_driver_sql("INSERT INTO search_fts (search_fts) VALUES ('integrity-check')")
