"""Answers to questions: a short direct answer (the full card behind "Подробнее"), list answers
built from the data, and the bot's own functions answered with the function itself.

The search decides what was asked (`SearchResult.feature`, `.listing`, `.hits`); this module
only shows it. Everything that acts (subscribing, the hand-off, the join form, the privacy
screen, "My applications") is the existing handlers' callbacks and services, reused.
"""

from __future__ import annotations

from functools import lru_cache

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import (
    ClusterCb,
    FaqCb,
    HandoffCb,
    JoinCb,
    MeasureCb,
    MenuCb,
    MoreCb,
    PrivacyCb,
    SubCb,
)
from bot.i18n import Translator
from bot.services.applications import ApplicationService
from bot.services.knowledge import MEASURE_KINDS, KnowledgeBase
from bot.services.questions import QuestionService
from bot.services.search import FEATURES, Hit, Listing, SearchResult
from bot.views import (
    STATUS_MARKS,
    cluster_card,
    cluster_short,
    e,
    faq_card,
    faq_short,
    first_sentences,
    fit_lines,
    measure_card,
    measure_short,
    short,
)
from handlers.applicant import applications_screen
from handlers.keyboards import button, column, language_picker, main_menu
from storage.models import Cluster, Measure
from storage.repositories import UserRepository

BUTTON_TITLE = 55  # UTF-16 units of an entry's title on a button
LIST_SHOWN = 12  # entries listed (a line and a button each); the rest are counted
LINE_NAME = 100  # UTF-16 units of a name and of its details in a list line: 12 lines fit a message
LINE_DETAIL = 140
JOIN_FAQ = "how-to-join"
ENTRY_KINDS = ("cluster", "measure", "faq")
MAYBE = 0.2  # an entry offered as "maybe this" under "I don't know"


def hit_button(hit: Hit) -> InlineKeyboardButton:
    return _hit_button(hit.kind, hit.id, hit.title)


# Buttons depend only on their arguments: built (and their callback data packed) once. The
# same few hundred appear under most answers.
@lru_cache(maxsize=4096)
def _hit_button(kind: str, id_: int, title: str) -> InlineKeyboardButton:
    text = "🔎 " + short(title, BUTTON_TITLE)
    if kind == "cluster":
        return button(text, ClusterCb(id=id_, src="q"))
    if kind == "measure":
        return button(text, MeasureCb(id=id_, src="q"))
    return button(text, FaqCb(id=id_))


@lru_cache(maxsize=4096)
def _more_button(text: str, kind: str, id_: int) -> InlineKeyboardButton:
    return button(text, MoreCb(kind=kind, id=id_))


@lru_cache(maxsize=4096)
def _join_button(text: str, cluster: int) -> InlineKeyboardButton:
    return button(text, JoinCb(cluster=cluster))  # (JoinCb's only field)


def _join_of(kb: KnowledgeBase, kind: str, id_: int) -> JoinCb | None:
    """Where an entry's "Join" button leads; None when it has none (per the data)."""
    if kind == "cluster":
        c = kb.cluster(id_)
        return JoinCb(cluster=id_) if c is not None and c.accepts_applications else None
    if kind == "faq":
        f = kb.faq_entry(id_)
        return JoinCb() if f is not None and f.intent == "join" else None
    return None


def render_card(kb: KnowledgeBase, t: Translator, locale: str, kind: str, id_: int, *,
                short: bool = False) -> tuple[str, JoinCb | None] | None:
    """(the entry's full card, or with `short` its short answer; its Join button) — None when
    there is no such entry (any more). Rendered once per content (KnowledgeBase.derived)."""
    return kb.derived(("card", t, locale, kind, id_, short), lambda: _render_card(kb, t, locale, kind, id_, short))


def _render_card(kb: KnowledgeBase, t: Translator, locale: str, kind: str, id_: int,
                 short: bool) -> tuple[str, JoinCb | None] | None:
    entry = kb.get(kind, id_) if kind in ENTRY_KINDS else None
    if isinstance(entry, Cluster):
        return (cluster_short if short else cluster_card)(t, entry, locale), _join_of(kb, kind, id_)
    if isinstance(entry, Measure):
        return (measure_short if short else measure_card)(t, entry, locale), None
    if entry is not None:
        return (faq_short if short else faq_card)(t, entry, locale), _join_of(kb, kind, id_)  # type: ignore[arg-type]
    return None


def closing_buttons(t: Translator) -> list[InlineKeyboardButton]:
    return list(_closing_buttons(t))


