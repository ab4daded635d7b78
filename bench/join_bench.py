"""The join dialogue under load: N applicants fill in the application at once, through one app.

Every run builds a fresh app (`create_app`, `app.startup()` on a new temporary SQLite file,
`app.start_background()` for the outbox worker) with settings STAFF_CHAT_ID=-100777. Every
applicant is one coroutine that feeds its own 15 updates in order with
`await dp.feed_update(bot, update)` (updates mounted to the Bot as polling does): /join, the
cluster button, organisation, ИНН (a distinct valid one each), skip ОГРН, region text and its
button, products, skip ОКВЭД, contact, phone, e-mail, skip comment, consent, send. Buttons are
pressed on the bot's latest message in that chat, as a Telegram client would.

Modes (each a median of --runs runs, every run on a fresh database):

* concurrent, LocalSession  - N coroutines under one asyncio.gather; Bot API answered in-process;
* sequential, LocalSession  - the same N applicants one after another (for comparison);
* concurrent, HTTP          - as the first, but the bot's own aiohttp session talks to the fake
  Bot API (tests/fake_telegram.py) over real HTTP on 127.0.0.1: the cost of real HTTP;
* sequential, HTTP          - one after another over HTTP: the per-update latency with HTTP.

Reported per mode: the dialogue time (first update to the last applicant's confirmation),
applications/s and updates/s over it, the card delivery time (from the last "send" press to
the last card accepted by the Bot API), and the total (first update to the last card).
Checks on every run: N applications numbered YYYY-0001..YYYY-N, N outbox jobs done, exactly N
cards to the staff chat, a confirmation for every applicant, no handler exception, no
unhandled update, no ERROR log, no refused Bot API call, no dialogue state left behind.

    .venv/bin/python bench/join_bench.py [--quick] [--json] [--applicants N] [--runs R]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import itertools
import logging
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import Message, Update
from common import ROOT, Output, machine_info, machine_line, median, verdict
from stdnum.ru import inn as stdnum_inn

from bot.app import App, create_app
from bot.local_session import LocalSession
from bot.services.regions import default_matcher
from bot.settings import Settings

STAFF_CHAT = -100777
FIRST_USER = 7_000_001
UPDATES_PER_APPLICANT = 15  # 8 messages + 7 button presses
DEADLINE_S = 120.0  # hang guard per run
INN_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
REGION_INPUTS = {
    "Татарстан": "Республика Татарстан",
    "Башкортостан": "Республика Башкортостан",
    "Пермский край": "Пермский край",
    "Омская обл.": "Омская область",
    "Самарская область": "Самарская область",
    "Нижегородская": "Нижегородская область",
    "Тюменская": "Тюменская область",
}
MODES = (
    ("concurrent", "local"),
    ("sequential", "local"),
    ("concurrent", "http"),
    ("sequential", "http"),
)
TRANSPORT_LABEL = {"local": "LocalSession", "http": "HTTP, fake Bot API"}


def make_inn(i: int) -> str:
    """The i-th of a series of distinct valid 10-digit ИНН: check digit = Σ w·d mod 11 mod 10."""
    body = f"{770_100_000 + i * 37:09d}"
    check = sum(w * int(d) for w, d in zip(INN_WEIGHTS, body, strict=True)) % 11 % 10
    return body + str(check)


def phone_of(i: int) -> str:
    return f"+7 912 {i // 100 % 1000:03d}-{i % 100:02d}-{(i * 7) % 100:02d}"


class Recorder(BaseRequestMiddleware):
    """Bot-side view of every Bot API call: the latest bot message per chat (what the user's
    client shows), the texts sent to each user, the cards accepted for the staff chat, errors."""

    def __init__(self, n_cards: int) -> None:
        self.latest: dict[int, Message] = {}
        self.texts: dict[int, list[str]] = {}
        self.card_times: list[float] = []
        self.errors: list[str] = []
        self.n_cards = n_cards
        self.all_cards = asyncio.Event()

    async def __call__(self, make_request, bot: Bot, method):  # type: ignore[no-untyped-def]
        try:
            result = await make_request(bot, method)
        except Exception as exc:
            self.errors.append(f"{type(method).__name__}: {type(exc).__name__}: {exc}")
            raise
        if isinstance(method, SendMessage | EditMessageText) and isinstance(result, Message):
            chat = result.chat.id
            if chat == STAFF_CHAT:
                if isinstance(method, SendMessage):
                    self.card_times.append(time.perf_counter())
                    if len(self.card_times) >= self.n_cards:
                        self.all_cards.set()
            else:
                latest = self.latest.get(chat)
                if latest is None or result.message_id >= latest.message_id:
                    self.latest[chat] = result
                self.texts.setdefault(chat, []).append(method.text)
        return result


class Channel:
    """Builds the users' updates. Local: from scratch. HTTP: through the fake server, so it
    knows the user's messages and callback queries (answerCallbackQuery is checked there)."""

    def __init__(self, bot: Bot, recorder: Recorder, session: LocalSession | None, fake: Any) -> None:
        self.bot = bot
        self.recorder = recorder
        self.session = session
        self.fake = fake
        self.ids = itertools.count(1)

    def text(self, user: dict[str, Any], text: str) -> Update:
        if self.fake is not None:
            update_id = self.fake.send_text(user["id"], text, first_name=user["first_name"], language_code="ru")
            payload = self.fake.updates.pop()  # just enqueued; nobody polls, we feed it
            assert payload["update_id"] == update_id
        else:
            assert self.session is not None
            message: dict[str, Any] = {
                "message_id": self.session.next_message_id(user["id"]),
                "date": int(dt.datetime.now(dt.UTC).timestamp()),
                "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
                "from": user,
                "text": text,
            }
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            payload = {"update_id": next(self.ids), "message": message}
        return Update.model_validate(payload, context={"bot": self.bot})

    def press(self, user: dict[str, Any], message: Message, data: str) -> Update:
        if self.fake is not None:
            self.fake.press(user["id"], message.message_id, data)
            payload = self.fake.updates.pop()
        else:
            query = {
                "id": str(next(self.ids)),
                "from": user,
                "chat_instance": f"ci{user['id']}",
                "message": message.model_dump(mode="json", exclude_none=True, by_alias=True),
                "data": data,
            }
            payload = {"update_id": next(self.ids), "callback_query": query}
        return Update.model_validate(payload, context={"bot": self.bot})


