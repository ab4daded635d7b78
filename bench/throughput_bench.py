"""End-to-end updates/s through the dispatcher: the bot's question path against a bare echo bot.

Both go through the same harness: pre-built `Update` objects (private text messages from many
users), mounted to their Bot as polling does, fed with `await dp.feed_update(bot, update)`, and
answered through `LocalSession` (no network). Every question of the whole run is different: the
`q` of every eval set in tests/eval (the dev parts, test.yaml, questions.yaml), then the same with a greeting, a
closing word and/or a number added (never two equal texts, also after case folding), Russian to
users with a Russian client, English to users with an English one (one in five):

* question path - the real app (`create_app`, `app.startup()` on a temporary SQLite file) with
  the answer cache off (`app.questions.cache_size = 0`; the handler's render cache is keyed by
  the result object, so it can't help either): outer middlewares (in-flight, user upsert +
  locale), routers, the questions handler (search, record the question, render the answer,
  sendMessage). Near-synonyms are off here (`semantic_search=False`): with distinct questions
  their lookup is one indexed SQLite read per question that has unknown words; search_bench
  measures the search with them;
* echo - a Dispatcher with one router whose message handler does
  `await message.answer(message.text)`, on a Bot with LocalSession too.

Modes: sequential (one update at a time) and concurrent (asyncio.gather in batches, like
polling with handle_as_tasks). Each run uses fresh user ids, so every run pays the user upsert
(once per user per minute) and the locale lookup for each user, as a burst of new users would.
Median of several runs; target: question path (every question different, no answer cache)
>= 0.3 of echo throughput. Also reported (no target): the answer cache on, with the eval
questions repeated.

    .venv/bin/python bench/throughput_bench.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import logging
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.enums import ParseMode
from aiogram.methods import SendMessage
from aiogram.types import Message, Update
from common import (
    Output,
    burst_args,
    load_eval_questions,
    locale_of,
    machine_info,
    machine_line,
    median,
    verdict,
)

from bot.app import OFFLINE_TOKEN, create_app
from bot.local_session import LocalSession
from bot.services.questions import CACHE_SIZE
from bot.settings import Settings
from storage.analyzer import fold

TARGET_RATIO = 0.3
# added to the eval questions to make every text of a run different (what people add anyway)
PREFIXES = {
    "ru": ("", "Здравствуйте!", "Добрый день.", "Подскажите,", "Коллеги,", "Вопрос:", "Уточните,", "Скажите,"),
    "en": ("", "Hello!", "Hi,", "Good afternoon.", "Please tell me:", "Question:", "Could you tell me,", "Hey,"),
}
SUFFIXES = {
    "ru": ("", "спасибо", "заранее спасибо", "пожалуйста", "срочно", "жду ответа"),
    "en": ("", "thanks", "thank you in advance", "please", "urgent", "waiting for an answer"),
}
FIRST_NAMES = ("Иван", "Мария", "Алексей", "Ольга", "Дмитрий", "Анна", "Сергей", "Елена", "John", "Kate")


def build_echo() -> tuple[Bot, Dispatcher, LocalSession]:
    session = LocalSession()
    # the same Bot construction as create_app (HTML parse mode), so only the handling differs
    bot = Bot(OFFLINE_TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    router = Router(name="echo")

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text)

    dp = Dispatcher()
    dp.include_router(router)
    return bot, dp, session


def _key(text: str) -> str:
    """What the answer cache would see as one question (bot.services.questions: folded, spaces)."""
    return " ".join(fold(text).split())


class DistinctQuestions:
    """An endless stream of question texts of one language, never the same twice: the eval
    questions (shuffled), then each again with a greeting and/or a closing word, and a number
    on every other round."""

    def __init__(self, base: list[str], lang: str, rng: random.Random, seen: set[str]) -> None:
        self.base = base[:]
        rng.shuffle(self.base)
        self.combos = [(p, x) for p in PREFIXES[lang] for x in SUFFIXES[lang]]  # ("", "") first
        self.i = 0
        self.seen = seen  # shared by the streams: distinct over the whole run

    def __next__(self) -> str:
        while True:
            q = self.base[self.i % len(self.base)]
            r = self.i // len(self.base)
            self.i += 1
            prefix, suffix = self.combos[r % len(self.combos)]
            text = " ".join(part for part in (prefix, q.rstrip(" ?.!") + (", " + suffix if suffix else "")
                                              + ("?" if q.rstrip().endswith("?") else "")) if part)
            if r % 2 or r >= len(self.combos):
                text = f"{text} {r}"
            if _key(text) not in self.seen:
                self.seen.add(_key(text))
                return text

    def __iter__(self) -> DistinctQuestions:
        return self


class RepeatedQuestions:
    """The eval questions drawn at random with repetition (for the answer-cache info row)."""

    def __init__(self, base: list[str], rng: random.Random) -> None:
        self.base = base
        self.rng = rng

    def __next__(self) -> str:
        return self.rng.choice(self.base)


class UpdateFactory:
    """Telegram-shaped update payloads: private text messages from many users."""

    def __init__(self, questions: dict[str, Any], rng: random.Random) -> None:
        self.questions = questions  # locale -> stream of texts
        self.rng = rng
        self.update_id = 0
        self.message_ids: dict[int, int] = {}

    def burst(self, first_user: int, users: int, per_user: int) -> list[dict[str, Any]]:
        """`users` distinct users, each sending `per_user` questions; their messages interleaved."""
        senders = [first_user + u for u in range(users) for _ in range(per_user)]
        self.rng.shuffle(senders)
        now = int(dt.datetime.now(dt.UTC).timestamp())
        out = []
        for uid in senders:
            self.update_id += 1
            self.message_ids[uid] = self.message_ids.get(uid, 0) + 1
            english = uid % 5 == 0  # one user in five has an English Telegram client
            name = FIRST_NAMES[uid % len(FIRST_NAMES)]
            out.append(
                {
                    "update_id": self.update_id,
                    "message": {
                        "message_id": self.message_ids[uid],
                        "date": now,
                        "chat": {"id": uid, "type": "private", "first_name": name},
                        "from": {
                            "id": uid,
                            "is_bot": False,
                            "first_name": name,
                            "language_code": "en" if english else "ru",
                        },
                        "text": next(self.questions["en" if english else "ru"]),
                    },
                }
            )
        return out


def mount(payloads: list[dict[str, Any]], bot: Bot) -> list[Update]:
    """Updates bound to `bot`, as polling builds them (feed_update would otherwise re-validate)."""
    return [Update.model_validate(p, context={"bot": bot}) for p in payloads]


async def run_sequential(dp: Dispatcher, bot: Bot, updates: list[Update], batch: int) -> list[Any]:
    results = []
    for update in updates:
        results.append(await dp.feed_update(bot, update))
    return results


async def run_concurrent(dp: Dispatcher, bot: Bot, updates: list[Update], batch: int) -> list[Any]:
    results: list[Any] = []
    for i in range(0, len(updates), batch):
        results += await asyncio.gather(*(dp.feed_update(bot, u) for u in updates[i : i + batch]))
    return results


Runner = Callable[[Dispatcher, Bot, list[Update], int], Awaitable[list[Any]]]
MODES: dict[str, Runner] = {"sequential": run_sequential, "concurrent": run_concurrent}


class Harness:
    def __init__(self, name: str, bot: Bot, dp: Dispatcher, session: LocalSession) -> None:
        self.name = name
        self.bot = bot
        self.dp = dp
        self.session = session
        self.rates: dict[str, list[float]] = {m: [] for m in MODES}
        self.problems: list[str] = []

    async def run(self, mode: str, payloads: list[dict[str, Any]], batch: int, record: bool) -> float:
        updates = mount(payloads, self.bot)
        self.session.calls.clear()  # LocalSession keeps every call and message: start empty
        self.session.messages.clear()
        gc.collect()
        t0 = time.perf_counter()
        results = await MODES[mode](self.dp, self.bot, updates, batch)
        elapsed = time.perf_counter() - t0
        unhandled = sum(1 for r in results if r is UNHANDLED)
        sent = sum(1 for c in self.session.calls if isinstance(c, SendMessage))
        if unhandled or sent != len(updates):
            self.problems.append(f"{mode}: {unhandled} unhandled, {sent} replies to {len(updates)} updates")
        rate = len(updates) / elapsed
        if record:
            self.rates[mode].append(rate)
        return rate


async def component_costs(app: Any, factory: UpdateFactory, users: int, per_user: int,
                          reps: int) -> dict[str, float]:
    """Mean ms per call of the question path's main parts, called directly, each rep on new
    distinct questions (the answer cache is off)."""
    parts: dict[str, Callable[[int, str, str], Awaitable[Any]]] = {
        "search": lambda uid, text, loc: app.search.search(text, locale=loc),
        "ask": lambda uid, text, loc: app.questions.ask(uid, text, loc),  # search + the question log
    }
    costs: dict[str, list[float]] = {name: [] for name in parts}
    for _ in range(reps):
        for name, call in parts.items():
            payloads = factory.burst(first_user=8_000_000, users=users, per_user=per_user)
            items = [(p["message"]["from"]["id"], p["message"]["text"], p["message"]["from"]["language_code"])
                     for p in payloads]
            gc.collect()
            t0 = time.perf_counter()
            for uid, text, loc in items:
                await call(uid, text, loc)
            costs[name].append((time.perf_counter() - t0) * 1000 / len(items))
    return {name: median(v) for name, v in costs.items()}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    out = Output(args.json)
    rng = random.Random(args.seed)
    runs = args.runs or (2 if args.quick else 5)
    users = args.users or (50 if args.quick else 200)
    per_user = args.per_user or (2 if args.quick else 5)
    batch = args.batch
    n = users * per_user
    info = machine_info()
    questions = load_eval_questions()
    by_locale = {loc: [q for q in questions if locale_of(q) == loc] for loc in ("ru", "en")}
    seen: set[str] = set()
    factory = UpdateFactory({loc: DistinctQuestions(qs, loc, rng, seen) for loc, qs in by_locale.items()}, rng)
    repeated = UpdateFactory({loc: RepeatedQuestions(qs, rng) for loc, qs in by_locale.items()}, rng)
    out.print(f"throughput_bench{' (--quick)' if args.quick else ''}: updates/s through dp.feed_update")
    out.print(machine_line(info))
    out.print(
        f"workload per run and mode: {n:,} private text messages = {users} distinct new users x "
        f"{per_user} questions each (interleaved; 1 user in 5 with an English client); median of {runs} "
        f"runs after a warm-up; concurrent = asyncio.gather in batches of {batch}"
    )
    out.print(
        f"questions: every text of the run different (also after case folding): {len(by_locale['ru'])} Russian "
        f"and {len(by_locale['en'])} English eval questions (the dev parts, test, questions.yaml), then with a greeting, "
        "a closing word and/or a number added; question path with the answer cache OFF"
    )
    out.print(
        "question path per run: the user-upsert middleware writes once per user per minute, so each "
        f"run has {users} user upserts + {users} locale reads + {n:,} question inserts in SQLite"
    )
    t_start = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, bot_token=None, database_path=Path(tmp) / "bot.sqlite3", semantic_search=False
        )
        session = LocalSession()
        app = create_app(settings, session=session)
        app.db.exclusive = True  # as `python -m bot` runs: it holds the single-instance lock
        await app.startup()
        app.start_background()  # as the polling runner does: batched question log
        gc.collect()
        gc.freeze()  # (as bot.runner does once start-up is done)
        app.questions.cache_size = 0  # every question searched and rendered afresh
        echo_bot, echo_dp, echo_session = build_echo()
        harnesses = {
            "echo": Harness("echo", echo_bot, echo_dp, echo_session),
            "question": Harness("question", app.bot, app.dp, session),
        }

        # warm-up: imports, caches (stems, pymorphy), SQLite pages, aiogram's handler resolution
        warm = factory.burst(first_user=9_000_000, users=min(users, 50), per_user=2)
        for h in harnesses.values():
            for mode in MODES:
                await h.run(mode, warm, batch, record=False)

        next_user = 1_000_000
        for r in range(runs):
            for mode in MODES:
                payloads = factory.burst(first_user=next_user, users=users, per_user=per_user)
                next_user += users
                order = ("echo", "question") if r % 2 == 0 else ("question", "echo")
                for name in order:  # both on the same payloads, alternating who goes first
                    await harnesses[name].run(mode, payloads, batch, record=True)
        costs = await component_costs(app, factory, users, per_user, reps=max(2, runs // 2))
        # for comparison, not a target: the answer cache on, the eval questions repeated
        app.questions.cache_size = CACHE_SIZE
        cached_rates = []
        for _ in range(runs):
            payloads = repeated.burst(first_user=next_user, users=users, per_user=per_user)
            next_user += users
            cached_rates.append(await harnesses["question"].run("sequential", payloads, batch, record=False))
        distinct_texts = len(seen)
        asked = await app.db.fetchone("SELECT count(*) FROM questions")
        upserted = await app.db.fetchone("SELECT count(*) FROM users")
        await app.shutdown()
        await echo_bot.session.close()

    echo, question = harnesses["echo"], harnesses["question"]
    rows = []
    summary_modes: dict[str, Any] = {}
    for mode in MODES:
        e, q = median(echo.rates[mode]), median(question.rates[mode])
        paired = median([qq / ee for qq, ee in zip(question.rates[mode], echo.rates[mode], strict=True)])
        summary_modes[mode] = {
            "echo_ups": e,
            "question_ups": q,
            "ratio": q / e,
            "ratio_paired_median": paired,
            "echo_runs": echo.rates[mode],
            "question_runs": question.rates[mode],
        }
        for h, v in ((echo, e), (question, q)):
            rows.append(
                [f"{mode:<10}  {h.name}", v, min(h.rates[mode]), max(h.rates[mode]), 1000.0 / v,
                 f"{v / e:.2f}" if h is question else "1.00 (baseline)"]
            )

    cached = median(cached_rates)
    rows.append(
        ["sequential  question, answer cache ON, repeated questions", cached, min(cached_rates), max(cached_rates),
         1000.0 / cached, f"{cached / summary_modes['sequential']['echo_ups']:.2f} (info)"]
    )
    out.print("")
    out.table(["mode / path", "updates/s", "min", "max", "ms/update", "vs echo"], rows)
    for mode, s in summary_modes.items():
        out.print(
            f"{mode}: question/echo = {s['ratio']:.2f} (median of per-run ratios {s['ratio_paired_median']:.2f}); "
            f"runs echo [{', '.join(f'{v:,.0f}' for v in s['echo_runs'])}], "
            f"question [{', '.join(f'{v:,.0f}' for v in s['question_runs'])}]"
        )
    seq_question_ms = 1000.0 / summary_modes["sequential"]["question_ups"]
    seq_echo_ms = 1000.0 / summary_modes["sequential"]["echo_ups"]
    breakdown = {
        "echo_path_ms": seq_echo_ms,
        "search_uncached_ms": costs["search"],
        "ask_no_cache_ms": costs["ask"],
        "rest_of_question_path_ms": seq_question_ms - costs["ask"],
        "question_path_ms": seq_question_ms,
    }
    out.print("\nwhere a sequential question update's time goes (parts called directly, same messages)")
    out.table(
        ["part", "ms/update", "share"],
        [
            ["QuestionService.ask (no answer cache: search + batched log)", breakdown["ask_no_cache_ms"],
             f"{breakdown['ask_no_cache_ms'] / seq_question_ms:.0%}"],
            ["the rest: dispatch, middlewares (user upsert), render, send", breakdown["rest_of_question_path_ms"],
             f"{breakdown['rest_of_question_path_ms'] / seq_question_ms:.0%}"],
            ["= full question path (sequential median)", seq_question_ms, "100%"],
            ["   for scale: full echo path", seq_echo_ms, f"{seq_echo_ms / seq_question_ms:.0%}"],
            ["   of which SearchService.search", breakdown["search_uncached_ms"],
             f"{breakdown['search_uncached_ms'] / seq_question_ms:.0%}"],
        ],
    )
    out.print(
        f"checks: questions table {int(asked[0]) if asked else 0:,} rows, users table "
        f"{int(upserted[0]) if upserted else 0:,} rows; {distinct_texts:,} distinct question texts asked"
    )
    problems = echo.problems + question.problems
    for p in problems:
        out.print(f"WARNING: {p}")
    if not problems:
        out.print("checks: every update handled with exactly one sendMessage, in both paths and modes")

    elapsed = time.perf_counter() - t_start
    ok = all(s["ratio"] >= TARGET_RATIO for s in summary_modes.values()) and not problems
    summary = (
        f"SUMMARY throughput: {verdict(ok)} - question (every question different, no answer cache)/echo "
        + ", ".join(
            f"{mode} {s['ratio']:.2f} ({s['question_ups']:,.0f} vs {s['echo_ups']:,.0f} upd/s)"
            for mode, s in summary_modes.items()
        )
        + f" (target >= {TARGET_RATIO:.2f}); {users} users x {per_user} questions; ran {elapsed:.0f} s"
    )
    out.print("\n" + summary)
    result = {
        "bench": "throughput",
        "quick": args.quick,
        "machine": info,
        "runs": runs,
        "users": users,
        "per_user": per_user,
        "updates_per_run": n,
        "batch": batch,
        "modes": summary_modes,
        "sequential_answer_cache_on_repeated_ups": cached,
        "distinct_question_texts": distinct_texts,
        "breakdown_sequential_ms": breakdown,
        "target": {"ratio_min": TARGET_RATIO},
        "problems": problems,
        "pass": ok,
        "elapsed_s": elapsed,
        "summary": summary,
    }
    out.emit_json(result)
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = burst_args(__doc__ or "", "mode")
    p.add_argument("--batch", type=int, default=50, help="concurrent batch size (default 50)")
    return p.parse_args(argv)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parse_args()))
    sys.exit(0)
