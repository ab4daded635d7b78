"""Rendering knowledge-base entries as Telegram HTML. Every stored string is escaped here."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from html import escape, unescape

from bot.i18n import Translator
from storage.applications import OPEN_STATUSES
from storage.models import Cluster, Faq, Measure

MAX_MESSAGE = 4096


def e(text: object) -> str:
    return escape(str(text), quote=False)


def fmt_date(value: dt.date, locale: str) -> str:
    return value.strftime("%d.%m.%Y") if locale == "ru" else value.isoformat()


def _footer(t: Translator, entry: Cluster | Measure | Faq, locale: str, fallback: bool) -> str:
    lines = [t("source-line", source=e(entry.source), date=fmt_date(entry.as_of, locale))]
    if fallback:
        lines.append(t("fallback-note"))
    return "\n".join(lines)


_TAG = re.compile(r"<[^>]*>")
# Telegram HTML as a stream: a tag, a character reference, or a run of ordinary text
_HTML_TOKEN = re.compile(r"(<[^>]*>)|(&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);)|([^<&]+|&)")
ELLIPSIS = "…"
CALLBACK_ANSWER_LIMIT = 200
CAPTION_LIMIT = 1024


def utf16_len(text: str) -> int:
    """The length as Telegram counts it: UTF-16 code units (an emoji outside the BMP is 2)."""
    return len(text.encode("utf-16-le")) // 2


def visible_length(html: str) -> int:
    """What Telegram counts against its 4,096 limit: the text after parsing tags and entities,
    in UTF-16 code units."""
    return utf16_len(unescape(_TAG.sub("", html)))


def _cut_units(text: str, units: int) -> str:
    """The longest prefix of `text` within `units` UTF-16 code units (never half a character)."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > units:
            return text[:index]
    return text


def truncate_text(text: str, limit: int) -> str:
    """Plain text cut to `limit` UTF-16 units, with "…" at the end when something was cut."""
    if utf16_len(text) <= limit:
        return text
    return _cut_units(text, limit - utf16_len(ELLIPSIS)).rstrip() + ELLIPSIS


def truncate_html(html: str, limit: int) -> str:
    """Telegram HTML cut so that its visible text fits `limit` UTF-16 units: never inside a tag
    or a character reference; "…" marks the cut and the tags still open are closed after it,
    so the result stays valid HTML."""
    if visible_length(html) <= limit:
        return html
    budget = limit - utf16_len(ELLIPSIS)
    out: list[str] = []
    open_tags: list[str] = []
    used = 0
    for match in _HTML_TOKEN.finditer(html):
        tag, reference, text = match.groups()
        if tag is not None:
            name = tag[1:-1].strip().split(None, 1)[0].lower() if len(tag) > 2 else ""
            if name.startswith("/"):
                if open_tags and open_tags[-1] == name[1:]:
                    open_tags.pop()
            elif name:
                open_tags.append(name)
            out.append(tag)
            continue
        piece = reference if reference is not None else text
        size = utf16_len(unescape(piece))
        if used + size <= budget:
            out.append(piece)
            used += size
            continue
        if text is not None and text != "&":
            out.append(_cut_units(text, budget - used))
        break
    closing = "".join(f"</{name}>" for name in reversed(open_tags))
    return "".join(out).rstrip() + ELLIPSIS + closing


def fit_lines(lines: list[str], limit: int = MAX_MESSAGE) -> str:
    """Join whole lines (each a complete HTML fragment) while the message stays within
    Telegram's limit (UTF-16 units); the lines that don't fit are replaced by "…". Never cuts
    inside a tag."""
    out: list[str] = []
    used = 0
    for line in lines:
        size = visible_length(line) + (1 if out else 0)
        if used + size > limit - 2:
            out.append(ELLIPSIS)
            break
        out.append(line)
        used += size
    return "\n".join(out)


def clip(html_parts: list[str], footer: str) -> str:
    """Join parts; drop trailing parts if the message would exceed Telegram's limit (counted
    both as HTML characters, as before, and as the UTF-16 units Telegram counts)."""
    parts = list(html_parts)
    while parts:
        text = "\n\n".join([*parts, footer])
        if len(text) <= MAX_MESSAGE and visible_length(text) <= MAX_MESSAGE:
            return text
        parts.pop()
    return truncate_html(footer, MAX_MESSAGE)


