"""Updates/s through an outside harness: the real `python -m bot` process against the fake Bot
API over loopback HTTP (tests/fake_telegram.py), against a bare echo bot process in the same run.

This is how issue 9's baseline was measured ("today about 0.37 through an outside harness"):
each bot long-polls the fake, which holds a burst of private text messages from many new users;
a run is timed from the moment the burst is queued until the fake has received one
sendMessage per message. Both bots pay the same HTTP (getUpdates in batches, one sendMessage
per update); the question bot also does everything it does in production: its own durable
poller, the middlewares, the user upsert and the question log in SQLite, the search
(near-synonyms off, as in throughput_bench: each start would compute them), rendering.
Every question of the whole run is different (the eval questions, then with a greeting, a
closing word and/or a number added), so the bot's answer cache never helps.

bench/throughput_bench.py measures the same ratio without HTTP (dp.feed_update, a local
session): stricter, since there the echo costs only the dispatcher. Both are reported.

    .venv/bin/python bench/outside_bench.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import (
    ROOT,
    Output,
    burst_args,
    load_eval_questions,
    locale_of,
    machine_info,
    machine_line,
    median,
    verdict,
)
from throughput_bench import TARGET_RATIO, DistinctQuestions

from tests.botproc import BotProcess
from tests.fake_telegram import FakeTelegram


class EchoProcess(BotProcess):
    """bench/echo_bot.py as a process (BotProcess's environment and pipes, another program)."""

    async def start(self, *, wait_polling: bool = True, wait_webhook: bool = False) -> None:
        env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
        env.update(BOT_TOKEN=self.fake.token, TELEGRAM_API_URL=self.fake.url, PYTHONUNBUFFERED="1")
        after = self.fake.seq
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "bench" / "echo_bot.py"), cwd=ROOT, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        self._readers = [asyncio.create_task(self._drain(self.proc.stdout, "stdout")),
                         asyncio.create_task(self._drain(self.proc.stderr, "stderr"))]
        await self.fake.wait_for(lambda f: any(c.seq > after and c.method == "getUpdates" for c in f.calls), timeout=30)


async def burst(fake: FakeTelegram, streams: dict[str, DistinctQuestions], first_user: int, users: int,
                per_user: int, rng: random.Random, timeout: float) -> float:
    """Queue users x per_user messages (interleaved; one user in five English) and wait for as
    many replies; updates/s."""
    senders = [first_user + u for u in range(users) for _ in range(per_user)]
    rng.shuffle(senders)
    messages = []
    for uid in senders:
        lang = "en" if uid % 5 == 0 else "ru"
        messages.append((uid, next(streams[lang]), lang))
    mark = len(fake.calls)
    want = len(messages)
    t0 = time.perf_counter()
    for uid, text, lang in messages:
        fake.send_text(uid, text, language_code=lang, first_name="Иван")
    seen = mark
    replies = 0
    while replies < want:
        calls = fake.calls
        for call in calls[seen:]:
            if call.method == "sendMessage" and call.ok:
                replies += 1
        seen = len(calls)
        if replies >= want:
            break
        if time.perf_counter() - t0 > timeout:
            raise RuntimeError(f"only {replies} replies to {want} messages after {timeout:.0f} s")
        await asyncio.sleep(0.002)
    return want / (time.perf_counter() - t0)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    out = Output(args.json)
    rng = random.Random(args.seed)
    runs = args.runs or (2 if args.quick else 5)
    users = args.users or (50 if args.quick else 200)
    per_user = args.per_user or (2 if args.quick else 5)
    questions = load_eval_questions()
    seen: set[str] = set()
    streams = {loc: DistinctQuestions([q for q in questions if locale_of(q) == loc], loc, rng, seen)
               for loc in ("ru", "en")}
    out.print(f"outside_bench{' (--quick)' if args.quick else ''}: updates/s through real processes "
              "polling the fake Bot API over loopback HTTP")
    out.print(machine_line(machine_info()))
    out.print(f"workload per run: {users * per_user:,} private text messages = {users} new users x {per_user} "
              f"questions (interleaved; 1 user in 5 English), queued at once; median of {runs} runs after a "
              "warm-up; every text of the whole run different (the bot's answer cache never hits)")
    t_start = time.perf_counter()
    rates: dict[str, list[float]] = {"echo": [], "question": []}
    with tempfile.TemporaryDirectory(prefix="bench-outside-") as tmp:
        fakes = {"echo": FakeTelegram(token="111:ECHO", bot_id=111, bot_username="echo_bot"),
                 "question": FakeTelegram()}
        for fake in fakes.values():
            await fake.start()
        procs = {"echo": EchoProcess(fakes["echo"], Path(tmp) / "echo.sqlite3"),
                 "question": BotProcess(fakes["question"], Path(tmp) / "bot.sqlite3", LOG_LEVEL="WARNING")}
        try:
            for proc in procs.values():
                await proc.start()
            for name in procs:  # warm-up: imports, caches, SQLite pages
                await burst(fakes[name], streams, 9_000_000, min(users, 50), 2, rng, args.timeout)
            next_user = 1_000_000
            for r in range(runs):
                order = ("echo", "question") if r % 2 == 0 else ("question", "echo")
                for name in order:
                    rates[name].append(await burst(fakes[name], streams, next_user, users, per_user, rng, args.timeout))
                    next_user += users
        finally:
            for proc in procs.values():
                await proc.stop()
            for fake in fakes.values():
                await fake.stop()
    echo, question = median(rates["echo"]), median(rates["question"])
    ratio = question / echo if echo else 0.0
    per_run = median([q / e for q, e in zip(rates["question"], rates["echo"], strict=True)])
    out.print()
    out.print(f"{'bot':<40}  {'updates/s':>9}  {'min':>7}  {'max':>7}  {'ms/update':>9}  vs echo")
    for name, label in (("echo", "echo (aiogram polling, one handler)"), ("question", "question (python -m bot)")):
        values = rates[name]
        out.print(f"{label:<40}  {median(values):>9,.0f}  {min(values):>7,.0f}  {max(values):>7,.0f}  "
                  f"{1000 / median(values):>9.3f}  {median(values) / echo:.2f}")
    out.print(f"runs: echo {[round(v) for v in rates['echo']]}, question {[round(v) for v in rates['question']]}; "
              f"median of per-run ratios {per_run:.2f}")
    ok = ratio >= TARGET_RATIO
    out.print(f"\nSUMMARY outside: {verdict(ok)} - question (every question different)/echo {ratio:.2f} "
              f"({question:,.0f} vs {echo:,.0f} upd/s) (target >= {TARGET_RATIO:.2f}); {users} users x {per_user} "
              f"questions through loopback HTTP; ran {time.perf_counter() - t_start:.0f} s")
    summary = {"ratio": round(ratio, 3), "echo": round(echo, 1), "question": round(question, 1), "ok": ok}
    out.emit_json(summary)
    return summary


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = burst_args(__doc__ or "", "bot")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds a run may take at most")
    return p.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