@lru_cache(maxsize=64)
def _closing_buttons(t: Translator) -> tuple[InlineKeyboardButton, ...]:
    return button(t("btn-ask-person"), HandoffCb(action="ask")), button(t("btn-menu"), MenuCb(action="main"))


def answer_keyboard(t: Translator, more: Hit | None, join: JoinCb | None, others: list[Hit]) -> InlineKeyboardMarkup:
    return _answer_keyboard(
        t, None if more is None else (more.kind, more.id), None if join is None else join.cluster,
        tuple((hit.kind, hit.id, hit.title) for hit in others),
    )


@lru_cache(maxsize=4096)
def _answer_keyboard(t: Translator, more: tuple[str, int] | None, join: int | None,
                     others: tuple[tuple[str, int, str], ...]) -> InlineKeyboardMarkup:
    """The keyboard as a function of what it shows (one markup shared by equal answers:
    nothing changes a markup once sent)."""
    buttons = []
    if more is not None:
        buttons.append(_more_button(t("btn-more"), *more))
    if join is not None:
        buttons.append(_join_button(t("btn-join"), join))
    buttons.extend(_hit_button(*hit) for hit in others)
    buttons.extend(_closing_buttons(t))
    return column(buttons)


def answer_key(result: SearchResult) -> tuple:
    """Everything `render_answer` reads from a result: results with equal keys get the same
    answer (many different questions do), so it can be rendered once. (With the content: the
    caller keys by `KnowledgeBase.generation` and the locale too.)"""
    listing = result.listing
    if listing is not None:  # a listing answer shows the listing alone
        return ("listing", listing.kind, listing.criterion, listing.value, listing.total,
                tuple((h.kind, h.id) for h in listing.hits), tuple((h.kind, h.id) for h in listing.closest))
    # the "maybe this" buttons of "I don't know" (also the answer when a confident entry went
    # with a content update)
    maybe = tuple((h.kind, h.id, h.title) for h in result.hits[:4] if h.score >= MAYBE)
    if result.confident:
        best = result.hits[0]
        return ("entry", best.kind, best.id, result.intent == "join",
                tuple((h.kind, h.id, h.title) for h in result.alternatives()), maybe)
    return ("unknown", maybe)


def render_answer(kb: KnowledgeBase, t: Translator, locale: str, result: SearchResult) -> tuple[str, InlineKeyboardMarkup]:
    """The answer to a question that is not about the bot's own functions (those need the user:
    `feature_answer`)."""
    if result.listing is not None:
        return listing_answer(kb, t, locale, result.listing)
    if result.confident:
        best = result.hits[0]
        rendered = render_card(kb, t, locale, best.kind, best.id, short=True)
        if rendered is not None:  # None: the entry went with a content reload meanwhile
            text, join = rendered
            if join is None and result.intent == "join":
                join = JoinCb()
            others = result.alternatives()
            if others:
                text += "\n\n" + t("answer-others")
            return text, answer_keyboard(t, best, join, others)
    maybe = [h for h in result.hits[:4] if h.score >= MAYBE and kb.get(h.kind, h.id) is not None]
    reply = t("answer-unknown")
    if maybe:
        reply += "\n\n" + t("answer-maybe")
    return reply, answer_keyboard(t, None, None, maybe)


# ---- list answers ------------------------------------------------------------------------------

def _value(listing: Listing) -> str:
    return e(short(listing.value, 80))


def _matching_products(products: list[str], value: str) -> list[str]:
    """The products that the asked-for words name (a word matches by its start, so "шин" finds
    "шины"); all of them when none does."""
    words = [w.lower() for w in value.split() if len(w) >= 3]
    stems = [w[: max(3, len(w) - 2)] for w in words]
    found = [p for p in products if any(s in p.lower() for s in stems)]
    return found or products


def _cluster_line(t: Translator, c: Cluster, locale: str, listing: Listing) -> str:
    name = c.name.get(locale)[0]
    if listing.criterion == "product" or (listing.criterion == "accepting" and listing.value):
        detail = ", ".join(_matching_products(c.products.get(locale)[0], listing.value))
    else:
        detail = ", ".join(c.regions.get(locale)[0])
    line = f"{STATUS_MARKS.get(c.status, '')} <b>{e(short(name, LINE_NAME))}</b> — {e(short(detail, LINE_DETAIL))}"
    if c.accepts_applications:
        line += " · " + t("cluster-accepts")
    return line


