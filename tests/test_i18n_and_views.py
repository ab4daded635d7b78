"""Locales have the same keys; cards escape every stored string and stay within limits."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from fluent.syntax import FluentParser, ast

from bot.i18n import LOCALES_DIR, I18n
from bot.views import MAX_MESSAGE, cluster_card, faq_card, measure_card
from storage.models import Cluster, Faq, LList, LText, Measure

CODE_DIRS = ["bot", "handlers"]
ROOT = Path(__file__).resolve().parent.parent


def keys(locale: str) -> set[str]:
    found = set()
    for file in (LOCALES_DIR / locale).glob("*.ftl"):
        resource = FluentParser().parse(file.read_text(encoding="utf-8"))
        junk = [e for e in resource.body if isinstance(e, ast.Junk)]
        assert not junk, f"{file}: syntax error {junk[0].content[:80]!r}"
        found |= {e.id.name for e in resource.body if isinstance(e, ast.Message)}
    return found


def test_locales_have_the_same_keys():
    ru, en = keys("ru"), keys("en")
    assert ru and ru == en, {"only ru": ru - en, "only en": en - ru}


def test_every_key_used_in_code_exists():
    used = set()
    pattern = re.compile(r"""\bt\(\s*["']([a-z0-9-]+)["']""")
    for directory in CODE_DIRS:
        for file in (ROOT / directory).rglob("*.py"):
            used |= set(pattern.findall(file.read_text(encoding="utf-8")))
    assert used, "the pattern must find the keys"
    known = keys("ru")
    # keys built as a prefix + a value ("measure-kind-" + kind) must have entries with that prefix
    missing = {k for k in used if k not in known and not (k.endswith("-") and any(x.startswith(k) for x in known))}
    assert not missing, missing
    for kind in ("subsidy", "tax", "loan", "other"):
        assert f"measure-kind-{kind}" in known
    for status in ("active", "creating"):
        assert f"status-{status}" in known


def test_russian_plural_forms():
    t = I18n().get("ru")
    assert "1 кластер" in t("clusters-title", count=1)
    assert "3 кластера" in t("clusters-title", count=3)
    assert "5 кластеров" in t("clusters-title", count=5)
    assert "21 кластер" in t("clusters-title", count=21)
    assert ": 1 получатель." in t("compose-started", id=1, count=1)
    assert ": 2 получателя." in t("compose-started", id=1, count=2)
    assert ": 11 получателей." in t("compose-started", id=1, count=11)
    assert "хотя бы 5 символов" in t("err-text-too-short", limit=5)
    assert "хотя бы 2 символа" in t("err-text-too-short", limit=2)
    assert ": 1 recipient." in I18n().get("en")("compose-scheduled", id=1, count=1, when="x")


def test_long_user_texts_are_not_lost_in_fluent():
    # Fluent's own limit is 2,500 characters per placeable; an escaped 3,000-character answer
    # is 15,000 ("&" -> "&amp;")
    t = I18n().get("en")
    reason = "&amp;" * 3000
    text = t("applicant-rejected", number="2026-0001", reason=reason)
    assert reason in text and "{???}" not in text


def test_fit_lines_keeps_whole_tags_and_counts_what_telegram_counts():
    from bot.views import fit_lines, visible_length
    from tests.fake_telegram import parse_html

    lines = [f"<b>№ {i}</b> <i>{'&amp;' * 300}</i>" for i in range(40)]  # 12,000 visible
    text = fit_lines(lines)
    plain, _ = parse_html(text)
    assert len(plain) <= 4096 and text.endswith("\n…")
    assert visible_length("<b>a&amp;b</b>") == 3
    short = ["<b>a</b>", "b"]
    assert fit_lines(short) == "<b>a</b>\nb"  # nothing cut when it fits


def test_unknown_locale_falls_back():
    i18n = I18n()
    assert i18n.pick_locale(None, "de") == "en"
    assert i18n.pick_locale(None, "uk") == "ru"
    assert i18n.pick_locale(None, None) == "ru"
    assert i18n.pick_locale("en", "ru") == "en"


EVIL = "<b>A & B</b> <script>"


def evil_cluster(en: bool) -> Cluster:
    return Cluster(
        slug="x",
        name=LText(ru=EVIL, en=EVIL if en else None),
        status="active",
        accepts_applications=True,
        regions=LList(ru=[EVIL]),
        products=LList(ru=[EVIL, "шины"]),
        participants=LText(ru=EVIL),
        organization=LText(ru=EVIL),
        description=LText(ru="<" * 2900),
        source=EVIL,
        as_of=dt.date(2024, 1, 2),
    )


def test_cards_escape_everything_and_fit():
    t = I18n().get("en")
    card = cluster_card(t, evil_cluster(False), "en")
    assert "<script>" not in card and "&lt;script&gt;" in card
    assert "<b>A" not in card
    assert len(card) <= MAX_MESSAGE
    assert "No English translation yet" in card
    assert "2024-01-02" in card
    measure = Measure(
        slug="m", kind="loan", title=LText(ru=EVIL), summary=LText(ru=EVIL), eligibility=LText(ru=EVIL),
        terms=LText(ru=EVIL), legal_basis=LText(ru=EVIL), how_to_apply=LText(ru=EVIL),
        link='https://example.org/?a="1"&b=<2>', source=EVIL, as_of=dt.date(2024, 1, 2),
    )
    ru = I18n().get("ru")
    html = measure_card(ru, measure, "ru")
    assert "<script>" not in html and 'href="https://example.org/?a=&quot;1&quot;&amp;b=&lt;2&gt;"' in html
    assert "02.01.2024" in html
    faq = Faq(slug="f", question=LText(ru=EVIL), answer=LText(ru=EVIL), source="src", as_of=dt.date(2024, 1, 2))
    assert "<script>" not in faq_card(ru, faq, "ru")
