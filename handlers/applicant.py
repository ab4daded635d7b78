"""The applicant's side after sending: "My applications", answering the staff, and questions
handed to a person (asking, and following up on an answer)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.callbacks import AppReplyCb, FormCb, HandoffCb, JoinCb, MenuCb, MyAppCb
from bot.i18n import Translator
from bot.services.applications import ApplicationService
from bot.services.handoffs import HandoffService
from bot.services.knowledge import KnowledgeBase
from bot.services.limits import RateLimited, wait_text
from bot.services.questions import QuestionService
from bot.views import e, erased, fit_lines, fmt_ts, short, status_line, utf16_len
from handlers.common import show
from handlers.keyboards import button, main_menu
from storage.applications import OPEN_STATUSES, ApplicationRepository, ThreadRepository

MAX_ANSWER = 3000


class Conversation(StatesGroup):
    answer = State()  # data: app_id — an answer to the staff about an application
    handoff_text = State()  # the question to hand to a person
    followup = State()  # data: handoff_id


class ReplyToThread(Filter):
    """A reply (Telegram's "Reply") to a bot message that belongs to an application or hand-off."""

    async def __call__(self, message: Message, threads: ThreadRepository) -> bool | dict:
        reply = message.reply_to_message
        if reply is None or message.text is None:
            return False
        found = await threads.user(message.chat.id, reply.message_id)
        return {"thread": found} if found else False


def cancel_markup(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[button(t("btn-cancel"), MenuCb(action="main"))]])


async def back_to_form(state: FSMContext) -> bool:
    """After a hand-off asked from inside the join form ("Ask a staff member" there): return to
    the form's step, everything typed kept. False: the user was not in the form."""
    data = await state.get_data()
    resume = data.get("resume")
    if not (isinstance(resume, str) and resume.startswith("JoinForm:")):
        await state.clear()
        return False
    await state.set_state(resume)
    await state.update_data(resume=None)
    return True


def continue_form_markup(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[button(t("btn-continue"), FormCb(action="continue"))]])


class ForThisRouter(Filter):
    """Lets ordinary questions skip this router with one check: only commands, replies, and
    messages of users in one of its states come in."""

    async def __call__(self, message: Message, raw_state: str | None = None) -> bool:
        if message.chat.type != "private":
            return False
        if message.reply_to_message is not None or (message.text and message.text[0] == "/"):
            return True
        return bool(raw_state and raw_state.startswith("Conversation:"))


async def end(state: FSMContext | None) -> None:
    if state is not None:
        await state.clear()


