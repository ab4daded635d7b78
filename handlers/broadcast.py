"""Campaigns: composing (admins only), progress controls, history; subscriptions for everyone."""

from __future__ import annotations

import datetime as dt
from contextlib import suppress
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ChatMemberUpdated, InlineKeyboardMarkup, Message

from bot.callbacks import BroadcastCb, CampaignCb, MenuCb, SubCb
from bot.i18n import Translator
from bot.services.broadcast import Broadcaster
from bot.services.knowledge import KnowledgeBase
from bot.settings import Settings
from bot.views import e, fit_lines, fmt_ts, short
from handlers.filters import PrivateChat
from handlers.keyboards import button, main_menu
from storage.applications import STATUSES
from storage.campaigns import CampaignRepository
from storage.repositories import UserRepository

MOSCOW = ZoneInfo("Europe/Moscow")


class Compose(StatesGroup):
    message = State()
    options = State()
    audience = State()
    confirm = State()
    schedule = State()


def is_admin(settings: Settings, user_id: int) -> bool:
    return user_id in settings.admin_ids


def options_screen(t: Translator, kb: KnowledgeBase, data: dict) -> tuple[str, InlineKeyboardMarkup]:  # noqa: ANN001
    rows = []
    join = data.get("join_cluster")
    for id_, c in kb.accepting_clusters():
        on = join == c.slug
        rows.append([button(("✅ " if on else "➕ ") + t("compose-join-button", cluster=short(c.name.get(t.locale)[0], 40)),
                            BroadcastCb(action="join", value="0" if on else str(id_)))])
    unsub = bool(data.get("unsub"))
    rows.append([button(("✅ " if unsub else "➕ ") + t("compose-unsub-button"), BroadcastCb(action="unsub"))])
    rows.append([button(t("compose-next"), BroadcastCb(action="next"))])
    rows.append([button(t("btn-cancel"), BroadcastCb(action="cancel"))])
    return t("compose-options"), InlineKeyboardMarkup(inline_keyboard=rows)