class Applicant:
    def __init__(self, app: App, channel: Channel, index: int) -> None:
        self.app = app
        self.channel = channel
        self.index = index
        self.user_id = FIRST_USER + index
        self.user = {"id": self.user_id, "is_bot": False, "first_name": f"Заявитель {index}", "language_code": "ru"}
        self.inn = make_inn(index)
        self.region_text, self.region = list(REGION_INPUTS.items())[index % len(REGION_INPUTS)]
        self.unhandled = 0
        self.send_pressed_at = 0.0

    def _latest(self) -> Message:
        latest = self.channel.recorder.latest.get(self.user_id)
        assert latest is not None, f"user {self.user_id}: the bot has not written yet"
        return latest

    async def _feed(self, update: Update) -> None:
        if await self.app.dp.feed_update(self.app.bot, update) is UNHANDLED:
            self.unhandled += 1

    async def say(self, text: str) -> None:
        before = self.channel.recorder.latest.get(self.user_id)
        await self._feed(self.channel.text(self.user, text))
        reply = self._latest()
        assert before is None or reply.message_id > before.message_id, f"no reply to {text!r}"
        assert not (reply.text or "").startswith("⚠️"), f"{text!r} refused: {reply.text}"

    async def press(self, data: str | None = None, *, prefix: str | None = None) -> None:
        message = self._latest()
        assert message.reply_markup is not None, f"no buttons on {message.text!r}"
        datas = [b.callback_data for row in message.reply_markup.inline_keyboard for b in row if b.callback_data]
        if prefix is not None:
            matching = [d for d in datas if d.startswith(prefix)]
            assert matching, f"no {prefix!r} button in {datas}"
            data = matching[self.index % len(matching)]
        assert data in datas, f"no {data!r} button in {datas}"
        await self._feed(self.channel.press(self.user, message, data))

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
        self.send_pressed_at = time.perf_counter()
        await self.press("fm:send:")


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}")


