"""Near-synonyms (storage/neighbours.py, SearchService.prepare_neighbours): stored per content
revision, looked up for words the knowledge base lacks, rebuilt when the content changes, and
the search works without them when they can't be computed."""

from __future__ import annotations

import asyncio

import pytest

import bot.services.search as search_module
from storage.neighbours import NeighbourRepository, model_path


@pytest.fixture
async def semantic_app(settings):
    from bot.app import create_app
    from bot.local_session import LocalSession

    app = create_app(settings.model_copy(update={"semantic_search": True}), session=LocalSession())
    await app.startup()
    yield app
    await app.shutdown()


async def test_a_word_the_knowledge_base_lacks_finds_its_near_synonym(semantic_app, monkeypatch):
    asked: list[list[str]] = []

    async def fake_child(words):  # noqa: ANN001, ANN202
        asked.append(words)
        return {"распылители": [("аэрозольный", 0.7)]}  # as the embeddings would say

    before = await semantic_app.search.search("кто делает распылители")
    assert not before.confident and before.listing is None  # the word alone is unknown
    monkeypatch.setattr(search_module, "compute_in_child", fake_child)
    assert await semantic_app.search.prepare_neighbours()
    assert asked and "аэрозольный" in asked[0] and "здравствуйте" not in asked[0]
    after = await semantic_app.search.search("кто делает распылители")
    shown = [h.slug for h in (after.listing.hits if after.listing else after.hits[:1])]
    assert shown[:1] == ["aerosol-national"], (before.hits, after.hits)
    # the same content: nothing is computed again
    assert await semantic_app.search.prepare_neighbours() and len(asked) == 1


async def test_without_the_embeddings_search_goes_on_plain(semantic_app, monkeypatch):
    async def no_child(words):  # noqa: ANN001, ANN202
        return None

    monkeypatch.setattr(search_module, "compute_in_child", no_child)
    assert not await semantic_app.search.prepare_neighbours()
    assert (await semantic_app.search.search("кто делает шины")).listing is not None


async def test_a_failed_build_is_retried_later_not_in_a_loop(semantic_app, monkeypatch):
    calls = 0

    async def broken(words):  # noqa: ANN001, ANN202
        nonlocal calls
        calls += 1
        raise OSError("disk full")

    monkeypatch.setattr(search_module, "compute_in_child", broken)
    task = asyncio.create_task(semantic_app.search.keep_neighbours(every=0.01))
    await asyncio.sleep(0.2)
    task.cancel()
    assert calls == 1  # the next try waits NEIGHBOURS_RETRY, not `every`


async def test_the_table_round_trips(app):
    repo = NeighbourRepository(app.db)
    await repo.replace("rev1", {"покрышка": [("шина", 0.483), ("резина", 0.37)]})
    assert await repo.revision() == "rev1"
    assert await repo.lookup(["покрышка", "погода"]) == {"покрышка": [("шина", 0.483), ("резина", 0.37)]}


@pytest.mark.skipif(model_path() is None, reason="natasha (the Navec embeddings) is not installed")
async def test_the_real_embeddings_relate_tyres():
    from storage.neighbours import compute_in_child

    found = await compute_in_child(["шина", "растворитель"])
    assert found is not None and ("шина" in dict(found.get("покрышка", [])))


async def test_a_product_found_only_through_a_near_synonym_is_not_made(semantic_app, monkeypatch):
    async def fake_child(words):  # noqa: ANN001, ANN202
        return {"краски": [("плёнки", 0.5)], "краска": [("плёнка", 0.5)]}  # a neighbour, not the thing

    monkeypatch.setattr(search_module, "compute_in_child", fake_child)
    assert await semantic_app.search.prepare_neighbours()
    result = await semantic_app.search.search("какие кластеры делают краски?")
    listed = [h.slug for h in result.listing.hits] if result.listing else []
    assert "omsk-petrochemical" not in listed, listed  # (the Omsk cluster makes films)
