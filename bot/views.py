"""Rendering knowledge-base entries as Telegram HTML. Every stored string is escaped here."""

from __future__ import annotations

import datetime as dt
from html import escape

from bot.i18n import Translator
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


def clip(html_parts: list[str], footer: str) -> str:
    """Join parts; drop trailing parts if the message would exceed Telegram's limit."""
    parts = list(html_parts)
    while parts:
        text = "\n\n".join([*parts, footer])
        if len(text) <= MAX_MESSAGE:
            return text
        parts.pop()
    return footer[:MAX_MESSAGE]


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


def cluster_line(t: Translator, c: Cluster, locale: str) -> str:
    name = c.name.get(locale)[0]
    products = c.products.get(locale)[0]
    status = "🟢" if c.status == "active" else "🟡"
    shown = ", ".join(products[:3]) + ("…" if len(products) > 3 else "")
    return f"{status} <b>{e(name)}</b>\n   {e(shown)}"


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