@dataclass
class RunResult:
    mode: str
    transport: str
    n: int
    dialogue_s: float = 0.0
    total_s: float = 0.0
    delivery_s: float = 0.0  # last "send" press -> last card accepted
    problems: list[str] = field(default_factory=list)


async def one_run(mode: str, transport: str, n: int, errors: ErrorLog) -> RunResult:
    """One fresh app on a fresh database; N applicants in `mode`; checks; timings."""
    from tests.fake_telegram import FakeTelegram  # tests/ is not an installed package

    res = RunResult(mode, transport, n)
    errors.records.clear()
    fake = None
    with tempfile.TemporaryDirectory(prefix="bench-join-") as tmp:
        common = {"_env_file": None, "database_path": Path(tmp) / "bot.sqlite3",
                  "staff_chat_id": STAFF_CHAT, "staff_ids": [800], "admin_ids": [900],
                  # how fast the bot itself goes: Telegram's 20 messages/min per group would make
                  # 200 cards take 10 minutes whatever the bot does
                  "staff_messages_per_minute": 0}
        session = None
        if transport == "http":
            fake = FakeTelegram()
            await fake.start()
            settings = Settings(bot_token=fake.token, telegram_api_url=fake.url, **common)  # type: ignore[arg-type]
            app = create_app(settings)  # the bot's own AiohttpSession, pointing at the fake
        else:
            settings = Settings(bot_token=None, **common)  # type: ignore[arg-type]
            session = LocalSession()
            app = create_app(settings, session=session)
        recorder = Recorder(n)
        app.bot.session.middleware(recorder)
        channel = Channel(app.bot, recorder, session, fake)
        await app.startup()
        app.start_background()
        try:
            applicants = [Applicant(app, channel, i) for i in range(n)]
            gc.collect()
            t0 = time.perf_counter()
            if mode == "concurrent":
                outcomes = await asyncio.wait_for(
                    asyncio.gather(*(a.run() for a in applicants), return_exceptions=True), DEADLINE_S
                )
            else:
                outcomes = []
                for a in applicants:
                    try:
                        outcomes.append(await asyncio.wait_for(a.run(), DEADLINE_S))
                    except Exception as exc:
                        outcomes.append(exc)
            t_dialogue = time.perf_counter()
            try:
                await asyncio.wait_for(recorder.all_cards.wait(), DEADLINE_S)
            except TimeoutError:
                res.problems.append(f"only {len(recorder.card_times)} of {n} cards within {DEADLINE_S:.0f} s")
            res.dialogue_s = t_dialogue - t0
            last_card = max(recorder.card_times, default=t_dialogue)
            res.total_s = last_card - t0
            res.delivery_s = last_card - max((a.send_pressed_at for a in applicants), default=t0)
            await asyncio.sleep(0.1)  # a duplicate card would show up now
            await check(app, applicants, outcomes, recorder, fake, res)
        finally:
            await app.shutdown()
            await app.bot.session.close()
            if fake is not None:
                await fake.stop()
    res.problems += [f"logged: {r}" for r in errors.records[:5]]
    return res


