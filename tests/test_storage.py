"""Storage: migrations, pragmas, repositories, content loading, the search index."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import pytest

from storage.analyzer import analyze, fold
from storage.content_loader import ContentError, export_content, import_content, read_content
from storage.db import Database, list_migrations
from storage.repositories import ContentRepository, QuestionRepository, UserRepository
from storage.search_index import IndexDoc, SearchIndex, _levenshtein

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def db(tmp_path):
    database = Database(tmp_path / "t.sqlite3")
    await database.open()
    yield database
    await database.close()


async def test_pragmas_and_schema_version(db):
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
    assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
    assert (await db.fetchone("PRAGMA busy_timeout"))[0] == 5000
    assert await db.schema_version() == len(list_migrations())


async def test_reopening_keeps_data_and_does_not_remigrate(tmp_path):
    path = tmp_path / "t.sqlite3"
    first = Database(path)
    await first.open()
    await UserRepository(first).upsert_seen(7, "A", None, None, "ru")
    await first.close()
    second = Database(path)
    await second.open()
    assert (await UserRepository(second).get(7)).first_name == "A"
    await second.close()


async def test_a_newer_database_is_refused(tmp_path):
    path = tmp_path / "t.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    database = Database(path)
    with pytest.raises(RuntimeError, match="newer"):
        await database.open()
    await database.close()


async def test_failed_transaction_rolls_back(db):
    users = UserRepository(db)
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO users (id, first_name) VALUES (1, 'x')")
            raise RuntimeError("boom")
    assert await users.get(1) is None


async def test_user_upsert_and_return_after_block(db):
    users = UserRepository(db)
    await users.upsert_seen(5, "Ivan", None, "ivan", "ru")
    await db.write("UPDATE users SET blocked = 1 WHERE id = 5")
    await users.upsert_seen(5, "Ivan", "P", "ivan", "ru")
    record = await users.get(5)
    assert record.last_name == "P" and record.blocked is False and record.subscribed is True


async def test_content_import_export_roundtrip(db, tmp_path):
    repo = ContentRepository(db)
    counts = await import_content(repo)
    assert counts["clusters"] == 5 and counts["measures"] >= 5 and counts["faq"] >= 6
    out = tmp_path / "export"
    await export_content(repo, out)
    again = read_content(out)
    original = read_content(ROOT / "content")
    assert again.clusters == original.clusters
    assert again.measures == original.measures
    assert again.faq == original.faq
    # re-import is an upsert by slug: ids stay the same
    ids = [id_ for id_, _ in await repo.clusters()]
    await import_content(repo, out)
    assert [id_ for id_, _ in await repo.clusters()] == ids


async def test_a_running_bot_reloads_content_imported_meanwhile(db):
    from bot.services.knowledge import KnowledgeBase

    repo = ContentRepository(db)
    kb = KnowledgeBase(repo, SearchIndex(db))
    assert await kb.ensure_loaded() is True
    first = kb.revision
    assert first is not None
    assert await kb.refresh_if_changed() is False  # nothing new
    content = read_content(ROOT / "content")
    renamed = content.clusters[0].model_copy(update={"aliases": [*content.clusters[0].aliases, "зюзюблик"]})
    await repo.replace_all([renamed, *content.clusters[1:]], content.measures, content.faq)  # another process
    version = kb.index.version
    assert await kb.refresh_if_changed() is True
    assert kb.revision != first and kb.index.version > version  # the answer cache keys on it
    assert "зюзюблик" in kb.clusters[0][1].aliases
    assert await kb.refresh_if_changed() is False


def test_content_errors_name_file_entry_and_field(tmp_path):
    (tmp_path / "faq.yaml").write_text(
        "- slug: ok-entry\n  question: {ru: 'Q'}\n  answer: {ru: 'A'}\n  source: src\n  as_of: 2024-01-01\n"
        "- slug: Bad Slug\n  question: {ru: 'Q'}\n  answer: {ru: ''}\n  source: src\n  as_of: someday\n  extra: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as info:
        read_content(tmp_path)
    text = str(info.value)
    assert "faq.yaml: entry 2 (Bad Slug): field slug" in text
    assert "field answer.ru" in text and "field as_of" in text and "field extra" in text


def test_content_rejects_duplicates_and_bad_yaml(tmp_path):
    entry = "- slug: a\n  question: {ru: 'Q'}\n  answer: {ru: 'A'}\n  source: src\n  as_of: 2024-01-01\n"
    (tmp_path / "faq.yaml").write_text(entry + entry, encoding="utf-8")
    with pytest.raises(ContentError, match="duplicate slug 'a'"):
        read_content(tmp_path)
    (tmp_path / "faq.yaml").write_text("- slug: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match="not valid YAML"):
        read_content(tmp_path)


def test_shipped_content_is_complete():
    content = read_content(ROOT / "content")
    slugs = {c.slug for c in content.clusters}
    assert slugs == {"interregional-chemical", "tver-chemical", "aerosol-national", "omsk-petrochemical", "barnaul"}
    accepting = [c.slug for c in content.clusters if c.accepts_applications]
    assert accepting == ["interregional-chemical"]
    assert {m.kind for m in content.measures} >= {"subsidy", "tax", "loan", "other"}
    assert "how-to-join" in {f.slug for f in content.faq}
    for entry in [*content.clusters, *content.measures, *content.faq]:
        assert entry.source and entry.as_of


def test_analyzer_folds_and_stems():
    assert fold("ЁЛКА") == "елка"
    assert analyze("шины") == analyze("шинами") == analyze("ШИНЫ")
    assert analyze("растворители") == analyze("растворителей")
    assert analyze("кто и как") == []


def test_levenshtein_with_transpositions():
    assert _levenshtein("кластр", "кластер", 2) == 1
    assert _levenshtein("abcd", "abdc", 1) == 1
    assert _levenshtein("abc", "xyz", 1) == 2  # stops early above the limit


async def test_search_index_prefix_and_typos(db):
    index = SearchIndex(db)
    await index.rebuild(
        [
            IndexDoc("faq", "a", "растворители катализаторы", "", ""),
            IndexDoc("faq", "b", "шины покрышки", "", "резина"),
        ]
    )
    assert index.doc_count == 2
    assert [t for t, _ in index.expand(analyze("растворители")[0]).terms][0] == analyze("растворители")[0]
    typo = index.expand(analyze("растворитли")[0])
    assert typo.known and typo.terms[0][1] < 1.0
    assert not index.expand("погод").known
    found = await index.candidates(["шин"])
    assert [c.slug for c in found] == ["b"]


async def test_a_short_word_with_two_letters_swapped_is_a_typo_of_the_same_letters_only(db):
    index = SearchIndex(db)
    await index.rebuild([IndexDoc("cluster", "a", "tyres", "", ""), IndexDoc("cluster", "b", "tver", "", "")])
    assert [t for t, _ in index.expand("tyer").terms] == ["tyre"]  # not "tver": other letters
    assert not index.expand("tyxr").known


async def test_questions_are_recorded(db):
    repo = QuestionRepository(db)
    await repo.add(1, "погода", "ru", None, None, 0.0, False)
    await repo.add(1, "шины", "ru", "cluster", "barnaul", 0.9, True)
    assert [q[0] for q in await repo.unanswered()] == ["погода"]


async def test_a_cancelled_transaction_never_leaves_the_connection_in_a_transaction(db):
    """aiosqlite runs a statement on its thread even when the task awaiting it is cancelled: a
    cancellation at any moment of a transaction (waiting for BEGIN, in the body, during COMMIT)
    must leave no transaction open, or every later write fails with "cannot start a
    transaction within a transaction" (a stop cancelling the question log's writer lost its
    rows so). The cancelled transaction is all there or not at all."""
    await db.write("CREATE TABLE t (batch INTEGER, v INTEGER)")
    for attempt in range(60):
        async def write(batch: int = attempt) -> None:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO t VALUES (?, 1)", (batch,))
                await conn.execute("INSERT INTO t VALUES (?, 2)", (batch,))

        task = asyncio.create_task(write())
        for _ in range(attempt % 6):  # cancelled at a different step each time
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert not db.conn.in_transaction, f"attempt {attempt}: a transaction was left open"
        await db.write("INSERT INTO t VALUES (-1, 0)")  # the connection works on
    rows = await db.fetchall("SELECT batch, count(*) FROM t WHERE batch >= 0 GROUP BY batch")
    assert all(count == 2 for _, count in rows)  # never half of one


async def test_a_transaction_on_a_full_disk_raises_the_real_error_and_recovers(db):
    """SQLite rolls a transaction back by itself on SQLITE_FULL: the error callers see must be
    "database or disk is full" (not "cannot rollback - no transaction is active"), nothing of
    the transaction stays, and the connection works again once there is room."""
    await db.write("CREATE TABLE filler (v TEXT)")
    pages = (await db.fetchone("PRAGMA page_count"))[0]
    await db.conn.execute(f"PRAGMA max_page_count = {pages + 5}")
    await db.conn.execute("PRAGMA cache_size = 2")  # pages spill mid-transaction, as on a busy bot
    big = "x" * 3000
    with pytest.raises(sqlite3.OperationalError, match="full"):
        async with db.transaction() as conn:
            for _ in range(100):
                await conn.execute("INSERT INTO filler VALUES (?)", (big,))
    assert not db.conn.in_transaction
    assert (await db.fetchone("SELECT count(*) FROM filler"))[0] == 0
    await db.conn.execute("PRAGMA max_page_count = 1073741823")
    async with db.transaction() as conn:
        for _ in range(100):
            await conn.execute("INSERT INTO filler VALUES (?)", (big,))
    assert (await db.fetchone("SELECT count(*) FROM filler"))[0] == 100


# ---- issue 9: what the search keeps between questions is never changed by a question ---------

def test_a_texts_words_are_found_once_and_each_caller_gets_its_own_list():
    from storage.analyzer import tokens

    first = tokens("Какие кластеры делают шины?")
    first.append("погода")  # a caller may change its list
    assert tokens("Какие кластеры делают шины?") == ["какие", "кластеры", "делают", "шины"]


async def test_expansions_are_kept_per_index_and_each_caller_gets_its_own(db):
    index = SearchIndex(db)
    await index.rebuild([IndexDoc("faq", "a", "растворители", "", ""), IndexDoc("faq", "b", "шины", "", "")])
    stem = analyze("растворители")[0]
    first = index.expand(stem)
    first.terms.append(("погод", 0.5))  # the search adds the dictionary form's terms so
    assert ("погод", 0.5) not in index.expand(stem).terms
    assert not index.expand("катализатор").known
    await index.rebuild([IndexDoc("faq", "c", "катализаторы", "", "")])  # a new index: new expansions
    assert index.expand(analyze("катализаторы")[0]).known and not index.expand(stem).known


async def test_the_ranking_is_bm25_with_fts5s_idf(db):
    """The contributions are computed with the index now: the scores are still bm25's."""
    import math

    index = SearchIndex(db)
    await index.rebuild([
        IndexDoc("faq", "a", "шины", "резина", "шины для грузовиков"),
        IndexDoc("faq", "b", "резина", "", ""),
        IndexDoc("faq", "c", "катализаторы", "", ""),
    ])
    (found,) = [c for c in await index.candidates(["шин"]) if c.slug == "a"]
    # by hand: the term is in one entry of three, in its name (weight 10) and body (1)
    length = {1: 4, 2: 1, 3: 1}
    avg = sum(length.values()) / 3
    frequency = 10.0 + 1.0
    norm = 1.2 * (1 - 0.75 + 0.75 * length[1] / avg)
    idf = math.log((3 - 1 + 0.5) / (1 + 0.5))
    assert found.bm25 == pytest.approx(idf * frequency * 2.2 / (frequency + norm))
    assert found.fields == {"шин": 1 | 4}  # in the name and the body
