"""The join dialogue (FSM): cluster → organization → ИНН → ОГРН → region → products → ОКВЭД →
contact → phone → e-mail → comment → consent → summary → send.

Every step validates its input and says what is wrong before asking again; Back, Cancel and
(for optional steps) Skip are on every prompt; the summary edits any field and comes back.
State lives in the SQLite FSM storage, so a restart mid-dialogue continues where it was.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.callbacks import FormCb, JoinCb, MenuCb
from bot.i18n import Translator
from bot.services.applications import ApplicationService, now_iso
from bot.services.knowledge import KnowledgeBase
from bot.services.limits import RateLimited, wait_text
from bot.services.regions import RegionMatcher, default_matcher
from bot.services.validation import (
    ValidationFailed,
    normalize_contact_phone,
    validate_email,
    validate_free_text,
    validate_inn,
    validate_ogrn,
    validate_okved,
    validate_org_name,
    validate_phone,
)
from bot.views import cut, e, short, status_line
from handlers.applicant import Conversation
from handlers.filters import PrivateChat
from handlers.keyboards import button, main_menu
from storage.applications import Application, DuplicateApplication

log = logging.getLogger(__name__)
PREVIEW_CAMPAIGN = "preview"  # bot/services/broadcast.py: markup_for_draft
DEEP_LINK = re.compile(r"^join_([a-z0-9-]{1,48})(?:__([A-Za-z0-9_-]{1,40}))?$")
REGION_PAGE = 10
REGION_OFFER_SCORE = 0.7  # weaker guesses are not offered: "not found" + the full list


class JoinForm(StatesGroup):
    cluster = State()
    org_name = State()
    inn = State()
    ogrn = State()
    region = State()
    products = State()
    okved = State()
    contact = State()
    phone = State()
    email = State()
    comment = State()
    consent = State()
    summary = State()


STEPS = [
    JoinForm.cluster, JoinForm.org_name, JoinForm.inn, JoinForm.ogrn, JoinForm.region,
    JoinForm.products, JoinForm.okved, JoinForm.contact, JoinForm.phone, JoinForm.email,
    JoinForm.comment, JoinForm.consent, JoinForm.summary,
]
BY_NAME = {s.state.split(":")[1]: s for s in STEPS}
OPTIONAL = {"ogrn", "okved", "comment"}
# fields shown in the summary and editable from it, in order
FIELDS = ["cluster", "org_name", "inn", "ogrn", "region", "products", "okved", "contact", "phone", "email", "comment"]


def step_name(state: str | None) -> str | None:
    if state and state.startswith("JoinForm:"):
        return state.split(":", 1)[1]
    return None


def nav_row(t: Translator, name: str) -> list[InlineKeyboardButton]:
    row = []
    if name in OPTIONAL:
        row.append(button(t("btn-skip"), FormCb(action="skip")))
    if name != "cluster":
        row.append(button(t("btn-back"), FormCb(action="back")))
    row.append(button(t("btn-cancel"), FormCb(action="cancel")))
    return row


def phone_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=t("btn-share-phone"), request_contact=True)],
            [KeyboardButton(text=t("btn-back")), KeyboardButton(text=t("btn-cancel"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=False,
        input_field_placeholder="+7 912 345-67-89",
    )


def prompt(kb: KnowledgeBase, t: Translator, locale: str, name: str, data: dict[str, Any]):  # noqa: ANN201
    """(text, markup) asking for the step's input."""
    number = STEPS.index(BY_NAME[name]) + 1
    head = t("join-step", step=number, total=len(STEPS) - 1) + "\n"
    if name == "cluster":
        rows = [
            [button(short(c.name.get(locale)[0]), FormCb(action="cluster", value=str(id_)))]
            for id_, c in kb.accepting_clusters()
        ]
        rows.append(nav_row(t, name))
        return head + t("join-ask-cluster"), InlineKeyboardMarkup(inline_keyboard=rows)
    if name == "phone":
        return head + t("join-ask-phone"), phone_keyboard(t)
    if name == "consent":
        rows = [[button(t("btn-consent"), FormCb(action="consent"))], nav_row(t, name)]
        return t("consent-text", version=t("consent-version")), InlineKeyboardMarkup(inline_keyboard=rows)
    if name == "summary":
        return summary(kb, t, locale, data)
    rows = []
    if name == "region":
        rows.append([button(t("btn-region-list"), FormCb(action="region_list", value="0"))])
    rows.append(nav_row(t, name))
    return head + t("join-ask-" + name.replace("_", "-")), InlineKeyboardMarkup(inline_keyboard=rows)