def cluster_card(t: Translator, c: Cluster, locale: str) -> str:
    name, fb1 = c.name.get(locale)
    products, fb2 = c.products.get(locale)
    regions, fb3 = c.regions.get(locale)
    participants, fb4 = c.participants.get(locale)
    description, fb5 = c.description.get(locale)
    fallback = fb1 or fb2 or fb3 or fb4 or fb5
    status = t("status-active") if c.status == "active" else t("status-creating")
    head = f"<b>{e(name)}</b>\n{status}"
    if c.accepts_applications:
        head += " · " + t("cluster-accepts")
    facts = [
        t("field-products", value=e(", ".join(products))),
        t("field-regions", value=e(", ".join(regions))),
        t("field-participants", value=e(participants)),
    ]
    if c.organization:
        org, fb6 = c.organization.get(locale)
        fallback = fallback or fb6
        facts.append(t("field-organization", value=e(org)))
    return clip([head, "\n".join(facts), e(description)], _footer(t, c, locale, fallback))


def measure_card(t: Translator, m: Measure, locale: str) -> str:
    title, fb = m.title.get(locale)
    fallback = fb
    parts = [f"<b>{e(title)}</b>\n{t('measure-kind-' + m.kind)}"]
    summary, fb = m.summary.get(locale)
    fallback |= fb
    parts.append(e(summary))
    for label, field in (
        ("field-eligibility", m.eligibility),
        ("field-terms", m.terms),
        ("field-legal-basis", m.legal_basis),
        ("field-how-to-apply", m.how_to_apply),
    ):
        text, fb = field.get(locale)
        fallback |= fb
        parts.append(t(label, value=e(text)))
    if m.link:
        parts.append(t("field-link", url=escape(m.link, quote=True)))
    return clip(parts, _footer(t, m, locale, fallback))


def faq_card(t: Translator, f: Faq, locale: str) -> str:
    question, fb1 = f.question.get(locale)
    answer, fb2 = f.answer.get(locale)
    return clip([f"<b>{e(question)}</b>", e(answer)], _footer(t, f, locale, fb1 or fb2))


# ---- short answers (the full card is one press away) --------------------------------------------

SHORT_SOURCE = 140  # the source as shown under a short answer; the card shows it whole
SHORT_FIELD = 200
STATUS_MARKS = {"active": "🟢", "creating": "🟡"}


def answer_source(t: Translator, entry: Cluster | Measure | Faq, locale: str, fallback: bool = False) -> str:
    line = t("answer-source", source=e(short(entry.source, SHORT_SOURCE)), date=fmt_date(entry.as_of, locale))
    return line + ("\n" + t("fallback-note") if fallback else "")


def cluster_short(t: Translator, c: Cluster, locale: str) -> str:
    """What was asked about a cluster in a few lines: name, status, whether it takes
    applications, regions, what it makes, the source and its date."""
    name, fb1 = c.name.get(locale)
    regions, fb2 = c.regions.get(locale)
    products, fb3 = c.products.get(locale)
    status = t("status-active") if c.status == "active" else t("status-creating")
    accepts = t("cluster-accepts") if c.accepts_applications else t("answer-no-applications")
    lines = [
        f"<b>{e(name)}</b>",
        f"{STATUS_MARKS.get(c.status, '')} {status} · {accepts}",
        t("field-regions", value=e(short(", ".join(regions), SHORT_FIELD))),
        t("field-products", value=e(short(", ".join(products), SHORT_FIELD))),
        answer_source(t, c, locale, fb1 or fb2 or fb3),
    ]
    return fit_lines(lines)


def measure_short(t: Translator, m: Measure, locale: str) -> str:
    """A measure in a few lines: what it gives, to whom, its legal basis, the source."""
    title, fb1 = m.title.get(locale)
    summary, fb2 = m.summary.get(locale)
    eligibility, fb3 = m.eligibility.get(locale)
    basis, fb4 = m.legal_basis.get(locale)
    lines = [
        f"<b>{e(title)}</b> · {t('measure-kind-' + m.kind)}",
        e(first_sentences(summary, 300, 1)),
        t("field-eligibility", value=e(first_sentences(eligibility, SHORT_FIELD, 1))),
        t("field-legal-basis", value=e(short(basis, SHORT_FIELD))),
        answer_source(t, m, locale, fb1 or fb2 or fb3 or fb4),
    ]
    return fit_lines(lines)


def faq_short(t: Translator, f: Faq, locale: str) -> str:
    """The question and the first sentence or two of its answer, cut at a sentence boundary."""
    question, fb1 = f.question.get(locale)
    answer, fb2 = f.answer.get(locale)
    lines = [f"<b>{e(question)}</b>", e(first_sentences(answer, 400, 2)), answer_source(t, f, locale, fb1 or fb2)]
    return fit_lines(lines)


def cluster_line(t: Translator, c: Cluster, locale: str) -> str:
    name = c.name.get(locale)[0]
    products = c.products.get(locale)[0]
    status = "🟢" if c.status == "active" else "🟡"
    shown = ", ".join(products[:3]) + ("…" if len(products) > 3 else "")
    return f"{status} <b>{e(name)}</b>\n   {e(shown)}"