async def check(app: App, applicants: list[Applicant], outcomes: list[Any], recorder: Recorder,
                fake: Any, res: RunResult) -> None:
    n = len(applicants)
    p = res.problems
    failed = [f"{a.user_id}: {o!r}" for a, o in zip(applicants, outcomes, strict=True) if o is not None]
    if failed:
        p.append(f"{len(failed)} applicants failed, e.g. {failed[0]}")
    unhandled = sum(a.unhandled for a in applicants)
    if unhandled:
        p.append(f"{unhandled} updates unhandled")
    year = dt.datetime.now(dt.UTC).year
    rows = await app.db.fetchall("SELECT number, user_id, staff_message_id FROM applications")
    numbers = sorted(r[0] for r in rows)
    if numbers != [f"{year}-{k:04d}" for k in range(1, n + 1)]:
        p.append(f"{len(rows)} applications, numbers {numbers[:2]}..{numbers[-2:]} (expected {year}-0001..{year}-{n:04d})")
    without_card = sum(1 for r in rows if r[2] is None)
    if without_card:
        p.append(f"{without_card} applications without their card")
    counts = await app.delivery.outbox.counts()
    if counts != {"done": n}:
        p.append(f"outbox {counts}")
    if len(recorder.card_times) != n:
        p.append(f"{len(recorder.card_times)} cards sent to the staff chat")
    if fake is not None:
        on_server = len(fake.sent_to(STAFF_CHAT))
        if on_server != n:
            p.append(f"{on_server} cards on the fake server")
        refused = [c.short(120) for c in fake.calls if not c.ok and c.method != "getUpdates"]
        if refused:
            p.append(f"{len(refused)} Bot API calls refused, e.g. {refused[0]}")
        if len(fake.callback_answers) != n * 7:
            p.append(f"{len(fake.callback_answers)} callback queries answered of {n * 7}")
    by_user = {r[1]: r[0] for r in rows}
    unconfirmed = [
        a.user_id for a in applicants
        if sum("отправлена" in t and str(by_user.get(a.user_id)) in t for t in recorder.texts.get(a.user_id, [])) != 1
    ]
    if unconfirmed:
        p.append(f"{len(unconfirmed)} applicants without exactly one confirmation")
    if recorder.errors:
        p.append(f"{len(recorder.errors)} Bot API errors, e.g. {recorder.errors[0]}")
    left = await app.db.fetchone("SELECT count(*) FROM fsm_states WHERE state LIKE 'JoinForm:%'")
    if left and left[0]:
        p.append(f"{left[0]} dialogue states left")


