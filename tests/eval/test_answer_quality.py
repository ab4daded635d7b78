"""Answer quality, measured on questions written before the search was tuned (issue 9).

Two parts, by authors who did not see the search code:

- `dev.yaml`: the part the search is tuned on (with the older `questions.yaml`, also tuned on),
  `dev2.yaml` (a third author, 2026-12-01: first measured before any tuning on it, 77.0 %,
  then tuned on), `dev3.yaml` (a fourth author, 2026-12-01 evening: 84.0 % before any tuning
  on it, then tuned on), `dev4.yaml` (a fifth author, traps and list questions: 76.2 % before
  any tuning on it, traps 48/75, then tuned on) and `dev5.yaml` (a sixth author, list questions
  and English: 75.0 % before any tuning on it, then tuned on), `dev6.yaml` (a seventh author,
  long conversational Russian: 80.3 % before any tuning on it) and `dev7.yaml` (an eighth
  author, traps, near-traps and their answerable look-alikes: 80.3 % before any tuning on it,
  traps 76/110) and `dev8.yaml` (a ninth author, the bot's own functions and their look-alikes:
  69.2 % before any tuning on it, functions 90/134) and `dev9.yaml` (a tenth author, a fresh
  realistic sample after an invitation campaign: 84.9 % before any tuning on it) and `dev10.yaml` (an
  eleventh author, a month of ministry officials, plant managers, consultants and foreign partners:
  85.4 % before any tuning on it, traps 30/46) and `dev11.yaml` (a twelfth author, a forum's mixed
  crowd, traps close to the knowledge base and their answerable look-alikes: 83.3 % before any
  tuning on it, traps 45/60) and `dev12.yaml` (a thirteenth author, a week after a newspaper
  announcement, many senders not the audience: 83.5 % before any tuning on it, traps 56/70) and
  `dev13.yaml` (a fourteenth author, hasty phone typing, slang, clipped words and wrong endings:
  91.3 % before any tuning on it) and `dev14.yaml` (a fifteenth author, an ordinary fortnight's
  representative mix: 91.9 % before any tuning on it) and `dev15.yaml` (a sixteenth author, hurried
  phone typing and voice dictation, slang, informal English: 84.8 % before any tuning on it) and
  `dev16.yaml` (a seventeenth author, traps and their answerable look-alikes: 88.5 % before any
  tuning on it, traps 91/110) and `dev17.yaml` (an eighteenth author, traps with the joining and
  application words, cities and products, and their look-alikes: 94.0 % before any tuning on it,
  traps 92/100) and `dev18.yaml` (a nineteenth author, long messages full of the knowledge base's
  words that ask for something it doesn't hold, and their look-alikes: 80.0 % before any tuning on
  it, traps 68/90) and `dev19.yaml` (a twentieth author, short chat messages, half of them slang:
  84.0 % before any tuning on it, traps 61/80) and `dev20.yaml` (a twenty-first author, English
  only: 88.1 % before any tuning on it, traps 57/70) and `dev21.yaml` (a twenty-second author, messages
  that are no questions but use the knowledge base's words: tasks, meta questions, prompt injections,
  pasted codes and links: 78.7 % before any tuning on it, traps 59/88) and `dev22.yaml` (a
  twenty-third author, officials, lawyers and procurement people: laws, programmes and bodies the
  knowledge base doesn't hold: 84.8 % before any tuning on it, traps 69/90) and `dev23.yaml` (a
  twenty-fourth author, the chemical industry around the knowledge base: companies, markets,
  ecology, how-to: 88.3 % before any tuning on it, traps 73/89) and `dev24.yaml` (a twenty-fifth
  author, the joining and application words about other things in people's lives and work: 93.7 %
  before any tuning on it, traps 83/91) and `dev25.yaml` (a twenty-sixth author, a fortnight after a
  chamber of commerce newsletter, half of it traps close to the knowledge base: 88.2 % before any
  tuning on it, traps 58/70) and `dev26.yaml` (a twenty-seventh author, everyday life and local business in
  the clusters' towns and regions: 96.2 % before any tuning on it, traps 77/78) and `dev27.yaml` (a
  twenty-eighth author, buying, specifying and using the clusters' products: 89.5 % before any tuning on
  it, traps 64/73) and `dev28.yaml` (a twenty-ninth author, the words of state support about benefits,
  grants, loans, audits and registers not held: 81.3 % before any tuning on it, traps 59/76) and
  `dev29.yaml` (a thirtieth author, journalists, students and analysts asking for figures, history and
  rankings: 75.2 % before any tuning on it, traps 41/70) and `dev30.yaml` (a thirty-first author, people in
  the middle of a procedure: 72.7 % before any tuning on it, traps 47/69) and `dev31.yaml` (a thirty-second
  author, very short chat messages: 89.0 % before any tuning on it, traps 59/69), all then tuned on;
- `test.yaml`: the held-out part, never tuned on. Its figures are the ones that count.

Each item is judged as a user would see the answer (`judge`): the first answer shown must be
one of `expect` (a knowledge-base entry, or `feature:<id>` for the bot's own functions); an
item with `expect: []` must be answered honestly ("I don't know"), neither with an entry nor
a listing nor a function; a `list:` item must be answered with a listing that names every
expected entry (`list: []`: a listing that says none matches).

`make eval` prints both parts, per language and per tag, and every failure, and whether the
held-out part meets issue 9's targets (top-1 at least 95 % ru and 90 % en, every trap honest).
Until it does, the test holds the line where it stands (`FLOOR`): a change that makes answers
worse on the held-out part fails. Raise the floor with the figures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.services.search import FEATURES, SearchResult, SearchService

HERE = Path(__file__).parent
TARGETS = {"ru": 0.95, "en": 0.90, "traps": 1.0}  # issue 9's targets for the held-out part
# the held-out figures where they stand (a change that makes them worse fails): 2026-12-02: ru
# 219/231, en 50/52, traps 54/57 (2026-12-01, late night: ru 217/231; night: ru 208/231, en 48/52,
# traps 51/57; evening: ru 196/231, en 41/52, traps 48/57)
FLOOR = {"ru": 0.95, "en": 0.96, "traps": 0.94}


def load(name: str) -> list[dict]:
    items = yaml.safe_load((HERE / name).read_text(encoding="utf-8"))
    for item in items:
        item.setdefault("lang", "en" if item["q"].isascii() else "ru")
        item.setdefault("tags", [])
        for key in ("expect", "list"):  # the association's contacts are a content entry
            if key in item:
                item[key] = ["faq:contacts" if r == "feature:contacts" else r for r in item[key]]
    return items


DEV = [item for name in ("dev.yaml", "dev2.yaml", "dev3.yaml", "dev4.yaml", "dev5.yaml", "dev6.yaml", "dev7.yaml",
                         "dev8.yaml", "dev9.yaml", "dev10.yaml", "dev11.yaml", "dev12.yaml", "dev13.yaml", "dev14.yaml", "dev15.yaml", "dev16.yaml", "dev17.yaml", "dev18.yaml", "dev19.yaml", "dev20.yaml",
                         "dev21.yaml", "dev22.yaml", "dev23.yaml", "dev24.yaml", "dev25.yaml", "dev26.yaml", "dev27.yaml",
                         "dev28.yaml", "dev29.yaml", "dev30.yaml", "dev31.yaml",
                         "questions.yaml") for item in load(name)]
TEST = load("test.yaml")


def ref(hit) -> str:  # noqa: ANN001
    return f"{hit.kind}:{hit.slug}"


def shown(result: SearchResult) -> str:
    """What the user sees first, as an id: feature:X, list:[...], kind:slug or "unknown"."""
    if result.feature:
        return f"feature:{result.feature}"
    if result.intent == "help":  # "помощь", "справка": the help text, as /help shows it
        return "feature:help"
    if result.listing is not None:
        return "list:[" + ",".join(ref(h) for h in result.listing.hits) + "]"
    if result.confident:
        return ref(result.hits[0])
    return "unknown"


def judge(item: dict, result: SearchResult) -> bool:
    if "list" in item:
        listing = result.listing
        if listing is None or result.feature:
            return False
        got = {ref(h) for h in listing.hits}
        return not got if not item["list"] else set(item["list"]) <= got
    expected = set(item["expect"])
    if not expected:  # (a greeting or thanks answered as such is honest; the help text is not)
        return not result.feature and result.intent != "help" and result.listing is None and not result.confident
    if result.feature:
        return f"feature:{result.feature}" in expected
    if result.intent == "help":
        return "feature:help" in expected
    if result.listing is not None:  # a listing whose first entry is the answer is an answer
        if result.listing.criterion == "all" and "faq:chemical-clusters-list" in expected:
            return True  # that entry is the list of the clusters
        return bool(result.listing.hits) and ref(result.listing.hits[0]) in expected
    return result.confident and ref(result.hits[0]) in expected


@dataclass
class Report:
    name: str
    total: Counter
    right: Counter
    failures: list[str]

    def share(self, key: str) -> float:
        return self.right[key] / self.total[key] if self.total[key] else 1.0

    def lines(self) -> list[str]:
        out = [f"{self.name}: {self.right['all']}/{self.total['all']} = {self.share('all'):.1%}"]
        out.append("  " + "; ".join(
            f"{key} {self.right[key]}/{self.total[key]} = {self.share(key):.1%}"
            for key in ("lang:ru", "lang:en", "traps", "lists", "features")
        ))
        tags = sorted(k for k in self.total if k.startswith("tag:"))
        out.append("  " + "; ".join(f"{k[4:]} {self.right[k]}/{self.total[k]}" for k in tags))
        return out


async def evaluate(search: SearchService, name: str, items: list[dict]) -> Report:
    total: Counter = Counter()
    right: Counter = Counter()
    failures = []
    for item in items:
        result = await search.search(item["q"], locale=item["lang"])
        ok = judge(item, result)
        keys = ["all", f"lang:{item['lang']}", *(f"tag:{t}" for t in item["tags"])]
        if "list" in item:
            keys.append("lists")
        elif not item["expect"]:
            keys.append("traps")
        elif any(e.startswith("feature:") for e in item["expect"]):
            keys.append("features")
        for key in keys:
            total[key] += 1
            right[key] += ok
        if not ok:
            wanted = f"list:{item['list']}" if "list" in item else (item["expect"] or "unknown")
            top = [f"{ref(h)} {h.score:.2f}" for h in result.hits[:3]]
            failures.append(f"{item['lang']} {item['q']!r}: wanted {wanted}, shown {shown(result)} (hits {top})")
    return Report(name, total, right, failures)


@pytest.fixture(scope="module")
def neighbours_db(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("eval") / "bot.sqlite3"


@pytest.fixture
async def search(settings, neighbours_db) -> SearchService:
    """The search as the bot runs it: near-synonyms on (computed once per module)."""
    from bot.app import create_app
    from bot.local_session import LocalSession

    app = create_app(settings.model_copy(update={"semantic_search": True, "database_path": neighbours_db}),
                     session=LocalSession())
    await app.startup()
    assert await app.search.prepare_neighbours(), "the near-synonyms could not be built"
    yield app.search
    await app.shutdown()


@pytest.mark.parametrize("items", [DEV, TEST], ids=["dev", "test"])
def test_the_set_is_realistic(items):
    assert len(items) >= 200
    long = [i for i in items if "long" in i["tags"]]
    english = [i for i in items if i["lang"] == "en"]
    traps = [i for i in items if "list" not in i and not i["expect"]]
    assert len(long) >= 0.4 * len(items) or items is DEV
    assert len(english) >= 40 and len(traps) >= 30


@pytest.mark.parametrize("items", [DEV, TEST], ids=["dev", "test"])
async def test_every_expected_entry_exists(app, items):
    for item in items:
        for r in item.get("list") or item.get("expect") or []:
            kind, slug = r.split(":")
            if kind == "feature":
                assert slug in FEATURES, r
            else:
                assert app.kb.by_slug(kind, slug) is not None, r


async def test_answer_quality(search, capsys):
    dev = await evaluate(search, "dev (tuned on)", DEV)
    test = await evaluate(search, "test (held out, never tuned on)", TEST)
    with capsys.disabled():
        print()
        for report in (dev, test):
            for line in report.lines():
                print(line)
        for report in (dev, test):
            print(f"{report.name}: {len(report.failures)} failures")
            for line in report.failures:
                print("   " + line)
    figures = {"ru": test.share("lang:ru"), "en": test.share("lang:en"), "traps": test.share("traps")}
    with capsys.disabled():
        for key, value in figures.items():
            verdict = "meets" if value >= TARGETS[key] else "BELOW"
            print(f"held-out {key}: {value:.1%} {verdict} the target {TARGETS[key]:.0%} (floor {FLOOR[key]:.0%})")
    for key, value in figures.items():
        assert value >= FLOOR[key], f"held-out {key} fell to {value:.1%} (floor {FLOOR[key]:.0%})"