async def applications_screen(user_id: int, applications: ApplicationService, kb: KnowledgeBase, t: Translator,
                              locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """"My applications": the user's own applications (never anyone else's), or "none yet" with
    the way to apply. Also the answer to a question asking for them."""
    apps = await applications.of_user(user_id)
    privacy_row = [button(t("menu-privacy"), MenuCb(action="privacy"))]
    if not apps:
        return t("myapps-empty"), InlineKeyboardMarkup(inline_keyboard=[
            [button(t("btn-join"), JoinCb())], privacy_row, [button(t("btn-menu"), MenuCb(action="main"))]])
    lines = [t("myapps-title"), ""]
    rows = []
    for app in apps:
        cluster = kb.cluster(app.cluster_id)
        name = cluster.name.get(locale)[0] if cluster else "—"
        lines.append(f"<b>№ {e(app.number)}</b> · {e(short(name, 40))}\n   {status_line(t, app.status, None)} · {fmt_ts(app.created_at, locale)}")
        rows.append([button(f"№ {app.number}", MyAppCb(app=app.id))])
    rows.append(privacy_row)
    rows.append([button(t("btn-menu"), MenuCb(action="main"))])
    return fit_lines(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def create_router() -> Router:
    router = Router(name="applicant")
    router.message.filter(ForThisRouter())

    # ---- My applications ----------------------------------------------------------------------
    @router.message(Command("applications"))
    async def my_apps(message: Message, applications: ApplicationService, kb: KnowledgeBase, t: Translator,
                      locale: str) -> None:
        text, markup = await applications_screen(message.chat.id, applications, kb, t, locale)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(MenuCb.filter(F.action == "myapps"))
    async def my_apps_cb(callback: CallbackQuery, applications: ApplicationService, kb: KnowledgeBase,
                         t: Translator, locale: str) -> None:
        text, markup = await applications_screen(callback.from_user.id, applications, kb, t, locale)
        await show(callback, text, markup)
        await callback.answer()

    @router.callback_query(MyAppCb.filter())
    async def my_app(callback: CallbackQuery, callback_data: MyAppCb, app_repo: ApplicationRepository,
                     kb: KnowledgeBase, t: Translator, locale: str) -> None:
        app = await app_repo.get(callback_data.app)
        if app is None or app.user_id != callback.from_user.id:  # never trust the button
            await callback.answer(t("error-outdated"), show_alert=True)
            return
        cluster = kb.cluster(app.cluster_id)
        lines = [
            t("myapp-title", number=e(app.number)),
            e(cluster.name.get(locale)[0]) if cluster else "",
            t("card-status", status=status_line(t, app.status, None)),
            t("myapp-org", value=e(app.org_name)),
            t("card-created", value=fmt_ts(app.created_at, locale)),
        ]
        if app.erased_at:
            lines.append(t("myapp-erased", date=fmt_ts(app.erased_at, locale)))
        messages = await app_repo.messages(app.id)
        if messages:
            lines += ["", t("myapp-messages")]
            for m in messages[-10:]:
                who = t("myapp-from-staff") if m.direction == "to_applicant" else t("myapp-from-you")
                said = e(short(m.text, 500)) if m.text else erased(t)
                lines.append(f"<i>{who}, {fmt_ts(m.created_at, locale)}:</i> {said}")
        rows = []
        if app.status in OPEN_STATUSES:
            rows.append([button(t("btn-answer") if app.status == "info_requested" else t("btn-write-staff"),
                                AppReplyCb(app=app.id))])
        rows.append([button(t("btn-back"), MenuCb(action="myapps"))])
        await show(callback, fit_lines(lines), InlineKeyboardMarkup(inline_keyboard=rows))
        await callback.answer()

    # ---- answering the staff about an application ---------------------------------------------
    @router.callback_query(AppReplyCb.filter())
    async def answer_pressed(callback: CallbackQuery, callback_data: AppReplyCb, state: FSMContext,
                             app_repo: ApplicationRepository, t: Translator) -> None:
        app = await app_repo.get(callback_data.app)
        if app is None or app.user_id != callback.from_user.id or app.status not in OPEN_STATUSES:
            await callback.answer(t("error-outdated"), show_alert=True)
            return
        await state.set_state(Conversation.answer)
        await state.set_data({"app_id": app.id})
        await callback.answer()
        if isinstance(callback.message, Message):
            await callback.message.answer(t("applicant-answer-prompt", number=e(app.number)), reply_markup=cancel_markup(t))

    async def relay_answer(message: Message, app_id: int, app_repo: ApplicationRepository,
                           applications: ApplicationService, t: Translator,
                           state: FSMContext | None = None) -> None:
        """Relay the applicant's answer to the staff. The prompt's `state` ends once the answer
        is stored (or can't be relayed at all); a failure (full disk) or a text to type again
        (too long) keeps it."""
        app = await app_repo.get(app_id)
        if app is None or message.from_user is None or app.user_id != message.from_user.id:
            await message.answer(t("error-outdated"), reply_markup=main_menu(t))
            await end(state)
            return
        if app.status not in OPEN_STATUSES:
            key = "applicant-withdrawn" if app.status == "withdrawn" else "applicant-closed"
            await message.answer(t(key, number=e(app.number)), reply_markup=main_menu(t))
            await end(state)
            return
        if not message.text or utf16_len(message.text) > MAX_ANSWER:
            await message.answer(t("err-text-too-long", limit=MAX_ANSWER) if message.text else t("err-need-text"))
            return
        try:
            await applications.applicant_message(app, message.from_user, message.text)
            await end(state)  # stored: the prompt is done before it is confirmed
        except RateLimited as exc:
            # not sent: the prompt stays, so the same text sent later still goes to the staff
            await message.answer("⏳ " + t("limit-messages", wait=wait_text(t, exc.retry_after)), reply_markup=cancel_markup(t))
            return
        await message.answer(t("applicant-answer-sent", number=e(app.number)), reply_markup=main_menu(t))

    @router.message(StateFilter(Conversation.answer), Command("cancel"))
    @router.message(StateFilter(Conversation.handoff_text), Command("cancel"))
    @router.message(StateFilter(Conversation.followup), Command("cancel"))
    async def cancel(message: Message, state: FSMContext, t: Translator) -> None:
        if await back_to_form(state):  # the question asked from inside the join form: back to it
            await message.answer(t("join-back-to-form"), reply_markup=continue_form_markup(t))
            return
        await message.answer(t("menu-title"), reply_markup=main_menu(t))

    @router.callback_query(MenuCb.filter(F.action == "main"), StateFilter(Conversation))
    async def cancel_press(callback: CallbackQuery, state: FSMContext, t: Translator) -> None:
        """The Cancel button under a prompt of this router ends the prompt (as /cancel does),
        so the next text is not taken as an answer to staff or a hand-off."""
        if await back_to_form(state):
            await show(callback, t("join-back-to-form"), continue_form_markup(t))
            return
        await show(callback, t("menu-title"), main_menu(t))

    @router.message(StateFilter(Conversation.answer))
    async def answer_text(message: Message, state: FSMContext, app_repo: ApplicationRepository,
                          applications: ApplicationService, t: Translator) -> None:
        if not message.text or message.text.startswith("/"):
            await message.answer("⚠️ " + t("err-need-text"), reply_markup=cancel_markup(t))
            return
        data = await state.get_data()
        await relay_answer(message, int(data.get("app_id", 0)), app_repo, applications, t, state)

    # ---- questions handed to a person -------------------------------------------------------------
    @router.callback_query(HandoffCb.filter(F.action == "ask"))
    async def handoff_ask(callback: CallbackQuery, state: FSMContext, questions: QuestionService,
                          handoffs: HandoffService, t: Translator, locale: str) -> None:
        # the press is answered after this work (by the press middleware), so a failure is told
        target = callback.message if isinstance(callback.message, Message) else None
        if target is None:
            return
        last = questions.last.get(callback.from_user.id)
        if last is None:
            current = await state.get_state()
            if current and current.startswith("JoinForm:"):  # pressed while filling the form: keep it
                await state.update_data(resume=current)
            await state.set_state(Conversation.handoff_text)
            await target.answer(t("handoff-ask-text"), reply_markup=cancel_markup(t))
            return
        try:
            await handoffs.create(callback.from_user, last[0], last[1], locale)
        except RateLimited as exc:
            await target.answer("⏳ " + t("limit-handoffs", wait=wait_text(t, exc.retry_after)), reply_markup=main_menu(t))
            return
        questions.last.pop(callback.from_user.id, None)  # one hand-off per question
        await target.answer(t("handoff-sent", text=e(short(last[0], 300))), reply_markup=main_menu(t))

    @router.message(StateFilter(Conversation.handoff_text))
    async def handoff_text(message: Message, state: FSMContext, handoffs: HandoffService, t: Translator,
                           locale: str) -> None:
        if not message.text or message.text.startswith("/") or message.from_user is None:
            await message.answer("⚠️ " + t("err-need-text"), reply_markup=cancel_markup(t))
            return
        if utf16_len(message.text) > MAX_ANSWER:
            await message.answer("⚠️ " + t("err-text-too-long", limit=MAX_ANSWER), reply_markup=cancel_markup(t))
            return
        try:
            await handoffs.create(message.from_user, message.text, "", locale)
        except RateLimited as exc:
            reply = "⏳ " + t("limit-handoffs", wait=wait_text(t, exc.retry_after))
        else:
            reply = t("handoff-sent", text=e(short(message.text, 300)))
        if await back_to_form(state):  # asked from inside the join form: back to it
            await message.answer(reply + "\n\n" + t("join-back-to-form"), reply_markup=continue_form_markup(t))
            return
        await message.answer(reply, reply_markup=main_menu(t))

    @router.callback_query(HandoffCb.filter(F.action == "reply"))
    async def handoff_reply_pressed(callback: CallbackQuery, callback_data: HandoffCb, state: FSMContext,
                                    handoffs: HandoffService, t: Translator) -> None:
        handoff = await handoffs.get(callback_data.id)
        if handoff is None or handoff.user_id != callback.from_user.id:
            await callback.answer(t("error-outdated"), show_alert=True)
            return
        await state.set_state(Conversation.followup)
        await state.set_data({"handoff_id": handoff.id})
        await callback.answer()
        if isinstance(callback.message, Message):
            await callback.message.answer(t("handoff-followup-prompt"), reply_markup=cancel_markup(t))

    async def relay_followup(message: Message, handoff_id: int, handoffs: HandoffService, t: Translator,
                             state: FSMContext | None = None) -> None:
        """As `relay_answer`, for a follow-up to a question handed to staff."""
        handoff = await handoffs.get(handoff_id)
        if handoff is None or message.from_user is None or handoff.user_id != message.from_user.id:
            await message.answer(t("error-outdated"), reply_markup=main_menu(t))
            await end(state)
            return
        if not message.text or utf16_len(message.text) > MAX_ANSWER:
            await message.answer("⚠️ " + (t("err-text-too-long", limit=MAX_ANSWER) if message.text else t("err-need-text")))
            return
        try:
            await handoffs.user_followup(handoff, message.from_user, message.text)
            await end(state)
        except RateLimited as exc:
            # not sent: the prompt stays, so the same text sent later still goes to the staff
            await message.answer("⏳ " + t("limit-messages", wait=wait_text(t, exc.retry_after)), reply_markup=cancel_markup(t))
            return
        await message.answer(t("handoff-followup-sent"), reply_markup=main_menu(t))

    @router.message(StateFilter(Conversation.followup))
    async def followup_text(message: Message, state: FSMContext, handoffs: HandoffService, t: Translator) -> None:
        if not message.text or message.text.startswith("/"):
            await message.answer("⚠️ " + t("err-need-text"), reply_markup=cancel_markup(t))
            return
        data = await state.get_data()
        await relay_followup(message, int(data.get("handoff_id", 0)), handoffs, t, state)

    # ---- Telegram "Reply" to one of those messages, without pressing a button ------------------
    @router.message(StateFilter(None), ReplyToThread())
    async def reply_to_thread(message: Message, thread: tuple[str, int], app_repo: ApplicationRepository,
                              applications: ApplicationService, handoffs: HandoffService, t: Translator) -> None:
        kind, ref = thread
        if kind == "application":
            await relay_answer(message, ref, app_repo, applications, t)
        else:
            await relay_followup(message, ref, handoffs, t)

    return router