def _cluster_heading(t: Translator, listing: Listing, count: int) -> str:
    criterion = listing.criterion
    if count == 0:
        if criterion in ("product", "region"):
            return t("answer-list-none-" + criterion, value=_value(listing))
        if criterion == "status":
            return t("answer-list-none-status", status=listing.value)
        if criterion == "accepting":  # (of the makers of a product: "шинные кластеры, куда можно подать заявку")
            if listing.value:
                return t("answer-list-none-accepting-product", value=_value(listing))
            return t("answer-list-none-accepting")
        if criterion == "regions":
            return t("answer-list-none-several-regions")
        return t("answer-list-none")
    if criterion == "regions":
        return t("answer-list-several-regions", count=count)
    if criterion in ("product", "region"):
        return t("answer-list-" + criterion, value=_value(listing), count=count)
    if criterion == "status":
        return t("answer-list-status", status=listing.value, count=count)
    if criterion == "accepting":
        if listing.value:
            return t("answer-list-accepting-product", value=_value(listing), count=count)
        return t("answer-list-accepting", count=count)
    return t("answer-list-all", count=count)


def _add_closest(kb: KnowledgeBase, t: Translator, locale: str, listing: Listing,
                 lines: list[str], buttons: list[InlineKeyboardButton]) -> None:
    """Add what comes closest when nothing matches: the Join button only for a cluster that
    takes applications per the data."""
    for hit in listing.closest[:3]:
        entry = kb.get(hit.kind, hit.id)
        if isinstance(entry, Cluster):
            name = e(short(entry.name.get(locale)[0], LINE_NAME))
            if entry.accepts_applications:
                lines.append(t("answer-list-closest-join", name=name))
                buttons.append(button(t("btn-join"), JoinCb(cluster=hit.id)))
            else:
                lines.append(t("answer-list-closest", name=name))
        elif isinstance(entry, Measure):
            lines.append(t("answer-list-closest", name=e(short(entry.title.get(locale)[0], LINE_NAME))))
        elif entry is not None:
            lines.append(t("answer-list-closest", name=e(short(entry.question.get(locale)[0], LINE_NAME))))  # type: ignore[union-attr]
        else:
            continue
        buttons.append(hit_button(hit))


def _count(listing: Listing, entries: list) -> int:
    """How many match: the listing's total (its hits are the best of them), less those gone
    with a content update since."""
    return max(len(entries), listing.total - (len(listing.hits) - len(entries)))


def _cluster_listing(kb: KnowledgeBase, t: Translator, locale: str, listing: Listing) -> tuple[str, InlineKeyboardMarkup]:
    entries = [(hit, c) for hit in listing.hits if (c := kb.cluster(hit.id)) is not None and hit.kind == "cluster"]
    count = _count(listing, entries)
    lines = [f"<b>{_cluster_heading(t, listing, count)}</b>"]
    buttons: list[InlineKeyboardButton] = []
    if entries:
        lines.append("")
        # a cluster's line depends on the asked-for product only in a product listing
        wanted = listing.value if listing.criterion == "product" else None
        lines.extend(
            kb.derived(("cluster-line", t, locale, hit.id, listing.criterion, wanted),
                       lambda c=c: _cluster_line(t, c, locale, listing))  # type: ignore[misc]
            for hit, c in entries[:LIST_SHOWN]
        )
        buttons.extend(hit_button(hit) for hit, _ in entries[:LIST_SHOWN])
        if count > LIST_SHOWN:
            lines.append(t("answer-list-more", count=count - LIST_SHOWN))
            buttons.append(button(t("menu-clusters"), MenuCb(action="clusters")))
        lines += ["", t("answer-list-legend")]
    else:
        regions = [kb.region_label(r, locale) for r in kb.regions(locale)]
        if regions:
            lines.append(t("answer-list-regions", regions=e(short(", ".join(regions), 1500))))
        _add_closest(kb, t, locale, listing, lines, buttons)
        buttons.append(button(t("menu-clusters"), MenuCb(action="clusters")))
    buttons.extend(closing_buttons(t))
    return fit_lines(lines), column(buttons)