def audience_screen(t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    kinds = ["all", "language", "region", "cluster", "status", "never_applied"]
    rows = [[button(t("audience-" + k.replace("_", "-")), BroadcastCb(action="aud", value=k))] for k in kinds]
    rows.append([button(t("btn-back"), BroadcastCb(action="options")), button(t("btn-cancel"), BroadcastCb(action="cancel"))])
    return t("compose-audience"), InlineKeyboardMarkup(inline_keyboard=rows)


def audience_label(t: Translator, kb: KnowledgeBase, kind: str, value: str | None) -> str:
    label = t("audience-" + kind.replace("_", "-"))
    if kind == "cluster" and value:
        c = kb.cluster(int(value))
        label += f": {c.name.get(t.locale)[0] if c else value}"
    elif kind == "status" and value:
        label += ": " + t("app-status-" + value)
    elif value:
        label += f": {value}"
    return label


def confirm_screen(t: Translator, kb: KnowledgeBase, data: dict, count: int) -> tuple[str, InlineKeyboardMarkup]:  # noqa: ANN001
    lines = [
        t("compose-summary"),
        t("compose-audience-line", audience=e(audience_label(t, kb, data["aud_kind"], data.get("aud_value")))),
        t("compose-count", count=count),
    ]
    if data.get("send_at"):
        lines.append(t("compose-send-at", when=fmt_local(data["send_at"])))
    rows = [
        [button(t("compose-preview"), BroadcastCb(action="preview"))],
        [button(t("compose-send-now") if not data.get("send_at") else t("compose-confirm-schedule"), BroadcastCb(action="send"))],
        [button(t("compose-schedule"), BroadcastCb(action="schedule"))],
        [button(t("compose-edit"), BroadcastCb(action="edit")), button(t("btn-back"), BroadcastCb(action="next"))],
        [button(t("btn-cancel"), BroadcastCb(action="cancel"))],
    ]
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def fmt_local(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, MOSCOW).strftime("%d.%m.%Y %H:%M")


class CommandOrComposing(Filter):
    """Lets ordinary questions skip this router with one check."""

    async def __call__(self, message: Message, raw_state: str | None = None) -> bool:
        return bool(message.text and message.text[0] == "/") or bool(raw_state and raw_state.startswith("Compose:"))


def create_router() -> Router:
    router = Router(name="broadcast")
    router.message.filter(CommandOrComposing())

    # ---- subscriptions (everyone) -------------------------------------------------------------
    @router.message(Command("unsubscribe"), PrivateChat())
    async def unsubscribe(message: Message, user_repo: UserRepository, t: Translator) -> None:
        await user_repo.set_subscribed(message.chat.id, False)
        await message.answer(t("unsubscribed"), reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[button(t("btn-subscribe"), SubCb(on=1))]]))

    @router.message(Command("subscribe"), PrivateChat())
    async def subscribe(message: Message, user_repo: UserRepository, t: Translator) -> None:
        await user_repo.set_subscribed(message.chat.id, True)
        await message.answer(t("subscribed"))

    @router.callback_query(SubCb.filter())
    async def sub_button(callback: CallbackQuery, callback_data: SubCb, user_repo: UserRepository, t: Translator) -> None:
        await user_repo.set_subscribed(callback.from_user.id, bool(callback_data.on))
        await callback.answer(t("subscribed") if callback_data.on else t("unsubscribed"), show_alert=True)

    @router.my_chat_member(F.chat.type == "private")
    async def membership(event: ChatMemberUpdated, user_repo: UserRepository) -> None:
        """The user blocked the bot (kicked) or came back (member)."""
        await user_repo.set_blocked(event.chat.id, event.new_chat_member.status == "kicked")

    # ---- composing (admins) -----------------------------------------------------------------------
    async def refuse(event: Message | CallbackQuery, t: Translator) -> None:
        if isinstance(event, CallbackQuery):
            await event.answer(t("admins-only"), show_alert=True)
        else:
            await event.answer(t("admins-only"))

    async def begin(target: Message, state: FSMContext, t: Translator, *, keep: bool = False) -> None:
        """Ask for the campaign's message; `keep`: a new message for the same draft (Edit)."""
        await state.set_state(Compose.message)
        if not keep:
            await state.set_data({})
        await target.answer(t("compose-send-message"), reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[button(t("btn-cancel"), BroadcastCb(action="cancel"))]]))

    @router.message(Command("broadcast"), PrivateChat())
    async def broadcast_cmd(message: Message, state: FSMContext, settings: Settings, t: Translator) -> None:
        if not is_admin(settings, message.chat.id):
            await refuse(message, t)
            return
        await begin(message, state, t)

    @router.callback_query(MenuCb.filter(F.action == "broadcast"))
    async def broadcast_menu(callback: CallbackQuery, state: FSMContext, settings: Settings, t: Translator) -> None:
        if not is_admin(settings, callback.from_user.id):
            await refuse(callback, t)
            return
        await callback.answer()
        if isinstance(callback.message, Message):
            await begin(callback.message, state, t)

    @router.message(StateFilter(Compose.message), Command("cancel"))
    @router.message(StateFilter(Compose.options, Compose.audience, Compose.confirm, Compose.schedule), Command("cancel"))
    async def cancel_cmd(message: Message, state: FSMContext, t: Translator) -> None:
        await state.clear()
        await message.answer(t("compose-cancelled"), reply_markup=main_menu(t))

    @router.message(StateFilter(Compose.message), PrivateChat())
    async def got_message(message: Message, state: FSMContext, settings: Settings, kb: KnowledgeBase,
                          campaigns: CampaignRepository, t: Translator) -> None:
        if not is_admin(settings, message.chat.id):
            await state.clear()
            return
        if message.text and message.text.startswith("/"):
            await message.answer(t("compose-send-message"))
            return
        if message.sticker or message.poll or message.location or message.contact:
            await message.answer("⚠️ " + t("compose-unsupported"))
            return
        summary = message.text or message.caption or t("compose-media")
        await state.update_data(src_chat=message.chat.id, src_msg=message.message_id, summary=summary[:100])
        data = await state.get_data()
        if "aud_kind" in data:  # edited: straight back to the confirmation with the rest kept
            await state.set_state(Compose.confirm)
            count = await campaigns.count_audience(data["aud_kind"], data.get("aud_value"))
            text, markup = confirm_screen(t, kb, data, count)
        else:
            await state.set_state(Compose.options)
            text, markup = options_screen(t, kb, data)
        await message.answer(text, reply_markup=markup)

    @router.message(StateFilter(Compose.schedule), PrivateChat())
    async def got_time(message: Message, state: FSMContext, settings: Settings, kb: KnowledgeBase,
                       campaigns: CampaignRepository, t: Translator) -> None:
        try:
            local = dt.datetime.strptime((message.text or "").strip(), "%Y-%m-%d %H:%M").replace(tzinfo=MOSCOW)
        except ValueError:
            await message.answer("⚠️ " + t("compose-bad-time"))
            return
        if local.timestamp() < dt.datetime.now(dt.UTC).timestamp() + 30:
            await message.answer("⚠️ " + t("compose-past-time"))
            return
        await state.update_data(send_at=local.timestamp())
        await state.set_state(Compose.confirm)
        data = await state.get_data()
        count = await campaigns.count_audience(data["aud_kind"], data.get("aud_value"))
        text, markup = confirm_screen(t, kb, data, count)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(BroadcastCb.filter())
    async def compose_button(callback: CallbackQuery, callback_data: BroadcastCb, state: FSMContext,
                             settings: Settings, kb: KnowledgeBase, campaigns: CampaignRepository,
                             broadcaster: Broadcaster, t: Translator) -> None:
        if not is_admin(settings, callback.from_user.id):
            await refuse(callback, t)
            return
        message = callback.message if isinstance(callback.message, Message) else None
        current = await state.get_state()
        if message is None or current is None or not current.startswith("Compose:"):
            await callback.answer(t("error-outdated"), show_alert=True)
            return
        await callback.answer()
        action, value = callback_data.action, callback_data.value
        data = await state.get_data()
        if action == "cancel":
            await state.clear()
            await message.answer(t("compose-cancelled"), reply_markup=main_menu(t))
            return
        if action == "edit":
            await begin(message, state, t, keep=True)  # the buttons, audience and time stay
            return
        if "src_msg" not in data:
            await begin(message, state, t)
            return
        if action == "join":
            accepting = {id_: c.slug for id_, c in kb.accepting_clusters()}
            slug = accepting.get(int(value)) if value.isdigit() else None
            await state.update_data(join_cluster=slug)
        elif action == "unsub":
            await state.update_data(unsub=not data.get("unsub"))
        if action in ("join", "unsub", "options"):
            await state.set_state(Compose.options)
            text, markup = options_screen(t, kb, await state.get_data())
            await message.edit_text(text, reply_markup=markup)
            return
        if action == "next":
            await state.set_state(Compose.audience)
            text, markup = audience_screen(t)
            await message.answer(text, reply_markup=markup)
            return
        if action == "aud":
            rows = None
            if value == "language":
                rows = [[button(code, BroadcastCb(action="audval", kind="language", value=code))]
                        for code in ("ru", "en")]
            elif value == "region":
                # at most 89 regions; two per row keeps the keyboard under Telegram's 100 buttons
                regions = await campaigns.audience_regions()
                cells = [button(r, BroadcastCb(action="audval", kind="region", value=str(i)))
                         for i, r in enumerate(regions)]
                rows = [cells[i:i + 2] for i in range(0, len(cells), 2)]
                await state.update_data(regions=regions)
            elif value == "cluster":
                rows = [[button(short(c.name.get(t.locale)[0], 50), BroadcastCb(action="audval", kind="cluster", value=str(id_)))]
                        for id_, c in kb.clusters]
            elif value == "status":
                rows = [[button(t("app-status-" + s), BroadcastCb(action="audval", kind="status", value=s))]
                        for s in STATUSES]
            elif value in ("all", "never_applied"):
                await choose(message, state, kb, campaigns, t, value, None)
                return
            else:
                await message.answer(t("error-outdated"))
                return
            if not rows:
                await message.answer(t("audience-empty-choice"))
                return
            rows.append([button(t("btn-back"), BroadcastCb(action="next"))])
            await message.answer(t("compose-audience-value"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))
            return
        if action == "audval":
            kind, raw = callback_data.kind, value
            if kind == "region":
                regions = data.get("regions") or []
                if not raw.isdigit() or int(raw) >= len(regions):
                    await message.answer(t("error-outdated"))
                    return
                raw = regions[int(raw)]
            elif kind == "cluster" and not (raw.isdigit() and kb.cluster(int(raw))):
                await message.answer(t("error-outdated"))
                return
            elif kind == "status" and raw not in STATUSES:
                await message.answer(t("error-outdated"))
                return
            elif kind == "language" and raw not in ("ru", "en"):
                await message.answer(t("error-outdated"))
                return
            elif kind not in ("region", "cluster", "status", "language"):
                await message.answer(t("error-outdated"))
                return
            await choose(message, state, kb, campaigns, t, kind, raw)
            return
        if "aud_kind" not in data:
            await message.answer(t("error-outdated"))
            return
        if action == "preview":
            markup = await broadcaster.markup_for_draft(data, t.locale)
            await callback.bot.copy_message(message.chat.id, data["src_chat"], data["src_msg"], reply_markup=markup)
            text, markup2 = confirm_screen(t, kb, data, await campaigns.count_audience(data["aud_kind"], data.get("aud_value")))
            await message.answer(text, reply_markup=markup2)
        elif action == "schedule":
            await state.set_state(Compose.schedule)
            await message.answer(t("compose-ask-time"))
        elif action == "send":
            if not await campaigns.count_audience(data["aud_kind"], data.get("aud_value")):
                await message.answer(t("compose-empty"))
                return
            campaign = await campaigns.create(
                callback.from_user.id, data["src_chat"], data["src_msg"], data.get("summary", ""),
                data.get("join_cluster"), bool(data.get("unsub")),
                {"kind": data["aud_kind"], "value": data.get("aud_value")},
            )
            total = await campaigns.launch(campaign.id, data.get("send_at"))
            await state.clear()
            if data.get("send_at"):
                await message.answer(t("compose-scheduled", id=campaign.id, count=total, when=fmt_local(data["send_at"])),
                                     reply_markup=broadcaster.controls(await campaigns.get(campaign.id), t.locale))
            else:
                await message.answer(t("compose-started", id=campaign.id, count=total))
            broadcaster.wake()

    async def choose(message: Message, state: FSMContext, kb: KnowledgeBase, campaigns: CampaignRepository,
                     t: Translator, kind: str, value: str | None) -> None:
        await state.update_data(aud_kind=kind, aud_value=value)
        await state.set_state(Compose.confirm)
        data = await state.get_data()
        count = await campaigns.count_audience(kind, value)
        text, markup = confirm_screen(t, kb, data, count)
        await message.answer(text, reply_markup=markup)

    # ---- running campaigns ------------------------------------------------------------------------
    @router.callback_query(CampaignCb.filter())
    async def control(callback: CallbackQuery, callback_data: CampaignCb, settings: Settings,
                      broadcaster: Broadcaster, campaigns: CampaignRepository, t: Translator) -> None:
        if not is_admin(settings, callback.from_user.id):
            await refuse(callback, t)
            return
        action = callback_data.action
        ok = False
        if action == "pause":
            ok = await broadcaster.pause(callback_data.id)
        elif action == "resume":
            ok = await broadcaster.resume(callback_data.id)
        elif action == "cancel":
            ok = await broadcaster.cancel(callback_data.id)
        await callback.answer(t("campaign-" + action + ("-ok" if ok else "-no")) if action in ("pause", "resume", "cancel")
                              else t("error-outdated"), show_alert=not ok)
        message = callback.message if isinstance(callback.message, Message) else None
        campaign = await campaigns.get(callback_data.id) if ok and message else None
        if message is not None and campaign is not None and campaign.progress_message_id != message.message_id:
            # the buttons follow the status at once (Resume after Pause) on a message the sender
            # doesn't edit itself (the announcement of a scheduled campaign): never a
            # "message is not modified" race with the progress edits
            markup = broadcaster.controls(campaign, t.locale)
            if markup != message.reply_markup:
                with suppress(TelegramBadRequest):  # e.g. the sender edited it a moment ago
                    await message.edit_reply_markup(reply_markup=markup)

    @router.message(Command("campaigns"), PrivateChat())
    async def history(message: Message, settings: Settings, campaigns: CampaignRepository, t: Translator,
                      locale: str) -> None:
        if not is_admin(settings, message.chat.id):
            await refuse(message, t)
            return
        rows = await campaigns.history()
        if not rows:
            await message.answer(t("campaigns-empty"))
            return
        lines = [t("campaigns-title"), ""]
        for campaign, counts, applied in rows:
            left = campaign.total - counts["sent"] - counts["blocked"] - counts["failed"] - counts["skipped"]
            lines.append(t(
                "campaigns-line", id=campaign.id, status=t("campaign-status-" + campaign.status),
                date=fmt_ts(campaign.created_at, locale), summary=e(short(campaign.summary, 60)),
                sent=counts["sent"], blocked=counts["blocked"], failed=counts["failed"],
                skipped=counts["skipped"], left=left,
                total=campaign.total, applied=applied,
            ))
        await message.answer(fit_lines(lines))

    return router