# characters that belong to the character before them: an emoji's variation selector, skin
# tone or joiner, a combining accent
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f", "\u20e3"}


def _joins(char: str) -> bool:
    return char in _JOINERS or 0x1F3FB <= ord(char) <= 0x1F3FF or 0xE0020 <= ord(char) <= 0xE007F or bool(
        unicodedata.combining(char)
    )


def short(text: str, limit: int = 60) -> str:
    """`text` within `limit` UTF-16 units (as Telegram counts), cut at a word boundary with "…".

    A single word longer than the limit is cut inside it, but never inside a character, an
    emoji sequence (joiners, skin tones, variation selectors) or before a combining accent.
    Punctuation left dangling before the "…" is dropped ("шины, …" -> "шины…")."""
    if utf16_len(text) <= limit:
        return text
    room = max(limit - utf16_len(ELLIPSIS), 1)
    head = _cut_units(text, room)
    end = len(head)
    if end < len(text) and not text[end].isspace():
        space = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
        if space > 0:
            head = head[:space]  # the word that didn't fit goes whole
        else:
            while end > 1 and (_joins(text[end]) or text[end - 1] == "\u200d"):
                end -= 1  # don't split an emoji sequence or an accented letter
            head = text[:end]
    head = head.rstrip(" \n\t,;:—–-(«\"'")
    return (head or _cut_units(text, room)) + ELLIPSIS


_SENTENCE_END = re.compile(r"[.!?…]+[»\")]?(?=\s+[«\"(]?[A-ZА-ЯЁ])")
# words that end with a dot without ending a sentence ("ст. 20", "М. Лабудин", "т. е.")
_ABBREVIATIONS = {
    "ст", "г", "гг", "п", "пп", "ч", "т", "е", "д", "им", "см", "др", "пр", "тыс", "млн", "млрд",
    "руб", "ул", "обл", "no", "art", "st", "mr", "dr", "vs", "e.g", "i.e", "approx",
}


def first_sentences(text: str, limit: int = 320, count: int = 2) -> str:
    """The first `count` sentences of `text` that fit `limit` UTF-16 units (at least one); a
    first sentence longer than the limit is shortened at a word boundary with "…"."""
    text = " ".join(text.split())
    ends = []
    for match in _SENTENCE_END.finditer(text):
        word = text[: match.start()].rsplit(" ", 1)[-1].lower().lstrip("(«\"")
        if match.group().startswith(".") and (len(word) == 1 or word in _ABBREVIATIONS):
            continue
        ends.append(match.end())
    ends.append(len(text))
    chosen = ""
    for end in ends[:count]:
        candidate = text[:end].strip()
        if utf16_len(candidate) > limit:
            break
        chosen = candidate
    return chosen or short(text, limit)


# ---- applications and hand-offs (cards for the staff group, lists for the applicant) ----------

STATUS_ICONS = {
    "new": "🆕",
    "in_review": "🔎",
    "info_requested": "❓",
    "accepted": "✅",
    "rejected": "❌",
    "withdrawn": "↩️",
}
CARD_FIELD_LIMIT = 600