def region_step_ms(n: int, reps: int = 3) -> float:
    """Mean ms of the region matching the region step does per typed region (handlers/join.py
    `region_text`: `match(text, limit=5)`, then `exact(text)`), over the applicants' inputs.
    Plain CPU work, run on the event loop: every other update waits meanwhile."""
    matcher = default_matcher()
    texts = [list(REGION_INPUTS)[i % len(REGION_INPUTS)] for i in range(n)]
    costs = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for text in texts:
            matcher.match(text, limit=5)
            matcher.exact(text)
        costs.append((time.perf_counter() - t0) * 1000 / len(texts))
    return median(costs)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    out = Output(args.json)
    n = args.applicants or (50 if args.quick else 200)
    runs = max(3, args.runs)
    modes = [m for m in MODES if not (args.no_http and m[1] == "http")]
    info = machine_info()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # for tests.fake_telegram
    assert all(stdnum_inn.is_valid(make_inn(i)) for i in range(n)) and len({make_inn(i) for i in range(n)}) == n

    out.print(f"join_bench{' (--quick)' if args.quick else ''}: the join dialogue, N applicants through one app")
    out.print(machine_line(info))
    out.print(
        f"workload per run: {n} applicants x {UPDATES_PER_APPLICANT} updates = {n * UPDATES_PER_APPLICANT:,} "
        f"updates through dp.feed_update, {n} applications, {n} staff cards via the outbox worker; "
        f"fresh database per run; median of {runs} runs after a warm-up"
    )
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    t_start = time.perf_counter()

    # warm-up: imports, caches (regions, pymorphy, fluent), aiogram's handler resolution
    for _, transport in {m[1]: m for m in modes}.values():
        await one_run("concurrent", transport, min(n, 20), errors)

    results: dict[tuple[str, str], list[RunResult]] = {m: [] for m in modes}
    for r in range(runs):
        order = modes if r % 2 == 0 else list(reversed(modes))  # alternate who goes first
        for mode, transport in order:
            results[(mode, transport)].append(await one_run(mode, transport, n, errors))

    rows = []
    summary_modes: dict[str, Any] = {}
    for (mode, transport), rs in results.items():
        dialogue = median([r.dialogue_s for r in rs])
        s = {
            "mode": mode,
            "transport": transport,
            "dialogue_s": dialogue,
            "dialogue_runs_s": [r.dialogue_s for r in rs],
            "applications_per_s": n / dialogue,
            "updates_per_s": n * UPDATES_PER_APPLICANT / dialogue,
            "ms_per_update": dialogue * 1000 / (n * UPDATES_PER_APPLICANT),
            "card_delivery_s": median([r.delivery_s for r in rs]),
            "total_s": median([r.total_s for r in rs]),
            "problems": [p for r in rs for p in r.problems],
        }
        summary_modes[f"{mode}-{transport}"] = s
        rows.append([
            f"{mode:<10}  {TRANSPORT_LABEL[transport]}", dialogue, min(s["dialogue_runs_s"]),
            max(s["dialogue_runs_s"]), s["applications_per_s"], s["updates_per_s"],
            s["ms_per_update"], s["card_delivery_s"], s["total_s"],
        ])
    out.print("")
    out.table(
        ["mode", "dialogue s", "min", "max", "apps/s", "updates/s", "ms/update",
         "cards after last send, s", "total s (to last card)"],
        rows,
    )
    conc = summary_modes["concurrent-local"]
    seq = summary_modes["sequential-local"]
    out.print(
        f"concurrent vs sequential (LocalSession): {seq['dialogue_s'] / conc['dialogue_s']:.2f}x the throughput "
        f"({conc['dialogue_s']:.2f} s vs {seq['dialogue_s']:.2f} s for {n} applicants)"
    )
    http = summary_modes.get("concurrent-http")
    if http is not None:
        seq_http = summary_modes["sequential-http"]
        out.print(
            f"cost of real HTTP: concurrent {http['dialogue_s'] / conc['dialogue_s']:.2f}x the LocalSession time "
            f"(+{(http['ms_per_update'] - conc['ms_per_update']):.2f} ms/update); sequential "
            f"{seq_http['dialogue_s'] / seq['dialogue_s']:.2f}x (+{seq_http['ms_per_update'] - seq['ms_per_update']:.2f} ms/update)"
        )
    region_ms = region_step_ms(n)
    region_s = region_ms * n / 1000
    out.print(
        f"where the time goes: the region step's matching (RegionMatcher.match + .exact, synchronous) "
        f"costs {region_ms:.1f} ms per applicant = {region_s:.2f} s per run, "
        f"{region_s / conc['dialogue_s']:.0%} of the concurrent LocalSession dialogue time; "
        f"the other {UPDATES_PER_APPLICANT - 1} updates average "
        f"{(conc['dialogue_s'] - region_s) * 1000 / (n * (UPDATES_PER_APPLICANT - 1)):.2f} ms"
    )
    problems = [f"{name}: {p}" for name, s in summary_modes.items() for p in s["problems"]]
    for p in problems[:20]:
        out.print(f"WARNING: {p}")
    if not problems:
        out.print(
            f"checks: every run of every mode stored {n} applications numbered without gaps, "
            f"delivered {n} cards to the staff chat (outbox all done), confirmed every applicant, "
            "left no dialogue state, with no handler exception, unhandled update, ERROR log or Bot API error"
        )
    ok = not problems
    elapsed = time.perf_counter() - t_start
    details = [
        f"concurrent, LocalSession: {conc['applications_per_s']:,.0f} applications/s, "
        f"{conc['updates_per_s']:,.0f} updates/s, last card {conc['card_delivery_s']:.2f} s after the last send",
        f"sequential {seq['dialogue_s']:.2f} s",
    ]
    if http is not None:
        details.append(f"over HTTP {http['dialogue_s']:.2f} s concurrent, {summary_modes['sequential-http']['dialogue_s']:.2f} s sequential")
    summary = (
        f"SUMMARY join: {n} applicants in {conc['dialogue_s']:.2f} s ({'; '.join(details)}; "
        f"median of {runs} runs, ran {elapsed:.0f} s) - {verdict(ok)}"
    )
    out.print("\n" + summary)
    result = {
        "bench": "join",
        "quick": args.quick,
        "machine": info,
        "runs": runs,
        "applicants": n,
        "updates_per_run": n * UPDATES_PER_APPLICANT,
        "modes": summary_modes,
        "region_step_ms": region_ms,
        "problems": problems,
        "pass": ok,
        "elapsed_s": elapsed,
        "summary": summary,
    }
    out.emit_json(result)
    logging.getLogger().removeHandler(errors)
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fast smoke run: 50 applicants")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout (report on stderr)")
    p.add_argument("--applicants", type=int, default=0, help="applicants per run (default 200, quick 50)")
    p.add_argument("--runs", type=int, default=3, help="measured runs per mode (default and minimum 3)")
    p.add_argument("--no-http", action="store_true", help="skip the modes over HTTP")
    return p.parse_args(argv)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parse_args()))
    sys.exit(0)
