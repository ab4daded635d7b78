"""Load test of the join dialogue: 200 applicants fill it in at the same time through one app.

One `create_app` on a temporary SQLite file with a `LocalSession` (no network) and the outbox
worker running (`app.start_background()`). Every applicant is one coroutine that feeds its own
updates in order through `dp.feed_update` — text messages, and button presses on the bot's
latest message in that chat, as a Telegram client would; the 200 coroutines run under one
`asyncio.gather`, so their updates interleave freely in the dispatcher and the database.

Checked afterwards: 200 applications numbered YYYY-0001..YYYY-0200 without gaps or repeats,
200 outbox jobs done, exactly 200 cards in the staff chat, an "отправлена" confirmation for
every applicant, nothing logged at ERROR, no handler exceptions, no unhandled updates, and no
dialogue state left in `fsm_states`. No timing assertions: a deadline only guards against hangs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import Message, Update
from stdnum.ru import inn as stdnum_inn

from bot.app import App, create_app
from bot.local_session import LocalSession, Outgoing
from bot.services.regions import default_matcher
from bot.services.validation import validate_email, validate_phone
from bot.settings import Settings
from tests.fake_telegram import parse_html

N_APPLICANTS = 200
STAFF_CHAT = -100777
FIRST_USER = 7_000_001
DEADLINE_S = 60.0  # a hang guard, not a timing target (the run takes about 10 s)
INN_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
# what people type at the region step -> the region they then confirm with its button
REGION_INPUTS = {
    "Татарстан": "Республика Татарстан",
    "Башкортостан": "Республика Башкортостан",
    "Пермский край": "Пермский край",
    "Омская обл.": "Омская область",
    "Самарская область": "Самарская область",
    "Нижегородская": "Нижегородская область",
    "Тюменская": "Тюменская область",
}


def make_inn(i: int) -> str:
    """The i-th of a series of distinct valid 10-digit ИНН (organisation)."""
    body = f"{770_100_000 + i * 37:09d}"
    check = sum(w * int(d) for w, d in zip(INN_WEIGHTS, body, strict=True)) % 11 % 10
    return body + str(check)


class World:
    """What Telegram would show: the bot's latest message per chat, every text, staff cards."""

    def __init__(self) -> None:
        self.latest: dict[int, Message] = {}
        self.texts: dict[int, list[str]] = {}
        self.cards: list[float] = []  # perf_counter of each SendMessage to the staff chat
        self.html_errors: list[str] = []
        self.session = LocalSession(listener=self.on_call)

    def on_call(self, out: Outgoing) -> None:
        if out.chat_id is None or out.message is None:
            return
        if isinstance(out.method, SendMessage | EditMessageText):
            try:
                parse_html(out.method.text)  # the real Bot API refuses bad HTML
            except ValueError as exc:
                self.html_errors.append(f"{out.chat_id}: {exc}: {out.method.text[:200]!r}")
        if out.chat_id == STAFF_CHAT:
            if isinstance(out.method, SendMessage):
                self.cards.append(time.perf_counter())
            return
        latest = self.latest.get(out.chat_id)
        if latest is None or out.message.message_id >= latest.message_id:  # a new one or its edit
            self.latest[out.chat_id] = out.message
        self.texts.setdefault(out.chat_id, []).append(out.message.text or "")


