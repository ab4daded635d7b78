"""Clusters: paginated list with status and region filters, and a card per cluster."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import ClusterCb, ClusterListCb, JoinCb, MenuCb, RegionPickCb
from bot.i18n import Translator
from bot.services.knowledge import CLUSTER_STATUSES, KnowledgeBase
from bot.views import cluster_card, cluster_line, e, short
from handlers.common import show

PAGE_SIZE = 3


def _sanitize(kb: KnowledgeBase, status: str, region: int) -> tuple[str, int]:
    if status not in CLUSTER_STATUSES:
        status = ""
    if not 0 <= region < len(kb.regions("ru")):
        region = -1
    return status, region


def list_screen(
    kb: KnowledgeBase, t: Translator, locale: str, page: int, status: str, region: int
) -> tuple[str, InlineKeyboardMarkup]:
    status, region = _sanitize(kb, status, region)
    regions = kb.regions(locale)
    region_name = regions[region] if region >= 0 else None
    items = kb.filter_clusters(status or None, region_name)
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]

    filters = []
    if status:
        filters.append(t("status-" + status))
    if region_name:
        filters.append(e(kb.region_label(region_name, locale)))
    lines = [t("clusters-title", count=len(items))]
    if filters:
        lines.append(t("clusters-filters", filters=", ".join(filters)))
    if pages > 1:
        lines.append(t("page-of", page=page + 1, pages=pages))
    lines.append("")
    if shown:
        lines.extend(cluster_line(t, c, locale) for _, c in shown)
    else:
        lines.append(t("clusters-none"))

    b = InlineKeyboardBuilder()
    for id_, c in shown:
        b.button(
            text=short(c.name.get(locale)[0]),
            callback_data=ClusterCb(id=id_, src="l", page=page, status=status, region=region),
        )
    sizes = [1] * len(shown)
    nav = 0
    if page > 0:
        b.button(text=t("btn-prev"), callback_data=ClusterListCb(page=page - 1, status=status, region=region))
        nav += 1
    if page < pages - 1:
        b.button(text=t("btn-next"), callback_data=ClusterListCb(page=page + 1, status=status, region=region))
        nav += 1
    if nav:
        sizes.append(nav)
    # status filter row: the two statuses and "all"
    for value, label in (("", "filter-all"), ("active", "status-active"), ("creating", "status-creating")):
        mark = "• " if value == status else ""
        b.button(text=mark + t(label), callback_data=ClusterListCb(page=0, status=value, region=region))
    sizes.append(3)
    b.button(
        text=t("filter-region") if region < 0 else t("filter-region-set", region=short(kb.region_label(region_name, locale), 30)),
        callback_data=RegionPickCb(status=status),
    )
    b.button(text=t("btn-menu"), callback_data=MenuCb(action="main"))
    sizes.append(2)
    b.adjust(*sizes)
    return "\n".join(lines), b.as_markup()


def region_screen(kb: KnowledgeBase, t: Translator, locale: str, status: str) -> tuple[str, InlineKeyboardMarkup]:
    status, _ = _sanitize(kb, status, -1)
    b = InlineKeyboardBuilder()
    b.button(text=t("filter-any-region"), callback_data=ClusterListCb(page=0, status=status, region=-1))
    for index, region in enumerate(kb.regions(locale)):
        count = len(kb.filter_clusters(status or None, region))
        b.button(
            text=f"{short(kb.region_label(region, locale), 40)} ({count})",
            callback_data=ClusterListCb(page=0, status=status, region=index),
        )
    b.adjust(1)
    return t("region-choose"), b.as_markup()


def card_keyboard(
    t: Translator, id_: int, accepts: bool, back: ClusterListCb | None
) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if accepts:
        b.button(text=t("btn-join"), callback_data=JoinCb(cluster=id_))
    if back is not None:
        b.button(text=t("btn-back"), callback_data=back)
    b.button(text=t("btn-menu"), callback_data=MenuCb(action="main"))
    b.adjust(1)
    return b.as_markup()


def create_router() -> Router:
    router = Router(name="clusters")

    @router.message(Command("clusters"))
    async def clusters_cmd(message: Message, kb: KnowledgeBase, t: Translator, locale: str) -> None:
        text, markup = list_screen(kb, t, locale, 0, "", -1)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(MenuCb.filter(F.action == "clusters"))
    async def clusters_menu(callback: CallbackQuery, kb: KnowledgeBase, t: Translator, locale: str) -> None:
        text, markup = list_screen(kb, t, locale, 0, "", -1)
        await show(callback, text, markup)
        await callback.answer()

    @router.callback_query(ClusterListCb.filter())
    async def clusters_page(
        callback: CallbackQuery, callback_data: ClusterListCb, kb: KnowledgeBase, t: Translator, locale: str
    ) -> None:
        cd = callback_data
        text, markup = list_screen(kb, t, locale, cd.page, cd.status, cd.region)
        await show(callback, text, markup)
        await callback.answer()

    @router.callback_query(RegionPickCb.filter())
    async def pick_region(
        callback: CallbackQuery, callback_data: RegionPickCb, kb: KnowledgeBase, t: Translator, locale: str
    ) -> None:
        text, markup = region_screen(kb, t, locale, callback_data.status)
        await show(callback, text, markup)
        await callback.answer()

    @router.callback_query(ClusterCb.filter())
    async def cluster(
        callback: CallbackQuery, callback_data: ClusterCb, kb: KnowledgeBase, t: Translator, locale: str
    ) -> None:
        cd = callback_data
        c = kb.cluster(cd.id)
        if c is None:
            await callback.answer(t("error-outdated"), show_alert=True)
            return
        text = cluster_card(t, c, locale)
        if cd.src == "l":
            status, region = _sanitize(kb, cd.status, cd.region)
            back = ClusterListCb(page=max(cd.page, 0), status=status, region=region)
            await show(callback, text, card_keyboard(t, cd.id, c.accepts_applications, back))
        else:
            target = callback.message.chat.id if callback.message else callback.from_user.id
            await callback.bot.send_message(
                target, text, reply_markup=card_keyboard(t, cd.id, c.accepts_applications, None)
            )
        await callback.answer()

    return router