def summary(kb: KnowledgeBase, t: Translator, locale: str, data: dict[str, Any]):  # noqa: ANN201
    cluster = kb.cluster(int(data.get("cluster_id", 0)))
    values = {
        "cluster": cluster.name.get(locale)[0] if cluster else "—",
        "org_name": cut(data.get("org_name", ""), 300),
        "inn": data.get("inn", ""),
        "ogrn": data.get("ogrn") or "—",
        "region": region_label(default_matcher(), data.get("region", ""), locale),
        "products": cut(data.get("products", "")),
        "okved": ", ".join(data.get("okved") or []) or "—",
        "contact": cut(data.get("contact_name", ""), 200),
        "phone": data.get("phone", ""),
        "email": data.get("email", ""),
        "comment": cut(data.get("comment") or "—"),
    }
    lines = [t("join-summary-title"), ""]
    lines += [t("field-" + f.replace("_", "-") + "-label") + ": " + e(values[f]) for f in FIELDS]
    lines += ["", t("join-summary-hint")]
    rows = [[button(t("btn-send"), FormCb(action="send"))]]
    edits = [button("✏️ " + t("field-" + f.replace("_", "-") + "-label"), FormCb(action="edit", value=f)) for f in FIELDS]
    rows += [edits[i : i + 2] for i in range(0, len(edits), 2)]
    rows.append([button(t("btn-cancel"), FormCb(action="cancel"))])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def region_label(matcher: RegionMatcher, name: str, locale: str) -> str:
    """A region as the user reads it (stored and shown to staff by its Russian name)."""
    region = matcher.get(name) if locale == "en" else None
    return region.en if region is not None else name


