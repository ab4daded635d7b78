"""The association's staff: act on application cards in the staff group, answer hand-offs by
replying to their cards, and export applications.

Only `STAFF_IDS` ∪ `ADMIN_IDS` may act, whatever chat the button or the message comes from:
the check is on the user, never on the callback data or the chat.
"""

from __future__ import annotations

import datetime as dt

from aiogram import Router
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)

from bot.callbacks import ExportCb, StaffCb
from bot.i18n import Translator
from bot.services import export
from bot.services.applications import Actor, ApplicationService, StaffPromptService
from bot.services.handoffs import HandoffService
from bot.services.knowledge import KnowledgeBase
from bot.settings import Settings
from bot.views import e, short, utf16_len
from handlers.keyboards import button
from storage.applications import (
    STATUSES,
    ApplicationRepository,
    StaffPrompt,
    ThreadRepository,
    TransitionRefused,
)

MAX_STAFF_TEXT = 3000
PERIODS = (0, 7, 30, 90)


class IsStaff(Filter):
    async def __call__(self, event: Message | CallbackQuery, settings: Settings) -> bool:
        user = event.from_user
        return user is not None and user.id in settings.staff_and_admins


class InStaffChat(Filter):
    async def __call__(self, message: Message, settings: Settings) -> bool:
        return settings.staff_chat_id is not None and message.chat.id == settings.staff_chat_id


class ReplyToStaffThread(Filter):
    async def __call__(self, message: Message, threads: ThreadRepository) -> bool | dict:
        reply = message.reply_to_message
        if reply is None:
            return False
        found = await threads.staff(message.chat.id, reply.message_id)
        return {"thread": found} if found else False


class AnswersPrompt(Filter):
    """A staff member's reply to a prompt, or to a message of an application's thread where
    they have a prompt: it answers that prompt (a reply anywhere else goes where it was sent)."""

    async def __call__(self, message: Message, threads: ThreadRepository,
                       prompts: StaffPromptService) -> bool | dict:
        reply = message.reply_to_message
        if reply is None or message.from_user is None:
            return False
        thread = await threads.staff(message.chat.id, reply.message_id)
        found = await prompts.find(message.chat.id, message.from_user.id, reply.message_id, thread)
        return {"prompt": found} if found else False


class CommandOrStaffChat(Filter):
    """Lets ordinary questions in private chats skip this router with one check."""

    async def __call__(self, message: Message, settings: Settings) -> bool:
        return bool(message.text and message.text[0] == "/") or message.chat.id == settings.staff_chat_id


class ReplyToTheBot(Filter):
    async def __call__(self, message: Message) -> bool:
        reply = message.reply_to_message
        return reply is not None and reply.from_user is not None and reply.from_user.id == message.bot.id


class NotAReply(Filter):
    async def __call__(self, message: Message) -> bool:
        return message.reply_to_message is None and not (message.text or "").startswith("/")


async def numbers_of(prompts: list[StaffPrompt], app_repo: ApplicationRepository) -> str:
    """"2026-0001, 2026-0003": the applications of these prompts (escaped)."""
    numbers: list[str] = []
    for prompt in prompts:
        if len(numbers) == 10:
            numbers.append("…")
            break
        app = await app_repo.get(prompt.application_id)
        if app is not None and app.number not in numbers:
            numbers.append(app.number)
    return e(", ".join(numbers) or "—")