class Applicant:
    """One user going through /join → … → send, one update at a time."""

    update_ids = itertools.count(1)

    def __init__(self, app: App, world: World, index: int, cluster_pick: int) -> None:
        self.app = app
        self.world = world
        self.index = index
        self.user_id = FIRST_USER + index
        self.cluster_pick = cluster_pick
        self.inn = make_inn(index)
        self.region_text, self.region = list(REGION_INPUTS.items())[index % len(REGION_INPUTS)]
        self.user: dict[str, Any] = {
            "id": self.user_id, "is_bot": False, "first_name": f"Заявитель {index}", "language_code": "ru",
        }
        self.chat: dict[str, Any] = {"id": self.user_id, "type": "private", "first_name": self.user["first_name"]}
        self.results: list[Any] = []

    def _latest(self) -> Message:
        latest = self.world.latest.get(self.user_id)
        assert latest is not None, f"user {self.user_id}: the bot has not written yet"
        return latest

    async def _feed(self, payload: dict[str, Any]) -> None:
        payload["update_id"] = next(self.update_ids)
        # mounted to the bot as polling does it
        update = Update.model_validate(payload, context={"bot": self.app.bot})
        self.results.append(await self.app.dp.feed_update(self.app.bot, update))

    async def say(self, text: str) -> None:
        before = self._latest().message_id if self.user_id in self.world.latest else 0
        message: dict[str, Any] = {
            "message_id": self.world.session.next_message_id(self.user_id),
            "date": int(dt.datetime.now(dt.UTC).timestamp()),
            "chat": self.chat,
            "from": self.user,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        await self._feed({"message": message})
        reply = self._latest()
        assert reply.message_id > before, f"user {self.user_id}: no reply to {text!r}"
        assert not (reply.text or "").startswith("⚠️"), f"user {self.user_id}: {text!r} refused: {reply.text}"

    async def press(self, data: str | None = None, *, prefix: str | None = None) -> None:
        """Press a button of the bot's latest message: the one with `data`, or the
        `cluster_pick`-th one whose data starts with `prefix`."""
        message = self._latest()
        assert message.reply_markup is not None, f"user {self.user_id}: no buttons on {message.text!r}"
        datas = [b.callback_data for row in message.reply_markup.inline_keyboard for b in row if b.callback_data]
        if prefix is not None:
            matching = [d for d in datas if d.startswith(prefix)]
            assert matching, f"user {self.user_id}: no {prefix!r} button in {datas}"
            data = matching[self.cluster_pick % len(matching)]
        assert data in datas, f"user {self.user_id}: no {data!r} button in {datas}"
        query = {
            "id": str(next(self.update_ids)),
            "from": self.user,
            "chat_instance": f"ci{self.user_id}",
            "message": message.model_dump(mode="json", exclude_none=True, by_alias=True),
            "data": data,
        }
        await self._feed({"callback_query": query})

    async def run(self) -> None:
        await self.say("/join")
        await self.press(prefix="fm:cluster:")
        await self.say(f"ООО «Химпром-{self.index}» & партнёры <СПб>")
        await self.say(f"ИНН {self.inn}")
        await self.press("fm:skip:")  # ОГРН
        await self.say(self.region_text)
        await self.press(f"fm:region:{default_matcher().names().index(self.region)}")
        await self.say(f"Полимеры и присадки, партия {self.index}")
        await self.press("fm:skip:")  # ОКВЭД
        await self.say(f"Иванов Иван {self.index}")
        await self.say(phone_of(self.index))
        await self.say(f"applicant{self.index}@example.ru")
        await self.press("fm:skip:")  # comment
        await self.press("fm:consent:")
        assert "fm:send:" in str(self._latest().reply_markup), "the summary has no Send button"
        await self.press("fm:send:")


def phone_of(i: int) -> str:
    return f"+7 912 {i // 100 % 1000:03d}-{i % 100:02d}-{(i * 7) % 100:02d}"


UPDATES_PER_APPLICANT = 15  # 8 messages + 7 button presses


async def test_join_dialogue_200_applicants_concurrently(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    inns = [make_inn(i) for i in range(N_APPLICANTS)]
    assert len(set(inns)) == N_APPLICANTS and all(stdnum_inn.is_valid(v) for v in inns)
    assert len({validate_phone(phone_of(i)) for i in range(N_APPLICANTS)}) == N_APPLICANTS
    validate_email("applicant0@example.ru")

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=None,
        database_path=tmp_path / "bot.sqlite3",
        staff_chat_id=STAFF_CHAT,
        staff_ids=[800],
        admin_ids=[900],
        # the local API has no per-group limit; with Telegram's 20/min the 200 cards would take
        # 10 minutes (tests/test_delivery.py checks that pacing)
        staff_messages_per_minute=0,
    )
    world = World()
    app = create_app(settings, session=world.session)
    await app.startup()
    caplog.set_level(logging.ERROR)
    app.start_background()
    try:
        accepting = [id_ for id_, _ in app.kb.accepting_clusters()]
        assert accepting, "no cluster accepts applications: nothing to apply to"
        applicants = [Applicant(app, world, i, cluster_pick=i) for i in range(N_APPLICANTS)]

        outcomes = await asyncio.wait_for(
            asyncio.gather(*(a.run() for a in applicants), return_exceptions=True), DEADLINE_S
        )
        failures = [f"{a.user_id}: {o!r}" for a, o in zip(applicants, outcomes, strict=True) if o is not None]
        assert not failures, f"{len(failures)} applicants failed, e.g. {failures[:5]}"
        unhandled = [a.user_id for a in applicants if any(r is UNHANDLED for r in a.results)]
        assert not unhandled, f"updates nobody handled, users {unhandled[:10]}"
        assert sum(len(a.results) for a in applicants) == N_APPLICANTS * UPDATES_PER_APPLICANT

        # the outbox worker delivers the cards in the background: wait for it (hang guard only)
        deadline = time.monotonic() + DEADLINE_S
        while (await app.delivery.outbox.counts()).get("done", 0) < N_APPLICANTS:
            assert time.monotonic() < deadline, f"outbox: {await app.delivery.outbox.counts()}"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # anything extra (a duplicate card) would show up now

        year = dt.datetime.now(dt.UTC).year
        rows = await app.db.fetchall(
            "SELECT number, user_id, inn, staff_chat_id, staff_message_id, status FROM applications ORDER BY id"
        )
        numbers = [r[0] for r in rows]
        assert len(rows) == N_APPLICANTS
        assert sorted(numbers) == [f"{year}-{k:04d}" for k in range(1, N_APPLICANTS + 1)]
        assert sorted(r[1] for r in rows) == [a.user_id for a in applicants]
        assert sorted(r[2] for r in rows) == sorted(inns)
        assert all(r[5] == "new" for r in rows)
        assert all(r[3] == STAFF_CHAT for r in rows), "an application without its card"
        assert len({r[4] for r in rows}) == N_APPLICANTS, "two applications share a card"

        assert await app.delivery.outbox.counts() == {"done": N_APPLICANTS}
        staff_sends = [c for c in world.session.calls if isinstance(c, SendMessage) and int(c.chat_id) == STAFF_CHAT]
        assert len(staff_sends) == N_APPLICANTS == len(world.cards)
        for number in numbers:  # each card once (the number is unique in the card text)
            assert sum(number in c.text for c in staff_sends) == 1, number

        by_user = {r[1]: r[0] for r in rows}
        for a in applicants:
            confirmations = [t for t in world.texts.get(a.user_id, []) if "отправлена" in t]
            assert len(confirmations) == 1, (a.user_id, world.texts.get(a.user_id, [])[-3:])
            assert by_user[a.user_id] in confirmations[0]

        assert not world.html_errors, world.html_errors[:5]
        left = await app.db.fetchall("SELECT user_id, state FROM fsm_states WHERE state LIKE 'JoinForm:%'")
        assert not left, f"dialogue states left behind: {[tuple(r) for r in left[:10]]}"
        leftover = await app.db.fetchone("SELECT count(*) FROM fsm_states")
        assert leftover is not None and leftover[0] == 0, "FSM rows (data without a state) left behind"
    finally:
        await app.shutdown()
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors[:10]