def region_list(t: Translator, matcher: RegionMatcher, page: int):  # noqa: ANN201
    names = matcher.names()
    pages = -(-len(names) // REGION_PAGE)
    page = min(max(page, 0), pages - 1)
    rows = [
        [button(region_label(matcher, name, t.locale), FormCb(action="region", value=str(page * REGION_PAGE + i)))]
        for i, name in enumerate(names[page * REGION_PAGE : (page + 1) * REGION_PAGE])
    ]
    nav = []
    if page > 0:
        nav.append(button(t("btn-prev"), FormCb(action="region_list", value=str(page - 1))))
    if page < pages - 1:
        nav.append(button(t("btn-next"), FormCb(action="region_list", value=str(page + 1))))
    if nav:
        rows.append(nav)
    rows.append(nav_row(t, "region"))
    return t("join-region-list", page=page + 1, pages=pages), InlineKeyboardMarkup(inline_keyboard=rows)


ECHO_LIMIT = 100  # characters of the user's input an error message may repeat back


def error_text(t: Translator, exc: ValidationFailed) -> str:
    # a parameter may be the user's input ("«…» is not an ОКВЭД code"): bounded, then escaped
    params = {k: (e(short(v, ECHO_LIMIT)) if isinstance(v, str) else v)
              for k, v in exc.params.items() if isinstance(v, int | str)}
    return "⚠️ " + t("err-" + exc.code, **params)


async def ask(message_target: Message, state: FSMContext, kb: KnowledgeBase, t: Translator, locale: str,
              name: str, *, prefix: str = "") -> None:
    """Move to step `name` and send its prompt (with `prefix`, e.g. an error, above it)."""
    await state.set_state(BY_NAME[name])
    data = await state.get_data()
    text, markup = prompt(kb, t, locale, name, data)
    await message_target.answer((prefix + "\n\n" if prefix else "") + text, reply_markup=markup)


async def taken(message_target: Message, state: FSMContext, kb: KnowledgeBase, t: Translator, locale: str,
                name: str, existing: Application, user_id: int) -> None:
    """The ИНН already has an open application to this cluster. Never show another person's
    application (its number or status): only that it exists and how to reach the association.
    The form stays at step `name` with everything typed; "Ask a staff member" keeps it too."""
    if existing.user_id == user_id:
        prefix = t("join-inn-taken-own", number=e(existing.number), status=status_line(t, existing.status, None))
    else:
        prefix = t("join-inn-taken")
    await state.set_state(BY_NAME[name])
    text, markup = prompt(kb, t, locale, name, await state.get_data())
    rows = [[button(t("btn-ask-person"), FormCb(action="ask_person"))], *markup.inline_keyboard]
    await message_target.answer("⚠️ " + prefix + "\n\n" + text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


async def begin(target: Message, state: FSMContext, kb: KnowledgeBase, t: Translator, locale: str,
                cluster_id: int = 0, campaign: str | None = None) -> None:
    if not kb.accepting_clusters():
        await state.clear()
        await target.answer(t("join-none-accepting"), reply_markup=main_menu(t))
        return
    await state.set_data({"campaign": campaign} if campaign else {})
    accepting = {id_ for id_, _ in kb.accepting_clusters()}
    if cluster_id in accepting:
        await state.update_data(cluster_id=cluster_id)
        await ask(target, state, kb, t, locale, "org_name", prefix=t("join-intro"))
    else:
        await ask(target, state, kb, t, locale, "cluster", prefix=t("join-intro"))


def next_step(name: str, data: dict[str, Any]) -> str:
    if data.get("editing"):
        return "summary"
    return step_name(STEPS[STEPS.index(BY_NAME[name]) + 1].state) or "summary"


def previous_step(name: str, data: dict[str, Any]) -> str:
    if data.get("editing") or name == "summary":
        return "summary" if name != "summary" else "consent"
    index = STEPS.index(BY_NAME[name])
    return step_name(STEPS[max(0, index - 1)].state) or "cluster"


def create_entry_router() -> Router:
    """Ways into the dialogue: /join, the menu, a cluster card's button, a deep link."""
    router = Router(name="join-entry")

    @router.message(CommandStart(deep_link=True, magic=None), PrivateChat())
    async def deep_link(message: Message, command: CommandObject, state: FSMContext, kb: KnowledgeBase,
                        t: Translator, locale: str) -> None:
        match = DEEP_LINK.match(command.args or "")
        found = kb.by_slug("cluster", match.group(1)) if match else None
        if match is None or found is None or not found[1].accepts_applications:
            await message.answer(t("join-link-unknown"), reply_markup=main_menu(t))
            return
        # "preview": the link of a campaign still being composed, pressed by an admin trying it
        campaign = match.group(2) if match.group(2) != PREVIEW_CAMPAIGN else None
        await begin(message, state, kb, t, locale, cluster_id=found[0], campaign=campaign)

    @router.message(Command("join"), PrivateChat())
    async def join_cmd(message: Message, state: FSMContext, kb: KnowledgeBase, t: Translator, locale: str) -> None:
        await begin(message, state, kb, t, locale)

    @router.callback_query(MenuCb.filter(F.action == "join"))
    async def join_menu(callback: CallbackQuery, state: FSMContext, kb: KnowledgeBase, t: Translator,
                        locale: str) -> None:
        # the press is answered after the work (bot.middlewares.PressAnswers), or told it failed
        if isinstance(callback.message, Message):
            await begin(callback.message, state, kb, t, locale)

    @router.callback_query(JoinCb.filter())
    async def join_cb(callback: CallbackQuery, callback_data: JoinCb, state: FSMContext, kb: KnowledgeBase,
                      t: Translator, locale: str) -> None:
        if isinstance(callback.message, Message):
            await begin(callback.message, state, kb, t, locale, cluster_id=callback_data.cluster)

    return router


def create_form_router() -> Router:
    """The dialogue itself: only for users in one of its states."""
    router = Router(name="join-form")
    router.message.filter(PrivateChat(), StateFilter(JoinForm))

    async def current(state: FSMContext) -> str:
        return step_name(await state.get_state()) or "cluster"

    # ---- commands inside the dialogue ------------------------------------------------------
    @router.message(Command("cancel"))
    async def cancel_cmd(message: Message, state: FSMContext, t: Translator) -> None:
        await state.clear()
        await message.answer(t("join-cancelled"), reply_markup=ReplyKeyboardRemove())
        await message.answer(t("menu-title"), reply_markup=main_menu(t))

    @router.message(CommandStart())
    async def start_inside(message: Message, t: Translator) -> None:
        rows = [[button(t("btn-continue"), FormCb(action="continue"))],
                [button(t("btn-restart"), FormCb(action="restart"))]]
        await message.answer(t("join-unfinished"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))

    @router.message(Command("help"))
    async def help_inside(message: Message, state: FSMContext, kb: KnowledgeBase, t: Translator, locale: str) -> None:
        await ask(message, state, kb, t, locale, await current(state), prefix=t("join-help"))

    @router.message(lambda m: bool(m.text) and m.text.startswith("/"))
    async def other_command(message: Message, state: FSMContext, kb: KnowledgeBase, t: Translator, locale: str) -> None:
        await ask(message, state, kb, t, locale, await current(state), prefix=t("join-finish-first"))

    # ---- the phone step: a shared contact or typed text; its keyboard is a reply keyboard ---
    @router.message(StateFilter(JoinForm.phone))
    async def phone(message: Message, state: FSMContext, kb: KnowledgeBase, t: Translator, locale: str) -> None:
        text = (message.text or "").strip()
        if text == t("btn-cancel"):
            await cancel_cmd(message, state, t)
            return
        if text == t("btn-back"):
            await message.answer("↩️", reply_markup=ReplyKeyboardRemove())
            data = await state.get_data()
            await ask(message, state, kb, t, locale, previous_step("phone", data))
            return
        try:
            if message.contact is not None:
                if message.contact.user_id not in (None, message.from_user.id if message.from_user else None):
                    raise ValidationFailed("phone-not-own")
                value = normalize_contact_phone(message.contact.phone_number)
            elif message.text:
                value = validate_phone(message.text)
            else:
                raise ValidationFailed("need-text-or-contact")
        except ValidationFailed as exc:
            await ask(message, state, kb, t, locale, "phone", prefix=error_text(t, exc))
            return
        await state.update_data(phone=value)
        await message.answer(t("join-phone-saved", phone=e(value)), reply_markup=ReplyKeyboardRemove())
        await ask(message, state, kb, t, locale, next_step("phone", await state.get_data()))

    # ---- every other step takes text ----------------------------------------------------------
    @router.message()
    async def text_step(message: Message, state: FSMContext, kb: KnowledgeBase, t: Translator, locale: str,
                        applications: ApplicationService) -> None:
        name = await current(state)
        if message.text is None:
            await ask(message, state, kb, t, locale, name, prefix="⚠️ " + t("err-need-text"))
            return
        text = message.text
        data = await state.get_data()
        try:
            if name in ("cluster", "consent", "summary"):
                raise ValidationFailed("use-buttons")
            if name == "org_name":
                update = {"org_name": validate_org_name(text)}
            elif name == "inn":
                inn = validate_inn(text)
                existing = await applications.find_open(inn, int(data.get("cluster_id", 0)))
                if existing is not None:
                    await taken(message, state, kb, t, locale, name, existing,
                                message.from_user.id if message.from_user else 0)
                    return
                update = {"inn": inn}
            elif name == "ogrn":
                update = {"ogrn": validate_ogrn(text)}
            elif name == "region":
                await region_text(message, state, kb, t, locale, text)
                return
            elif name == "products":
                update = {"products": validate_free_text(text, min_len=3, max_len=2000, field="products")}
            elif name == "okved":
                update = {"okved": validate_okved(text)}
            elif name == "contact":
                update = {"contact_name": validate_free_text(text, min_len=2, max_len=200, field="contact")}
            elif name == "email":
                update = {"email": validate_email(text)}
            elif name == "comment":
                update = {"comment": validate_free_text(text, min_len=0, max_len=2000, field="comment")}
            else:
                raise ValidationFailed("use-buttons")
        except ValidationFailed as exc:
            await ask(message, state, kb, t, locale, name, prefix=error_text(t, exc))
            return
        await state.update_data(**update)
        await ask(message, state, kb, t, locale, next_step(name, await state.get_data()))

    async def region_text(message: Message, state: FSMContext, kb: KnowledgeBase, t: Translator,
                          locale: str, text: str) -> None:
        matcher = default_matcher()
        if len(text) > 200:
            await ask(message, state, kb, t, locale, "region", prefix="⚠️ " + t("err-region-unknown"))
            return
        names = matcher.names()
        found = matcher.match(text, limit=5)
        exact = matcher.exact_of(found)
        matches = [m for m in found if m.score >= REGION_OFFER_SCORE]
        if not matches:
            await ask(message, state, kb, t, locale, "region", prefix="⚠️ " + t("err-region-unknown"))
            return
        rows = [[button(("✅ " if m.name == exact else "") + region_label(matcher, m.name, locale),
                        FormCb(action="region", value=str(names.index(m.name))))]
                for m in matches]
        rows.append([button(t("btn-region-list"), FormCb(action="region_list", value="0"))])
        rows.append(nav_row(t, "region"))
        key = "join-region-confirm" if exact else "join-region-choose"
        await message.answer(t(key, region=e(region_label(matcher, exact, locale) if exact else "")),
                             reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))

    return router


def create_buttons_router() -> Router:
    """The dialogue's buttons; a button from a finished or foreign dialogue is refused."""
    router = Router(name="join-buttons")

    @router.callback_query(FormCb.filter())
    async def pressed(callback: CallbackQuery, callback_data: FormCb, state: FSMContext, kb: KnowledgeBase,
                      t: Translator, locale: str, applications: ApplicationService) -> None:
        message = callback.message if isinstance(callback.message, Message) else None
        raw = await state.get_state()
        name = step_name(raw)
        action, value = callback_data.action, callback_data.value
        if action == "resume" and message is not None and raw == Conversation.handoff_text.state:
            # back from "Ask a staff member" to the form, everything typed kept
            data = await state.get_data()
            if step_name(data.get("resume")) in BY_NAME:
                await callback.answer()
                await state.set_state(data["resume"])
                await state.update_data(resume=None)
                await ask(message, state, kb, t, locale, step_name(data["resume"]))  # type: ignore[arg-type]
                return
        if name is None or message is None:
            await callback.answer(t("error-outdated"), show_alert=True)
            return
        # no answer before the work: PressAnswers answers after it, the error handler if it fails
        data = await state.get_data()
        if action == "cancel":
            await state.clear()
            await message.answer(t("join-cancelled"), reply_markup=ReplyKeyboardRemove())
            await message.answer(t("menu-title"), reply_markup=main_menu(t))
        elif action == "continue":
            await ask(message, state, kb, t, locale, name)
        elif action == "ask_person":
            # a question to the association without losing the form: it comes back afterwards
            await state.update_data(resume=await state.get_state())
            await state.set_state(Conversation.handoff_text)
            rows = [[button(t("btn-back-to-form"), FormCb(action="resume"))]]
            await message.answer(t("handoff-ask-text"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))
        elif action == "restart":
            await state.clear()
            await message.answer(t("menu-title"), reply_markup=main_menu(t))
        elif action == "back":
            await ask(message, state, kb, t, locale, previous_step(name, data))
        elif action == "skip" and name in OPTIONAL:
            await state.update_data(**{name: None})
            await ask(message, state, kb, t, locale, next_step(name, data))
        elif action == "cluster" and name == "cluster":
            accepting = {id_ for id_, _ in kb.accepting_clusters()}
            if not value.isdigit() or int(value) not in accepting:
                await ask(message, state, kb, t, locale, "cluster", prefix="⚠️ " + t("error-outdated"))
                return
            await state.update_data(cluster_id=int(value))
            await ask(message, state, kb, t, locale, next_step(name, data))
        elif action == "region_list" and name == "region":
            text, markup = region_list(t, default_matcher(), int(value) if value.isdigit() else 0)
            await message.answer(text, reply_markup=markup)
        elif action == "region" and name == "region":
            names = default_matcher().names()
            if not value.isdigit() or not 0 <= int(value) < len(names):
                await ask(message, state, kb, t, locale, "region", prefix="⚠️ " + t("error-outdated"))
                return
            await state.update_data(region=names[int(value)])
            await ask(message, state, kb, t, locale, next_step(name, data))
        elif action == "consent" and name == "consent":
            await state.update_data(consent_at=now_iso(), consent_version=t("consent-version"))
            await ask(message, state, kb, t, locale, "summary")
        elif action == "edit" and name == "summary" and value in FIELDS:
            await state.update_data(editing=True)
            await ask(message, state, kb, t, locale, value)
        elif action == "send" and name == "summary":
            await send(callback, message, state, kb, t, locale, applications, data)
        else:
            await ask(message, state, kb, t, locale, name, prefix="⚠️ " + t("error-outdated"))

    return router


REQUIRED = ("cluster_id", "org_name", "inn", "region", "products", "contact_name", "phone", "email", "consent_at")


async def send(callback: CallbackQuery, message: Message, state: FSMContext, kb: KnowledgeBase, t: Translator,
               locale: str, applications: ApplicationService, data: dict[str, Any]) -> None:
    missing = [k for k in REQUIRED if not data.get(k)]
    if missing:
        first = "consent" if missing[0] == "consent_at" else {"cluster_id": "cluster", "contact_name": "contact"}.get(missing[0], missing[0])
        await ask(message, state, kb, t, locale, first, prefix="⚠️ " + t("err-missing"))
        return
    if int(data["cluster_id"]) not in {id_ for id_, _ in kb.accepting_clusters()}:
        # the knowledge base changed during the dialogue: the cluster no longer takes applications
        if not kb.accepting_clusters():
            await state.clear()
            await message.answer(t("join-none-accepting"), reply_markup=main_menu(t))
            return
        await state.update_data(editing=True)  # back to the summary once a cluster is chosen
        await ask(message, state, kb, t, locale, "cluster", prefix="⚠️ " + t("join-cluster-closed"))
        return
    try:
        app = await applications.submit(callback.from_user, data, locale, data.get("consent_version") or t("consent-version"))
    except DuplicateApplication as exc:  # the same rule as at the ИНН step; the summary stays
        await taken(message, state, kb, t, locale, "summary", exc.existing, callback.from_user.id)
        return
    except RateLimited as exc:  # the summary stays: it can be sent later
        await ask(message, state, kb, t, locale, "summary",
                  prefix="⏳ " + t("limit-applications", wait=wait_text(t, exc.retry_after)))
        return
    await state.clear()
    # saved: the press says so at once; once it did, a confirmation that can't be sent is no
    # reason to tell the user to try again (the error handler would)
    try:
        await callback.answer(t("join-sent-toast", number=app.number))
    except TelegramAPIError:
        try:  # the confirmation must get through: the press has no answer
            await message.answer(t("join-sent", number=e(app.number)), reply_markup=main_menu(t))
        except TelegramAPIError as exc:
            # saved; telling the user to "try again" would be wrong: "My applications" shows it
            log.warning("application %d saved; neither its press answer nor the confirmation got through: %s",
                        app.id, exc)
        return
    try:
        await message.answer(t("join-sent", number=e(app.number)), reply_markup=main_menu(t))
    except TelegramAPIError as exc:
        log.warning("application %d saved and its press answered; the confirmation failed: %s", app.id, exc)