def _measure_listing(kb: KnowledgeBase, t: Translator, locale: str, listing: Listing) -> tuple[str, InlineKeyboardMarkup]:
    entries = [(hit, m) for hit in listing.hits if (m := kb.measure(hit.id)) is not None and hit.kind == "measure"]
    kind = listing.value if listing.criterion == "measure-kind" and listing.value in MEASURE_KINDS else None
    count = _count(listing, entries)
    if kind is not None:
        label = t("measure-kind-" + kind)
        heading = t("answer-list-measures-kind", kind=label, count=count) if count else t("answer-list-measures-kind-none", kind=label)
    else:
        heading = t("answer-list-measures", count=count) if count else t("answer-list-measures-none")
    lines = [f"<b>{heading}</b>"]
    buttons: list[InlineKeyboardButton] = []
    shown = entries[:LIST_SHOWN]
    for group in MEASURE_KINDS:  # by kind: subsidies, loans, tax relief, the rest
        of_kind = [(hit, m) for hit, m in shown if m.kind == group]
        if not of_kind:
            continue
        lines += ["", f"<b>{t('measure-kind-' + group)}</b>"]
        for hit, m in of_kind:
            lines.append(kb.derived(("measure-line", locale, hit.id), lambda m=m: _measure_line(m, locale)))  # type: ignore[misc]
            buttons.append(hit_button(hit))
    if count > LIST_SHOWN:
        lines.append(t("answer-list-more", count=count - LIST_SHOWN))
    if not entries:
        counts = kb.measure_kind_counts()
        kinds = [f"{t('measure-kind-' + k)} ({counts[k]})" for k in MEASURE_KINDS if counts[k]]
        if kinds:
            lines.append(t("answer-list-measure-kinds", kinds=", ".join(kinds)))
        _add_closest(kb, t, locale, listing, lines, buttons)
    buttons.append(button(t("menu-measures"), MenuCb(action="measures")))
    buttons.extend(closing_buttons(t))
    return fit_lines(lines), column(buttons)


def _measure_line(m: Measure, locale: str) -> str:
    title = m.title.get(locale)[0]
    summary = first_sentences(m.summary.get(locale)[0], LINE_DETAIL, 1)
    return f"• <b>{e(short(title, LINE_NAME))}</b> — {e(summary)}"


def listing_answer(kb: KnowledgeBase, t: Translator, locale: str, listing: Listing) -> tuple[str, InlineKeyboardMarkup]:
    if listing.kind == "measure":
        return _measure_listing(kb, t, locale, listing)
    return _cluster_listing(kb, t, locale, listing)


# ---- the bot's own functions -------------------------------------------------------------------

async def feature_answer(
    feature: str, *, user_id: int, kb: KnowledgeBase, t: Translator, locale: str, admin: bool,
    user_repo: UserRepository, applications: ApplicationService, questions: QuestionService,
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The function asked for, as a sentence and the button that does it (the existing
    handlers' callbacks); None for a feature this bot doesn't have."""
    if feature not in FEATURES:
        return None
    menu = button(t("btn-menu"), MenuCb(action="main"))
    if feature in ("unsubscribe", "subscribe"):
        record = await user_repo.get(user_id)
        subscribed = record is None or record.subscribed
        if subscribed:
            key = "feature-unsubscribe" if feature == "unsubscribe" else "feature-subscribe-already"
            action = button(t("privacy-btn-unsubscribe"), SubCb(on=0))
        else:
            key = "feature-subscribe" if feature == "subscribe" else "feature-unsubscribe-already"
            action = button(t("privacy-btn-subscribe"), SubCb(on=1))
        return t(key), column([action, menu])
    if feature == "language":
        picker = language_picker().inline_keyboard
        return t("feature-language"), InlineKeyboardMarkup(inline_keyboard=[*picker, [menu]])
    if feature == "privacy":
        return t("feature-privacy"), column([
            button(t("menu-privacy"), MenuCb(action="privacy")),
            button(t("privacy-btn-download"), PrivacyCb(action="download", uid=user_id)),
            button(t("privacy-btn-withdraw"), PrivacyCb(action="withdraw", uid=user_id)),
            menu,
        ])
    if feature == "applications":
        return await applications_screen(user_id, applications, kb, t, locale)
    if feature == "human":
        last = questions.last.get(user_id)
        text = t("feature-human-last", text=e(short(last[0], 200))) if last else t("feature-human")
        return text, column([button(t("btn-ask-person"), HandoffCb(action="ask")), menu])
    if feature == "help":
        return t("help-text"), main_menu(t, admin)
    # join: the form's start, and how joining works one press away
    buttons = [_join_button(t("btn-join"), JoinCb().cluster)]
    found = kb.by_slug("faq", JOIN_FAQ)
    if found is not None:
        buttons.append(_more_button(t("btn-more"), "faq", found[0]))
    buttons.extend(closing_buttons(t))
    return t("feature-join"), column(buttons)


def without_more(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The short answer's buttons once its full card is shown: all but "Подробнее"."""
    if markup is None:
        return None
    prefix = MoreCb.__prefix__ + MoreCb.__separator__
    rows = [
        [b for b in row if not (b.callback_data or "").startswith(prefix)]
        for row in markup.inline_keyboard
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])