def cut(text: str, limit: int = CARD_FIELD_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fmt_ts(value: str, locale: str) -> str:
    """An ISO UTC timestamp from the database as a short local-agnostic text."""
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if locale == "ru":
        return moment.strftime("%d.%m.%Y %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def erased(t: Translator) -> str:
    """The marker shown instead of personal data erased after a withdrawal of consent."""
    return f"<i>{e(t('erased-marker'))}</i>"


def user_link(user_id: int, full_name: str, username: str | None) -> str:
    link = f'<a href="tg://user?id={int(user_id)}">{e(full_name or str(user_id))}</a>'
    if username:
        link += f" @{e(username)}"
    return link


def status_line(t: Translator, status: str, who: str | None) -> str:
    label = f"{STATUS_ICONS.get(status, '')} {t('app-status-' + status)}"
    if who and status not in ("new", "withdrawn"):  # withdrawn: by the applicant, not by `who`
        label += " — " + e(who)
    return label


def application_card(t: Translator, app, cluster_name: str, locale: str) -> str:  # noqa: ANN001
    lines = [
        t("card-title", number=e(app.number), cluster=e(cluster_name)),
        t("card-status", status=status_line(t, app.status, app.assignee_name)),
        "",
        t("card-org", value=e(cut(app.org_name))),
        t("card-inn", value=e(app.inn)) + (("  " + t("card-ogrn", value=e(app.ogrn))) if app.ogrn else ""),
        t("card-region", value=e(app.region)),
        t("card-products", value=e(cut(app.products))),
    ]
    if app.okved:
        lines.append(t("card-okved", value=e(app.okved.replace(",", ", "))))
    if app.erased_at:  # consent withdrawn: the applicant's personal data is gone
        gone = erased(t)
        lines += [
            t("card-contact", value=gone),
            t("card-phone", value=gone) + "  " + t("card-email", value=gone),
            t("card-applicant", user=gone, lang=e(app.language)),
            t("card-erased", value=fmt_ts(app.erased_at, locale)),
        ]
    else:
        lines += [
            t("card-contact", value=e(cut(app.contact_name, 200))),
            t("card-phone", value=e(app.phone)) + "  " + t("card-email", value=e(app.email)),
        ]
        if app.comment:
            lines.append(t("card-comment", value=e(cut(app.comment))))
        lines.append(
            t("card-applicant", user=user_link(app.user_id, app.full_name, app.username), lang=e(app.language))
        )
    if app.campaign:
        lines.append(t("card-campaign", value=e(app.campaign)))
    lines.append(t("card-created", value=fmt_ts(app.created_at, locale)))
    return fit_lines(lines)


def handoff_card(t: Translator, handoff, locale: str) -> str:  # noqa: ANN001
    lines = [
        t("handoff-card-title", id=handoff.id),
        t("card-applicant", user=user_link(handoff.user_id, handoff.full_name, handoff.username), lang=e(handoff.language)),
        "",
        f"<blockquote>{e(cut(handoff.text, 1500))}</blockquote>",
    ]
    if handoff.found:
        lines.append(t("handoff-card-found", value=e(cut(handoff.found, 300))))
    lines.append(t("handoff-card-hint"))
    return fit_lines(lines)


# ---- personal data (/privacy) ------------------------------------------------------------------

PRIVACY_APPS_SHOWN = 15


def privacy_screen(t: Translator, overview, locale: str) -> str:  # noqa: ANN001
    """What the bot stores about the user, in their language (storage.privacy.Overview)."""
    p = overview.profile
    name = " ".join(x for x in (p.first_name, p.last_name) if x) if p else ""
    if p and p.username:
        name = (name + " " if name else "") + "@" + p.username
    lines = [
        t("privacy-title"),
        "",
        t("privacy-profile"),
        t("privacy-name", value=e(name) if name else erased(t) if p and p.consent_withdrawn_at else "—"),
        t("privacy-language", value=t("privacy-language-name")),
        t("privacy-subscribed") if p is None or p.subscribed else t("privacy-unsubscribed"),
        "",
        t("privacy-applications", count=len(overview.applications)),
    ]
    for app in overview.applications[:PRIVACY_APPS_SHOWN]:
        head = f"• № {e(app.number)} ({STATUS_ICONS.get(app.status, '')} {t('app-status-' + app.status)})"
        if app.erased_at:
            lines.append(head + " — " + t("privacy-app-erased", date=fmt_ts(app.erased_at, locale)))
        else:
            lines.append(head + " — " + t(
                "privacy-app-consent", version=e(app.consent_version), date=fmt_ts(app.consent_at, locale)
            ))
    if len(overview.applications) > PRIVACY_APPS_SHOWN:
        lines.append(t("privacy-more", count=len(overview.applications) - PRIVACY_APPS_SHOWN))
    lines += [
        "",
        t("privacy-questions", count=overview.questions),
        t("privacy-handoffs", count=overview.handoffs, open=overview.open_handoffs),
    ]
    if p and p.consent_withdrawn_at:
        lines += ["", t("privacy-withdrawn-at", date=fmt_ts(p.consent_withdrawn_at, locale))]
    lines += ["", t("privacy-hint")]
    return fit_lines(lines)


def privacy_confirm(t: Translator, overview) -> str:  # noqa: ANN001
    open_apps = sum(1 for a in overview.applications if a.status in OPEN_STATUSES)
    lines = [t("privacy-confirm"), ""]
    if open_apps:
        lines.append(t("privacy-confirm-open", count=open_apps))
    if overview.applications or overview.handoffs:
        lines.append(t("privacy-confirm-staff"))
    lines.append(t("privacy-confirm-final"))
    return "\n".join(lines)


def privacy_done(t: Translator, withdrawal) -> str:  # noqa: ANN001
    """What the user is told after withdrawing consent (storage.privacy.Withdrawal)."""
    lines = [t("privacy-done")]
    if withdrawal.applications:
        withdrawn = sum(1 for a in withdrawal.applications if a.status in OPEN_STATUSES)
        lines.append(t("privacy-done-apps", erased=len(withdrawal.applications), withdrawn=withdrawn))
    deleted = withdrawal.questions + withdrawal.handoffs
    if deleted:
        lines.append(t("privacy-done-questions", count=deleted))
    if withdrawal.applications or withdrawal.handoff_messages:
        lines.append(t("privacy-done-staff"))
    lines.append(t("privacy-done-footer"))
    return "\n".join(lines)