def create_router() -> Router:
    router = Router(name="staff")
    router.message.filter(CommandOrStaffChat())

    # ---- card buttons -------------------------------------------------------------------------
    @router.callback_query(StaffCb.filter())
    async def card_button(callback: CallbackQuery, callback_data: StaffCb, settings: Settings,
                          applications: ApplicationService, app_repo: ApplicationRepository,
                          prompts: StaffPromptService, i18n) -> None:  # noqa: ANN001
        t = i18n.get(settings.default_locale)
        if callback.from_user.id not in settings.staff_and_admins:
            await callback.answer(t("staff-only"), show_alert=True)
            return
        app = await app_repo.get(callback_data.app)
        if app is None:
            await callback.answer(t("error-outdated"), show_alert=True)
            return
        actor = Actor.of(callback.from_user)
        try:
            if callback_data.action == "take":
                app = await applications.take(app.id, actor)
            elif callback_data.action == "accept":
                app = await applications.accept(app.id, actor)
            elif callback_data.action in ("reject", "info") and isinstance(callback.message, Message):
                # the prompt belongs to this card and this staff member: only a reply to it (or
                # to the card) answers it, until it expires
                prompts.check_allowed(app, callback_data.action)
                key = "staff-prompt-reason" if callback_data.action == "reject" else "staff-prompt-question"
                mention = f'<a href="tg://user?id={callback.from_user.id}">{e(short(callback.from_user.full_name, 64))}</a>'
                card = callback.message
                sent = await callback.bot.send_message(
                    card.chat.id, t(key, user=mention, number=e(app.number), minutes=int(prompts.ttl // 60)),
                    reply_markup=ForceReply(selective=True),
                    reply_parameters=ReplyParameters(message_id=card.message_id, allow_sending_without_reply=True),
                )
                await prompts.opened(sent.chat.id, sent.message_id, app.id, callback_data.action, callback.from_user.id)
                await callback.answer()
                return
            else:
                await callback.answer(t("error-outdated"), show_alert=True)
                return
        except TransitionRefused as exc:
            await callback.answer(
                t("staff-already", number=exc.current.number, status=t("app-status-" + exc.current.status)),
                show_alert=True,
            )
            return
        await callback.answer(t("staff-done", number=app.number, status=t("app-status-" + app.status)))

    @router.message(Command("chatid"))
    async def chat_id(message: Message, t: Translator) -> None:
        """Setting up: tells the id to put into STAFF_CHAT_ID (works in any chat)."""
        await message.reply(t("chat-id", id=str(message.chat.id)))

    # ---- in the staff group ----------------------------------------------------------------------
    group = Router(name="staff-group")
    group.message.filter(InStaffChat())

    @group.message(IsStaff(), AnswersPrompt())
    async def prompt_answer(message: Message, prompt: StaffPrompt, settings: Settings, i18n,  # noqa: ANN001
                            prompts: StaffPromptService, app_repo: ApplicationRepository) -> None:
        t = i18n.get(settings.default_locale)
        app = await app_repo.get(prompt.application_id)
        number = e(app.number) if app else "—"
        if prompt.staff_id != message.from_user.id:  # type: ignore[union-attr]
            await message.reply(t("staff-prompt-not-yours", number=number))
            return
        text = message.text or ""
        if prompts.expired(prompt):  # expired, cancelled or answered: nothing is taken
            await message.reply(t("staff-prompt-expired", number=number))
            return
        if text.split() and text.split()[0].split("@")[0] == "/cancel":
            await prompts.cancel([prompt])
            await message.reply(t("staff-prompt-cancelled", numbers=number))
            return
        if not text or text.startswith("/"):
            await message.reply(t("staff-need-text"))
            return
        if utf16_len(text) > MAX_STAFF_TEXT:
            await message.reply(t("err-text-too-long", limit=MAX_STAFF_TEXT))
            return
        try:
            app = await prompts.answer(prompt, Actor.of(message.from_user), text)  # type: ignore[arg-type]
        except TransitionRefused as exc:
            await message.reply(t("staff-already", number=exc.current.number, status=t("app-status-" + exc.current.status)))
            return
        except LookupError:  # the prompt was used up meanwhile (answered or cancelled)
            await message.reply(t("staff-prompt-expired", number=number))
            return
        await message.reply(t("staff-done", number=app.number, status=t("app-status-" + app.status)))

    @group.message(Command("cancel"), IsStaff())
    async def cancel(message: Message, settings: Settings, i18n, prompts: StaffPromptService,  # noqa: ANN001
                     app_repo: ApplicationRepository) -> None:
        """/cancel that is not a reply to a prompt: cancels all of this staff member's prompts."""
        t = i18n.get(settings.default_locale)
        pending = await prompts.pending(message.chat.id, message.from_user.id)  # type: ignore[union-attr]
        if not pending:
            await message.reply(t("staff-prompt-none"))
            return
        await prompts.cancel(pending)
        await message.reply(t("staff-prompt-cancelled", numbers=await numbers_of(pending, app_repo)))

    @group.message(ReplyToStaffThread(), IsStaff())
    async def staff_reply(message: Message, thread: tuple[str, int], settings: Settings, i18n,  # noqa: ANN001
                          applications: ApplicationService, handoffs: HandoffService,
                          app_repo: ApplicationRepository) -> None:
        t = i18n.get(settings.default_locale)
        if not message.text:
            await message.reply(t("staff-need-text"))
            return
        if utf16_len(message.text) > MAX_STAFF_TEXT:
            await message.reply(t("err-text-too-long", limit=MAX_STAFF_TEXT))
            return
        kind, ref = thread
        actor = Actor.of(message.from_user)  # type: ignore[arg-type]
        if kind == "application":
            app = await app_repo.get(ref)
            if app is None:
                await message.reply(t("staff-reply-not-linked"))
                return
            if app.erased_at:  # the applicant withdrew consent: nobody to write to
                await message.reply(t("staff-app-erased-no-relay", number=e(app.number)))
                return
            app = await applications.staff_message(ref, actor, message.text)
            await message.reply(t("staff-relayed-app", number=app.number))
        else:
            handoff = await handoffs.get(ref)
            if handoff is None:  # deleted: the user withdrew consent
                await message.reply(t("staff-reply-not-linked"))
                return
            await handoffs.staff_answer(handoff, actor, message.text)
            await message.reply(t("staff-relayed-handoff", id=handoff.id))

    @group.message(IsStaff(), NotAReply())
    async def plain_message(message: Message, settings: Settings, i18n, prompts: StaffPromptService,  # noqa: ANN001
                            app_repo: ApplicationRepository) -> None:
        """Ordinary talk in the staff group is not for the bot, and never answers a prompt; a
        staff member with a pending prompt is told once (per prompt) to reply to it instead."""
        pending = [p for p in await prompts.pending(message.chat.id, message.from_user.id)  # type: ignore[union-attr]
                   if not p.hinted]
        if not pending:
            return
        await prompts.hinted(pending)
        t = i18n.get(settings.default_locale)
        await message.reply(t("staff-prompt-hint", numbers=await numbers_of(pending, app_repo)))

    @group.message(ReplyToTheBot(), IsStaff())
    async def reply_to_other(message: Message, settings: Settings, i18n) -> None:  # noqa: ANN001
        """A staff member's reply to a bot message that is no card, thread or prompt (a notice,
        a confirmation): it reaches nobody, so the bot says so instead of keeping silent."""
        await message.reply(i18n.get(settings.default_locale)("staff-reply-not-linked"))

    @group.message()
    async def ignore(message: Message) -> None:
        """Ordinary talk in the staff group is not for the bot."""

    router.include_router(group)

    # ---- /export (private chat, staff and admins) ---------------------------------------------------
    def export_screen(t: Translator, kb: KnowledgeBase, cd: ExportCb) -> tuple[str, InlineKeyboardMarkup]:
        def mark(on: bool) -> str:
            return "• " if on else ""

        rows = [[button(mark(cd.status == "") + t("filter-all"), ExportCb(status="", cluster=cd.cluster, days=cd.days))]]
        rows += [[button(mark(cd.status == s) + t("app-status-" + s), ExportCb(status=s, cluster=cd.cluster, days=cd.days))]
                 for s in STATUSES]
        rows.append([button(mark(cd.cluster == 0) + t("export-any-cluster"), ExportCb(status=cd.status, cluster=0, days=cd.days))])
        rows += [[button(mark(cd.cluster == id_) + short(c.name.get(t.locale)[0], 50), ExportCb(status=cd.status, cluster=id_, days=cd.days))]
                 for id_, c in kb.clusters]
        rows.append([button(mark(cd.days == d) + (t("export-days", days=d) if d else t("export-all-time")),
                            ExportCb(status=cd.status, cluster=cd.cluster, days=d)) for d in PERIODS])
        rows.append([button(t("btn-export"), ExportCb(status=cd.status, cluster=cd.cluster, days=cd.days, go=1))])
        return t("export-title"), InlineKeyboardMarkup(inline_keyboard=rows)

    async def send_export(bot, chat: int, t: Translator, kb: KnowledgeBase, app_repo: ApplicationRepository,  # noqa: ANN001
                          status: str, cluster: int, since: str | None, until: str | None) -> None:
        apps = await app_repo.export_rows(status or None, cluster or None, since, until)
        columns = export.default_columns(lambda key: t("export-col-" + key.replace("_", "-")))

        def extra(app, key: str):  # noqa: ANN001, ANN202
            if key == "cluster":
                c = kb.cluster(app.cluster_id)
                return c.name.ru if c else str(app.cluster_id)
            if key == "status":
                return t("app-status-" + app.status)
            return None

        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
        gone = t("erased-marker")
        xlsx = export.to_xlsx(apps, columns, sheet_title=t("export-sheet"), extra=extra, erased=gone)
        csv = export.to_csv(apps, columns, extra=extra, erased=gone)
        caption = t("export-caption", count=len(apps))
        await bot.send_document(chat, BufferedInputFile(xlsx, f"applications-{stamp}.xlsx"), caption=caption)
        await bot.send_document(chat, BufferedInputFile(csv, f"applications-{stamp}.csv"))

    @router.message(Command("export"))
    async def export_cmd(message: Message, command: CommandObject, settings: Settings, kb: KnowledgeBase,
                         t: Translator, app_repo: ApplicationRepository) -> None:
        if message.from_user is None:
            return
        if message.chat.type != "private":  # files with everyone's data go to a private chat only
            if message.from_user.id in settings.staff_and_admins:
                await message.reply(t("export-private-only"))
            return
        if message.from_user.id not in settings.staff_and_admins:
            await message.answer(t("staff-only"))
            return
        if command.args:  # /export 2026-01-01 2026-03-31 — a date range, both days included
            try:
                parts = command.args.split()
                start = dt.date.fromisoformat(parts[0])
                end = dt.date.fromisoformat(parts[1]) if len(parts) > 1 else dt.datetime.now(dt.UTC).date()
                if len(parts) > 2 or end < start:
                    raise ValueError
            except ValueError:
                await message.answer(t("export-range-help"))
                return
            await send_export(message.bot, message.chat.id, t, kb, app_repo, "", 0,
                              start.isoformat(), (end + dt.timedelta(days=1)).isoformat())
            return
        text, markup = export_screen(t, kb, ExportCb())
        await message.answer(text, reply_markup=markup)

    @router.callback_query(ExportCb.filter())
    async def export_cb(callback: CallbackQuery, callback_data: ExportCb, settings: Settings, kb: KnowledgeBase,
                        t: Translator, app_repo: ApplicationRepository) -> None:
        if callback.from_user.id not in settings.staff_and_admins:
            await callback.answer(t("staff-only"), show_alert=True)
            return
        cd = callback_data
        status = cd.status if cd.status in STATUSES else ""
        cluster = cd.cluster if kb.cluster(cd.cluster) else 0
        days = cd.days if cd.days in PERIODS else 0
        if not cd.go:
            text, markup = export_screen(t, kb, ExportCb(status=status, cluster=cluster, days=days))
            if isinstance(callback.message, Message):
                await callback.message.edit_text(text, reply_markup=markup)
            await callback.answer()
            return
        since = None
        if days:
            since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S")
        await callback.answer()
        await send_export(callback.bot, callback.from_user.id, t, kb, app_repo, status, cluster, since, None)

    return router

