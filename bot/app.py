"""The one app factory: Bot + Dispatcher + services, for polling, console and tests."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats

from bot.errors import create_error_handler
from bot.i18n import I18n
from bot.middlewares import (
    InFlightMiddleware,
    PressAnswers,
    TextLimits,
    TransientRetry,
    UserContextMiddleware,
)
from bot.services.applications import ApplicationService, StaffPromptService
from bot.services.broadcast import Broadcaster
from bot.services.delivery import Delivery, StaffSendCounter
from bot.services.handoffs import HandoffService
from bot.services.knowledge import KnowledgeBase
from bot.services.limits import PersonLimits
from bot.services.privacy import PrivacyService
from bot.services.questions import QuestionService
from bot.services.search import SearchService
from bot.services.tasks import cancel_task
from bot.services.users import UserService
from bot.settings import Settings
from handlers import get_routers
from storage.applications import (
    ApplicationRepository,
    HandoffRepository,
    StaffPromptRepository,
    ThreadRepository,
)
from storage.campaigns import CampaignRepository
from storage.content_loader import DEFAULT_CONTENT_DIR
from storage.db import Database
from storage.fsm import SQLiteStorage, UserLocks
from storage.neighbours import NeighbourRepository
from storage.outbox import OutboxRepository
from storage.privacy import PrivacyRepository
from storage.repositories import ContentRepository, QuestionRepository, UserRepository
from storage.search_index import SearchIndex

log = logging.getLogger(__name__)

# A syntactically valid placeholder for runs without Telegram (console, tests, `ask`).
OFFLINE_TOKEN = "1:offline"

COMMANDS = (
    "start", "menu", "clusters", "support", "join", "applications", "language", "help", "cancel",
    "unsubscribe", "subscribe", "privacy",
)


@dataclass
class App:
    settings: Settings
    bot: Bot
    dp: Dispatcher
    db: Database
    i18n: I18n
    kb: KnowledgeBase
    search: SearchService
    users: UserService
    questions: QuestionService
    inflight: InFlightMiddleware
    applications: ApplicationService
    handoffs: HandoffService
    privacy: PrivacyService
    delivery: Delivery
    broadcaster: Broadcaster
    content_dir: Path = field(default=DEFAULT_CONTENT_DIR)
    retry: TransientRetry = field(default_factory=TransientRetry)  # its delays: tests shorten them
    _neighbours_task: asyncio.Task | None = field(default=None, repr=False)

    async def startup(self) -> None:
        """Open the database (migrating it forward), load content on first start, build the index."""
        await self.db.open()
        await self.users.load()
        loaded = await self.kb.ensure_loaded(self.content_dir)
        log.info(
            "knowledge base %s: %d clusters, %d measures, %d FAQ entries",
            "loaded from content files" if loaded else "ready",
            len(self.kb.clusters),
            len(self.kb.measures),
            len(self.kb.faq),
        )

    def start_background(self) -> None:
        """Background work of a running bot: batched writes of the question log and seen users,
        the outbox, campaigns, and the check for content imported meanwhile."""
        self.questions.start()
        self.users.start()
        self.delivery.start()
        self.broadcaster.start()
        self.kb.watch()
        if self.search.neighbours is not None and self._neighbours_task is None:
            self._neighbours_task = asyncio.create_task(self.search.keep_neighbours(), name="near-synonyms")

    async def shutdown(self) -> None:
        await self.inflight.wait()
        await cancel_task(self._neighbours_task)
        self._neighbours_task = None
        await self.kb.stop_watching()
        await self.delivery.stop()
        await self.broadcaster.stop()
        await self.questions.stop()
        await self.users.stop()
        await self.db.close()

    async def set_commands(self) -> None:
        for locale in self.i18n.translators:
            t = self.i18n.get(locale)
            commands = [BotCommand(command=c, description=t(f"cmd-{c}")) for c in COMMANDS]
            await self.bot.set_my_commands(
                commands,
                scope=BotCommandScopeAllPrivateChats(),
                language_code=None if locale == self.settings.default_locale else locale,
            )
            if locale == self.settings.default_locale:
                await self.bot.set_my_commands(
                    commands, scope=BotCommandScopeAllPrivateChats(), language_code=locale
                )


def create_app(
    settings: Settings,
    *,
    session: BaseSession | None = None,
    storage: BaseStorage | None = None,
    content_dir: Path = DEFAULT_CONTENT_DIR,
) -> App:
    token = settings.bot_token.get_secret_value() if settings.bot_token else OFFLINE_TOKEN
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    bot = Bot(token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))

    db = Database(settings.database_path)
    i18n = I18n(settings.default_locale)
    index = SearchIndex(db)
    kb = KnowledgeBase(ContentRepository(db), index)
    search = SearchService(kb, index, NeighbourRepository(db) if settings.semantic_search else None)
    users = UserService(UserRepository(db))
    questions = QuestionService(search, QuestionRepository(db))
    inflight = InFlightMiddleware()
    app_repo = ApplicationRepository(db)
    handoff_repo = HandoffRepository(db)
    threads = ThreadRepository(db)
    delivery = Delivery(
        bot, settings, i18n, kb, OutboxRepository(db), app_repo, handoff_repo, threads, UserRepository(db)
    )
    bot.session.middleware(StaffSendCounter(delivery.staff_pacer, settings.staff_chat_id))
    bot.session.middleware(TextLimits())  # no text is refused by Telegram for its length
    presses = PressAnswers()  # every press answered once; knows which ones handlers answered
    bot.session.middleware(presses.recorder)
    retry = TransientRetry()
    bot.session.middleware(retry)  # innermost: a 5xx blip is sent again, not failed
    campaigns = CampaignRepository(db)
    broadcaster = Broadcaster(bot, settings, i18n, campaigns)
    limits = PersonLimits.from_settings(settings)  # per person: one can't crowd out the rest
    applications = ApplicationService(app_repo, i18n, delivery.wake, limits)
    handoffs = HandoffService(handoff_repo, i18n, delivery.wake, limits)
    prompts = StaffPromptService(StaffPromptRepository(db), applications)
    # dialogue state lives in the same SQLite file: a restart or a crash mid-dialogue loses
    # nothing; events of one user are handled one at a time (no interleaving)
    fsm_storage = storage or SQLiteStorage(db)
    privacy = PrivacyService(PrivacyRepository(db), i18n, kb, questions, users, delivery.wake, fsm_storage)

    dp = Dispatcher(storage=fsm_storage, events_isolation=UserLocks())
    dp.update.outer_middleware(inflight)
    dp.update.outer_middleware(UserContextMiddleware(users, i18n))
    dp.callback_query.outer_middleware(presses)
    dp.errors.register(create_error_handler(i18n, presses))  # log once, tell the user
    dp.include_routers(*get_routers())
    dp.workflow_data.update(
        settings=settings, db=db, i18n=i18n, kb=kb, search=search, users=users, questions=questions,
        applications=applications, handoffs=handoffs, app_repo=app_repo, threads=threads, privacy=privacy,
        prompts=prompts,
        campaigns=campaigns, broadcaster=broadcaster, user_repo=UserRepository(db),
    )
    return App(
        settings=settings,
        bot=bot,
        dp=dp,
        db=db,
        i18n=i18n,
        kb=kb,
        search=search,
        users=users,
        questions=questions,
        inflight=inflight,
        applications=applications,
        handoffs=handoffs,
        privacy=privacy,
        delivery=delivery,
        broadcaster=broadcaster,
        content_dir=content_dir,
        retry=retry,
    )
