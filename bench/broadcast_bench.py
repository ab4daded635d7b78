"""Invitation campaigns: delivery rate of the paced sender, its raw speed, and the bot's memory.

The fake Bot API (tests/fake_telegram.py) runs in a child process of its own and is reached over
real HTTP on 127.0.0.1, so the sender and the fake don't share one core or one event loop. Its
recorded call times (`Call.time`, `time.monotonic()`, the same clock in every process on Linux)
are what the rates are computed from. The fake's automatic garbage collector is off during a run
(it collects between runs): its full collections stalled it for ~0.2 s, and the requests queued
meanwhile arrived as one burst. Every campaign copies one admin message (a text with a
bold entity) with the "Подать заявку" URL button and the "Отписаться" button, as the composer does.

* paced - `create_app` pointed at the fake (settings BROADCAST_RATE=R), N users pre-inserted into
  SQLite, `CampaignRepository.create` + `launch`, then `await app.broadcaster.send_campaign(...)`
  in this process. The fake enforces a global limit (its sliding one-second window answers 429).
  Rate = deliveries per second over the steady part: the first and the last 5% of deliveries are
  left out. Also shown: the median of the per-second counts over that part. Targets: rate >= 95%
  of BROADCAST_RATE, zero 429s. A 10,000-recipient campaign at the default 25/s takes ~400 s, so
  the full run does 10,000 recipients at BROADCAST_RATE=200 against a 250/s fake limit and
  2,000 recipients at the default 25/s against the 30/s limit (~80 s); --quick does 500 at 100/s
  against 120/s.
* unlimited - the same with BROADCAST_RATE=1000 (the highest the settings accept) and no limit in
  the fake: how fast the sender itself goes, plus the CPU each process used; median of --runs=3
  runs. Reported, no target. Diagnostics (where the time goes): the sender's pacer
  alone in an idle event loop; the same campaign with the limiter replaced
  by a no-op; and only its state writes (two `CampaignRepository.mark` per recipient, IN_FLIGHT at
  a time, no network).
* memory - the whole bot: `python -m bot` as a child process with the default settings (so
  SEMANTIC_SEARCH on: the near-synonyms are built at start in a child process of the bot's own,
  `python -m storage.neighbours`, which loads the embeddings; the bot process never does),
  polling the fake, with 100,000 users and a campaign created and launched in its database
  beforehand (BROADCAST_RATE=1000; the campaign is launched for a moment --memory-idle=40 s
  (quick 30 s) ahead, so the bot first starts, builds the near-synonyms and idles, then its
  broadcaster starts the campaign by itself). Once the near-synonyms are in the database, the
  fake sends the bot 20 questions from 20 users (it answers them), then the bot idles. RSS is
  sampled from /proc/<pid>/status every 0.5 s, and that of the bot's child processes; the idle
  RSS (polling, near-synonyms built, questions answered, campaign not begun) is the baseline; the
  bot sends until the fake has received a copy for every recipient (or for --memory-seconds of
  sending if given; quick: 10 s) and the peak is VmHWM read just before it is stopped with
  SIGTERM. Target: idle and peak RSS <= 200 MB (issue 9).

Every run checks: the campaign ends "done", every recipient got exactly one copy of the admin's
message with both buttons, no refused call other than 429s, no "message is not modified" edit.
"peak 1 s" is the most copyMessage requests the fake received in any one-second window.

    .venv/bin/python bench/broadcast_bench.py [--quick] [--json] [--only paced|unlimited|memory]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import math
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import ROOT, Output, load_eval_questions, machine_info, machine_line, median, verdict

from bot.app import create_app
from bot.services.broadcast import IN_FLIGHT, Pacer
from bot.settings import Settings
from storage.campaigns import CampaignRepository
from storage.db import Database

ADMIN = 900
IDLE_ASKER = 700_001  # the users who ask the idle questions (not recipients: the audience is fixed at launch)
FIRST_USER = 10_000_001
JOIN_SLUG = "interregional-chemical"
TEXT = "Приглашение в кластер: новые меры поддержки и встреча участников 1 декабря"
BOLD = {"type": "bold", "offset": 0, "length": len("Приглашение")}
RATE_TARGET = 0.95  # of BROADCAST_RATE, over the steady part
MEMORY_TARGET_MB = 200.0  # idle and peak, the bot process itself (issue 9)
IDLE_QUESTIONS = 20  # asked once the near-synonyms are built, before the idle samples
MEMORY_USERS = 100_000
SCRIPT = Path(__file__).resolve()
TRIM = 0.05  # the first and the last 5% of deliveries are not the steady part


# ---------------------------------------------------------------------------------- the fake, in a child


async def serve_fake() -> None:
    """The child: one FakeTelegram at a time; JSON commands on stdin, one JSON answer per line."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.fake_telegram import FakeTelegram  # tests/ is not an installed package

    fake: FakeTelegram | None = None
    pauses: list[float] = []  # the fake's own garbage-collection pauses (s): a stalled receiver
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            pauses.append(time.perf_counter() - gc_started[0])

    gc.callbacks.append(on_gc)
    # Its automatic collector is off: with tens of thousands of recorded calls a full collection
    # stalls the fake for ~0.2 s, the requests sent meanwhile (up to IN_FLIGHT) then arrive at
    # once, and that burst alone can exceed the limit. Collected between runs instead.
    gc.disable()
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            break
        cmd = json.loads(line)
        answer: dict[str, Any] = {}
        if cmd["cmd"] == "start":
            if fake is not None:
                await fake.stop()
            fake = FakeTelegram()
            await fake.start()
            fake.global_rate_limit = cmd.get("limit")
            fake.add_user(ADMIN, "Админ")
            mid = fake._new_message_id(ADMIN)  # the admin's message, without an update to poll
            fake.user_messages[(ADMIN, mid)] = {
                "message_id": mid, "from": dict(fake.users[ADMIN]), "chat": dict(fake.chats[ADMIN]),
                "date": int(time.time()), "text": TEXT, "entities": [BOLD],
            }
            gc.collect()  # the previous fake's objects go now, not in the middle of this run
            pauses.clear()
            answer = {"url": fake.url, "token": fake.token, "source_message_id": mid,
                      "bot_username": fake.bot_username}
        elif cmd["cmd"] == "count":
            assert fake is not None
            answer = {"copies": sum(1 for c in fake.calls if c.method == "copyMessage" and c.status == 200),
                      "polls": sum(1 for c in fake.calls if c.method == "getUpdates")}
        elif cmd["cmd"] == "stats":
            assert fake is not None
            copies = [c for c in fake.calls if c.method == "copyMessage" and c.status is not None]
            statuses: dict[str, int] = {}
            methods: dict[str, int] = {}
            for c in fake.calls:
                methods[c.method] = methods.get(c.method, 0) + 1
            for c in copies:
                statuses[str(c.status)] = statuses.get(str(c.status), 0) + 1
            ok = [c for c in copies if c.status == 200]
            arrivals = sorted(c.time for c in copies)
            peak, j = 0, 0
            for i, t in enumerate(arrivals):  # the most requests in any one-second window
                while arrivals[j] <= t - 1.0:
                    j += 1
                peak = max(peak, i - j + 1)
            gaps = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
            chats = {c.params.get("chat_id") for c in ok}
            sample = ok[len(ok) // 2] if ok else None
            answer = {
                "ok_times": [c.time for c in ok],
                "statuses": statuses,
                "methods": methods,
                "rate_limited": fake.rate_limited_count,
                "peak_1s": peak,
                "max_gap_s": max(gaps) if gaps else 0.0,
                "fake_gc_max_s": max(pauses, default=0.0),
                "distinct_chats": len(chats),
                "not_modified": sum(1 for c in fake.calls if c.error and "message is not modified" in c.error),
                "errors": [c.short(160) for c in fake.calls
                           if c.status not in (None, 200, 429) and c.method != "getUpdates"][:5],
                "sample_copy": None if sample is None else {
                    "from_chat_id": sample.params.get("from_chat_id"),
                    "message_id": sample.params.get("message_id"),
                    "reply_markup": sample.params.get("reply_markup"),
                },
                "cpu_s": _cpu_seconds(os.getpid()),
            }
        elif cmd["cmd"] == "calls":  # for digging into a run: every copyMessage, in arrival order
            assert fake is not None
            answer = {"calls": [(c.time, c.status, c.params.get("chat_id")) for c in fake.calls
                                if c.method == "copyMessage"]}
        elif cmd["cmd"] == "ask":  # users send the bot questions; answered = a bot message in each chat
            assert fake is not None
            for i, text in enumerate(cmd["texts"]):
                fake.send_text(cmd["first_user"] + i, text)
            answer = {}
        elif cmd["cmd"] == "answered":
            assert fake is not None
            answer = {"chats": sum(1 for i in range(cmd["n"]) if fake.sent_to(cmd["first_user"] + i))}
        elif cmd["cmd"] == "cpu":
            answer = {"cpu_s": _cpu_seconds(os.getpid())}
        elif cmd["cmd"] == "quit":
            break
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    if fake is not None:
        await fake.stop()


class FakeProcess:
    """The parent's handle on the fake's child process."""

    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None

    async def open(self, log_path: Path) -> None:
        self.log = log_path.open("wb")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, str(SCRIPT), "--serve-fake",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=self.log,
            limit=64 * 1024 * 1024,
        )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def ask(self, cmd: str, **params: Any) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write((json.dumps({"cmd": cmd, **params}) + "\n").encode())
        await self.proc.stdin.drain()
        line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the fake Bot API process died; see {self.log.name}")
        return json.loads(line)

    async def close(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            try:
                await asyncio.wait_for(self.ask("quit"), 5)
            except (RuntimeError, TimeoutError, BrokenPipeError, ConnectionResetError, json.JSONDecodeError):
                pass
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self.log.close()


# ---------------------------------------------------------------------------------- helpers


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process in kB (empty once it is gone)."""
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


def _children(pid: int) -> list[int]:
    """Direct child processes of `pid` (from /proc/<pid>/task/*/children)."""
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _neighbour_words(db_path: Path) -> int:
    """Rows of word_neighbours in the bot's database (0 until the near-synonyms are built)."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1.0) as conn:
            return int(conn.execute("SELECT count(*) FROM word_neighbours").fetchone()[0])
    except sqlite3.Error:
        return 0


def steady_rate(times: list[float]) -> dict[str, float]:
    """Deliveries/s over the steady part (first and last 5% left out) and per-second counts."""
    times = sorted(times)
    n = len(times)
    if n < 3:
        return {"n": n, "steady_rate": math.nan, "overall_rate": math.nan, "median_per_s": math.nan,
                "min_per_s": math.nan, "max_per_s": math.nan, "span_s": 0.0, "steady_n": 0}
    lo, hi = int(n * TRIM), n - int(n * TRIM)
    part = times[lo:hi]
    span = part[-1] - part[0]
    rate = (len(part) - 1) / span if span > 0 else math.nan
    bins: list[int] = []
    t, end = part[0], part[-1]
    i = 0
    while t + 1.0 <= end:  # whole seconds inside the steady part
        count = 0
        while i < len(part) and part[i] < t + 1.0:
            if part[i] >= t:
                count += 1
            i += 1
        bins.append(count)
        t += 1.0
    return {
        "n": n,
        "steady_n": len(part),
        "steady_rate": rate,
        "overall_rate": (n - 1) / (times[-1] - times[0]) if times[-1] > times[0] else math.nan,
        "median_per_s": median(bins) if bins else math.nan,
        "min_per_s": float(min(bins)) if bins else math.nan,
        "max_per_s": float(max(bins)) if bins else math.nan,
        "span_s": times[-1] - times[0],
    }


async def seed(db: Database, users: int) -> None:
    batch = 20_000
    for start in range(0, users, batch):
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO users (id, first_name, language_code) VALUES (?, ?, ?)",
                [(FIRST_USER + i, f"Участник {i}", "en" if i % 5 == 0 else "ru")
                 for i in range(start, min(users, start + batch))],
            )


async def launch(repo: CampaignRepository, source_message_id: int,
                 send_at: float | None = None) -> tuple[int, int, float]:
    """(campaign id, recipients, seconds the INSERT … SELECT of the audience took)."""
    campaign = await repo.create(ADMIN, ADMIN, source_message_id, TEXT, JOIN_SLUG, True, {"kind": "all", "value": None})
    t0 = time.perf_counter()
    total = await repo.launch(campaign.id, send_at)
    return campaign.id, total, time.perf_counter() - t0


async def limiter_alone(rate: float, seconds: float = 2.0) -> float:
    """Acquisitions/s of the sender's pacer (bot.services.broadcast.Pacer) in an otherwise idle loop."""
    limiter = Pacer(rate)
    n = max(10, int(rate * seconds))
    await limiter.acquire()
    t0 = time.monotonic()
    for _ in range(n):
        await limiter.acquire()
    return n / (time.monotonic() - t0)


async def imports_rss(module: str) -> float:
    """Peak RSS (MB) of a fresh interpreter that only imports `module`."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c",
        f"import {module}, pathlib; print(pathlib.Path('/proc/self/status').read_text())",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )
    stdout, _ = await proc.communicate()
    for line in stdout.decode().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


# ---------------------------------------------------------------------------------- in-process runs


class NoLimiter:
    """Stands in for the sender's pacer in the diagnostic run: no pacing at all."""

    async def acquire(self, amount: float = 1) -> None:
        return None


async def run_in_process(fake: FakeProcess, tmp: Path, name: str, recipients: int, rate: float,
                         limit: float | None, *, no_limiter: bool = False) -> dict[str, Any]:
    info = await fake.ask("start", limit=limit)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, bot_token=info["token"], telegram_api_url=info["url"],
        database_path=tmp / f"{name}.sqlite3", broadcast_rate=rate, admin_ids=[ADMIN],
    )
    app = create_app(settings)
    if no_limiter:
        app.broadcaster.limiter = NoLimiter()  # type: ignore[assignment]
    await app.startup()
    try:
        await seed(app.db, recipients)
        repo = app.broadcaster.repo
        campaign_id, total, launch_s = await launch(repo, info["source_message_id"])
        campaign = await repo.get(campaign_id)
        assert campaign is not None
        cpu_fake0 = (await fake.ask("cpu"))["cpu_s"]
        cpu0, t0 = time.process_time(), time.monotonic()
        status = await app.broadcaster.send_campaign(campaign)
        wall = time.monotonic() - t0
        cpu = time.process_time() - cpu0
        counts = await repo.counts(campaign_id)
    finally:
        await app.shutdown()
        await app.bot.session.close()
    stats = await fake.ask("stats")
    figures = steady_rate(stats["ok_times"])
    problems = []
    if status != "done":
        problems.append(f"campaign ended {status}")
    if counts["sent"] != total or total != recipients:
        problems.append(f"sent {counts['sent']} of {total} (expected {recipients})")
    if stats["distinct_chats"] != figures["n"]:
        problems.append(f"{figures['n'] - stats['distinct_chats']} repeated copies")
    if stats["not_modified"]:
        problems.append(f"{stats['not_modified']} 'message is not modified' edits")
    if stats["errors"]:
        problems.append(f"refused calls: {stats['errors']}")
    sample = stats["sample_copy"] or {}
    markup = json.dumps(sample.get("reply_markup"), ensure_ascii=False)
    if sample.get("from_chat_id") != ADMIN or sample.get("message_id") != info["source_message_id"] \
            or f"?start=join_{JOIN_SLUG}__c{campaign_id}" not in markup or "sb:0" not in markup:
        problems.append(f"unexpected copy {sample}")
    return {
        "name": name,
        "recipients": recipients,
        "broadcast_rate": rate,
        "fake_limit": limit,
        "launch_s": launch_s,
        "wall_s": wall,
        "sender_cpu_s": cpu,
        "fake_cpu_s": stats["cpu_s"] - cpu_fake0,
        "status": status,
        "counts": counts,
        "rate_limited": stats["rate_limited"],
        "statuses": stats["statuses"],
        "progress_edits": stats["methods"].get("editMessageText", 0),
        "peak_1s": stats["peak_1s"],
        "max_gap_s": stats["max_gap_s"],
        "fake_gc_max_s": stats["fake_gc_max_s"],
        "problems": problems,
        **figures,
    }


async def db_writes_alone(tmp: Path, recipients: int, concurrency: int = IN_FLIGHT) -> dict[str, Any]:
    """Only the per-recipient state writes the sender makes (mark sending, mark sent), as many
    at a time as it keeps in flight."""
    db = Database(tmp / "db-only.sqlite3")
    await db.open()
    try:
        await seed(db, recipients)
        repo = CampaignRepository(db)
        campaign_id, _, _ = await launch(repo, 1)
        queue = list(range(FIRST_USER, FIRST_USER + recipients))

        async def worker() -> None:
            while queue:
                uid = queue.pop()
                await repo.mark(campaign_id, uid, "sending")
                await repo.mark(campaign_id, uid, "sent", None, attempt=True)

        t0 = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.monotonic() - t0
    finally:
        await db.close()
    return {"recipients": recipients, "concurrency": concurrency, "wall_s": wall, "rate": recipients / wall}


# ---------------------------------------------------------------------------------- the whole bot


async def run_memory(fake: FakeProcess, tmp: Path, users: int, seconds: float, idle: float) -> dict[str, Any]:
    info = await fake.ask("start", limit=None)
    db_path = tmp / "memory.sqlite3"
    db = Database(db_path)
    await db.open()
    try:
        t0 = time.perf_counter()
        await seed(db, users)
        seed_s = time.perf_counter() - t0
        # launched for a moment `idle` seconds ahead: the bot starts, idles (its baseline RSS),
        # then its broadcaster starts the campaign by itself at that time
        campaign_id, total, launch_s = await launch(
            CampaignRepository(db), info["source_message_id"], send_at=time.time() + idle)
    finally:
        await db.close()
    # the default settings: nothing inherited that changes them (SEMANTIC_SEARCH etc.), only what
    # the bench must set; a .env in the checkout would still be read (warned about)
    settings_keys = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in settings_keys
           and not k.endswith(("_IDS", "_TOKEN", "_CHAT_ID"))}
    env.update(
        BOT_TOKEN=info["token"], TELEGRAM_API_URL=info["url"], DATABASE_PATH=str(db_path),
        ADMIN_IDS=str(ADMIN), BROADCAST_RATE="1000", LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1",
    )
    log_path = tmp / "bot-memory.log"
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=ROOT, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
        )
        samples: list[tuple[float, int, int, int]] = []  # (s since start, RSS kB, copies, polls)
        started = time.monotonic()
        first_copy_at: float | None = None
        neighbours_at: float | None = None  # near-synonyms in the database
        neighbour_words = 0
        asked_at: float | None = None
        answered_at: float | None = None
        answered = 0
        children: dict[int, dict[str, Any]] = {}  # pid -> cmdline, peak RSS kB, first/last seen
        questions = [q for q in load_eval_questions() if not q.isascii()][:IDLE_QUESTIONS]
        peak_kb = 0
        try:
            while True:
                await asyncio.sleep(0.5)
                if first_copy_at is None and time.monotonic() - started > 180:
                    break  # hang guard: the bot must start sending
                status = _proc_status(proc.pid)
                if proc.returncode is not None or not status:
                    break
                elapsed = time.monotonic() - started
                for child in _children(proc.pid):
                    cs = _proc_status(child)
                    c = children.setdefault(child, {"cmd": _cmdline(child), "peak_kb": 0, "from_s": elapsed})
                    c["peak_kb"] = max(c["peak_kb"], cs.get("VmHWM", 0), cs.get("VmRSS", 0))
                    c["to_s"] = elapsed
                count = await fake.ask("count")
                copies = count["copies"]
                samples.append((elapsed, status.get("VmRSS", 0), copies, count["polls"]))
                if neighbours_at is None:
                    neighbour_words = await asyncio.to_thread(_neighbour_words, db_path)
                    if neighbour_words:
                        neighbours_at = elapsed
                        await fake.ask("ask", first_user=IDLE_ASKER, texts=questions)
                        asked_at = elapsed
                elif answered_at is None:
                    answered = (await fake.ask("answered", first_user=IDLE_ASKER, n=len(questions)))["chats"]
                    if answered >= len(questions):
                        answered_at = elapsed
                if copies and first_copy_at is None:
                    first_copy_at = elapsed
                if copies >= total:
                    break  # every recipient has its copy
                if first_copy_at is not None and elapsed - first_copy_at >= (seconds or 900):
                    break
            peak_kb = _proc_status(proc.pid).get("VmHWM", 0)
            cpu_bot = _cpu_seconds(proc.pid) if proc.returncode is None else math.nan
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), 20)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
    stats = await fake.ask("stats")
    figures = steady_rate(stats["ok_times"])
    sending = [(t, kb, c) for t, kb, c, _ in samples if first_copy_at is not None and t >= first_copy_at]
    # started, near-synonyms built, the questions answered, not sending yet
    idle_rss = [(t, kb) for t, kb, c, polls in samples
                if polls and not c and answered_at is not None and t > answered_at]
    problems = []
    if neighbours_at is None:
        problems.append("the near-synonyms were not built (SEMANTIC_SEARCH off, or the child failed: see the log)")
    elif first_copy_at is not None and neighbours_at > first_copy_at:
        problems.append("the campaign began before the near-synonyms were built: raise --memory-idle")
    if answered_at is None:
        problems.append(f"only {answered} of {len(questions)} idle questions answered before the campaign")
    if not sending:
        tail = log_path.read_text(errors="replace")[-2000:]
        problems.append(f"the bot sent nothing; its log ends with:\n{tail}")
    if not idle_rss:
        problems.append("no idle sample (the campaign began before the bot was polling, had its near-synonyms "
                        "and had answered the questions): raise --memory-idle")
    if stats["rate_limited"]:
        problems.append(f"{stats['rate_limited']} 429s")
    quarter = sending[len(sending) // 4] if sending else (0.0, 0, 0)
    return {
        "users": users,
        "recipients": total,
        "seed_s": seed_s,
        "launch_s": launch_s,
        "campaign_id": campaign_id,
        "sending_s": (sending[-1][0] - sending[0][0]) if sending else 0.0,
        "sent": stats["statuses"].get("200", 0),
        "copies": samples[-1][2] if samples else 0,
        "send_rate": figures["steady_rate"],
        "peak_rss_mb": peak_kb / 1024,
        "idle_s": (idle_rss[-1][0] - idle_rss[0][0]) if idle_rss else 0.0,
        "rss_idle_mb": idle_rss[-1][1] / 1024 if idle_rss else math.nan,
        "rss_idle_max_mb": max(kb for _, kb in idle_rss) / 1024 if idle_rss else math.nan,
        "neighbours_built_s": neighbours_at,
        "neighbour_words": neighbour_words,
        "questions_asked_s": asked_at,
        "questions_answered_s": answered_at,
        "questions_answered": answered if answered_at is None else len(questions),
        "first_copy_s": first_copy_at,
        "children": [{"cmd": c["cmd"][:120], "peak_rss_mb": c["peak_kb"] / 1024,
                      "seen_s": (round(c["from_s"], 1), round(c.get("to_s", c["from_s"]), 1))}
                     for c in children.values()],
        "dot_env": (ROOT / ".env").is_file(),
        "rss_at_first_copy_mb": sending[0][1] / 1024 if sending else math.nan,
        "rss_quarter_mb": quarter[1] / 1024,
        "rss_last_mb": sending[-1][1] / 1024 if sending else math.nan,
        "rss_median_mb": median([kb / 1024 for _, kb, _ in sending]) if sending else math.nan,
        "bot_cpu_s": cpu_bot,
        "exit_code": proc.returncode,
        "samples": [(round(t, 2), kb, c) for t, kb, c, _ in samples],
        "problems": problems,
    }


# ---------------------------------------------------------------------------------- main


def _print_report(out: Output, runs: list[dict[str, Any]], diagnostics: dict[str, Any],
                  memory: dict[str, Any]) -> None:
    if runs:
        out.print("")
        out.table(
            ["run", "recipients", "BROADCAST_RATE", "fake limit/s", "steady msg/s", "% of rate",
             "median/s", "min/s", "overall msg/s", "peak 1 s", "429s", "wall s"],
            [[r["name"], r["recipients"], r["broadcast_rate"], r["fake_limit"] or "none", r["steady_rate"],
              f"{r['steady_rate'] / r['broadcast_rate']:.1%}", r["median_per_s"], r["min_per_s"],
              r["overall_rate"], r["peak_1s"], r["rate_limited"], r["wall_s"]] for r in runs],
        )
        out.print("peak 1 s = the most copyMessage requests the fake received in any one-second window "
                  "(what its limit counts); median/min = per whole second of the steady part")
        unlimited = [r["steady_rate"] for r in runs if not r["fake_limit"]]
        if unlimited:
            out.print(f"unlimited: median of {len(unlimited)} runs {median(unlimited):,.0f} msg/s "
                      f"(runs: {', '.join(f'{v:,.0f}' for v in unlimited)})")
        out.print("")
        out.table(
            ["run", "sender CPU s", "sender CPU %", "fake CPU s", "fake's longest GC pause s",
             "longest gap s", "launch (INSERT…SELECT) s", "progress edits"],
            [[r["name"], r["sender_cpu_s"], f"{r['sender_cpu_s'] / r['wall_s']:.0%}", r["fake_cpu_s"],
              r["fake_gc_max_s"], r["max_gap_s"], r["launch_s"], r["progress_edits"]] for r in runs],
        )
    if diagnostics:
        out.print("\nwhere the time goes")
        rows = []
        for rate, got in diagnostics.get("limiter_alone", {}).items():
            same = [r["steady_rate"] for r in runs if r["broadcast_rate"] == rate]
            rows.append([f"Pacer at {rate:g}/s alone, idle event loop", got, f"{got / rate:.1%}",
                         f"{median(same) / rate:.1%}" if same else "-"])
        if "no_limiter" in diagnostics:
            d = diagnostics["no_limiter"]
            rows.append([f"the sender over HTTP with its limiter replaced by a no-op, {d['recipients']:,}",
                         d["steady_rate"], "-", "-"])
        if "db_only" in diagnostics:
            d = diagnostics["db_only"]
            rows.append([f"only its state writes: 2 x mark() per recipient, {d['concurrency']} at a time, "
                         f"{d['recipients']:,}", d["rate"], "-", "-"])
        out.table(["part", "per s", "% of rate", "campaign's % of rate"], rows)
    if memory:
        out.print("")
        out.print(
            f"memory (python -m bot, {memory['recipients']:,} recipients launched; seeding {memory['seed_s']:.1f} s, "
            f"launch {memory['launch_s']:.2f} s): {memory['copies']:,} of {memory['recipients']:,} copies "
            f"received in {memory['sending_s']:.0f} s "
            f"({memory['send_rate']:,.0f} msg/s steady); exit code after SIGTERM {memory['exit_code']}"
        )
        out.table(
            ["RSS of the bot process", "MB"],
            [[f"idle: polling, near-synonyms built, {memory['questions_answered']} questions answered, campaign "
              f"not begun (last of {memory['idle_s']:.1f} s of samples; target <= {MEMORY_TARGET_MB:.0f})",
              memory["rss_idle_mb"]],
             ["idle: highest sample", memory["rss_idle_max_mb"]],
             ["at the first copy", memory["rss_at_first_copy_mb"]],
             ["a quarter into the sending", memory["rss_quarter_mb"]],
             ["median while sending", memory["rss_median_mb"]],
             ["last sample while sending", memory["rss_last_mb"]],
             [f"peak, VmHWM (target <= {MEMORY_TARGET_MB:.0f})", memory["peak_rss_mb"]],
             ["peak - idle: what the campaign added", memory["peak_rss_mb"] - memory["rss_idle_mb"]],
             ["for scale: python -c 'import bot.app' (peak)", memory["imports_bot_app_mb"]],
             ["for scale: python -c 'import bot, aiogram' (types built on use)",
              memory["imports_aiogram_deferred_mb"]],
             ["for scale: python -c 'import aiogram' (aiogram builds every type)",
              memory["imports_aiogram_mb"]]],
        )
        nb = memory["neighbours_built_s"]
        out.print(
            "near-synonyms (SEMANTIC_SEARCH default on): "
            + (f"{memory['neighbour_words']:,} words in the database {nb:.1f} s after the bot's start"
               if nb is not None else "NOT built")
            + (f"; {memory['questions_answered']} questions answered by {memory['questions_answered_s']:.1f} s"
               if memory["questions_answered_s"] is not None else "")
            + (f"; first copy at {memory['first_copy_s']:.1f} s" if memory["first_copy_s"] is not None else "")
        )
        for c in memory["children"]:
            out.print(f"  child process of the bot: {c['cmd']!r}, peak RSS {c['peak_rss_mb']:.1f} MB, "
                      f"seen {c['seen_s'][0]:.1f}-{c['seen_s'][1]:.1f} s (not counted in the bot's RSS)")
        if memory["dot_env"]:
            out.print("WARNING: a .env file in the checkout is read by the bot: the settings may not be the defaults")


async def main(args: argparse.Namespace) -> dict[str, Any]:
    out = Output(args.json)
    info = machine_info()
    t_start = time.perf_counter()
    parts = set(args.only or ("paced", "unlimited", "memory"))
    if args.quick:
        paced = [("paced", 500, 100.0, 120.0)]
        unlimited_n = 1_000
    else:
        paced = [("paced", 10_000, 200.0, 250.0), ("paced-default", 2_000, 25.0, 30.0)]
        unlimited_n = 10_000
    if args.recipients:
        paced = [(name, args.recipients, rate, limit) for name, _, rate, limit in paced]
        unlimited_n = args.recipients
    memory_s = args.memory_seconds or (10.0 if args.quick else 0.0)  # 0: until every copy is sent
    memory_users = args.memory_users or MEMORY_USERS
    memory_idle = args.memory_idle or (30.0 if args.quick else 40.0)

    out.print(f"broadcast_bench{' (--quick)' if args.quick else ''}: campaign delivery against the fake Bot API over HTTP")
    out.print(machine_line(info))
    out.print("the fake Bot API runs in its own process; rates come from its recorded call times, "
              f"over the steady part (the first and the last {TRIM:.0%} of deliveries left out)")
    if "paced" in parts and not args.quick and not args.recipients:
        out.print("note: 10,000 recipients at the default 25/s would take ~400 s, so that run uses "
                  "BROADCAST_RATE=200 against a 250/s fake limit; the default 25/s (fake limit 30/s) "
                  "runs with 2,000 recipients")

    runs: list[dict[str, Any]] = []
    memory: dict[str, Any] = {}
    diagnostics: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as tmp_name:
        tmp = Path(tmp_name)
        fake = FakeProcess()
        await fake.open(tmp / "fake.log")
        try:
            if "paced" in parts:
                for name, n, rate, limit in paced:
                    out.print(f"... {name}: {n:,} recipients, BROADCAST_RATE={rate:g}, fake limit {limit:g}/s")
                    runs.append(await run_in_process(fake, tmp, name, n, rate, limit))
            if "unlimited" in parts:
                out.print(f"... unlimited: {unlimited_n:,} recipients, BROADCAST_RATE=1000, no fake limit, "
                          f"{args.runs} runs")
                for i in range(args.runs):
                    runs.append(await run_in_process(fake, tmp, f"unlimited-{i + 1}", unlimited_n, 1000.0, None))
            if "unlimited" in parts:
                out.print("... diagnostics: the same with the sender's limiter replaced by a no-op")
                diagnostics["no_limiter"] = await run_in_process(
                    fake, tmp, "no-limiter", unlimited_n, 1000.0, None, no_limiter=True)
            if "memory" in parts:
                out.print(f"... memory: python -m bot, {memory_users:,} recipients, RSS sampled "
                          + (f"for {memory_s:g} s of sending" if memory_s else "until every copy is sent"))
                memory = await run_memory(fake, tmp, memory_users, memory_s, memory_idle)
                memory["imports_bot_app_mb"] = await imports_rss("bot.app")
                memory["imports_aiogram_deferred_mb"] = await imports_rss("bot, aiogram")
                memory["imports_aiogram_mb"] = await imports_rss("aiogram")
        finally:
            await fake.close()
        out.print("... diagnostics: the limiter alone; the sender's state writes alone")
        diagnostics["limiter_alone"] = {
            rate: await limiter_alone(rate) for rate in sorted({r["broadcast_rate"] for r in runs} | {1000.0})
        }
        if "unlimited" in parts:
            n = min(unlimited_n, 5_000)
            diagnostics["db_only"] = await db_writes_alone(tmp, n)

    _print_report(out, runs, diagnostics, memory)
    checked = runs + ([diagnostics["no_limiter"]] if "no_limiter" in diagnostics else [])
    problems = [f"{r['name']}: {p}" for r in checked for p in r["problems"]]
    problems += [f"memory: {p}" for p in memory.get("problems", [])]
    for p in problems:
        out.print(f"WARNING: {p}")
    if not problems:
        out.print("checks: every campaign done, every recipient exactly one copy of the admin's message "
                  "with both buttons, no refused call other than 429s, no 'message is not modified'")

    paced_runs = [r for r in runs if r["fake_limit"]]
    unlimited_rates = [r["steady_rate"] for r in runs if not r["fake_limit"]]
    rate_ok = all(r["steady_rate"] >= RATE_TARGET * r["broadcast_rate"] and r["rate_limited"] == 0
                  for r in paced_runs)
    memory_ok = (not memory) or (memory["peak_rss_mb"] <= MEMORY_TARGET_MB
                                 and memory["rss_idle_mb"] <= MEMORY_TARGET_MB and bool(memory["sent"]))
    ok = rate_ok and memory_ok and not problems
    elapsed = time.perf_counter() - t_start
    pieces = [
        f"{r['name']} {r['steady_rate']:,.1f}/s = {r['steady_rate'] / r['broadcast_rate']:.1%} of "
        f"{r['broadcast_rate']:g} ({r['recipients']:,} recipients, {r['rate_limited']} 429s)"
        for r in paced_runs
    ]
    if pieces:
        pieces[-1] += f" (target >= {RATE_TARGET:.0%}, 0 429s)"
    if unlimited_rates:
        pieces.append(f"unlimited {median(unlimited_rates):,.0f} msg/s")
    if memory:
        pieces.append(f"peak RSS {memory['peak_rss_mb']:.1f} MB with {memory['recipients']:,} recipients, "
                      f"{memory['copies']:,} copies received (idle {memory['rss_idle_mb']:.1f} MB after the "
                      f"near-synonyms were built; target idle and peak <= {MEMORY_TARGET_MB:.0f} MB)")
    summary = f"SUMMARY broadcast: {verdict(ok)} - " + "; ".join(pieces) + f"; ran {elapsed:.0f} s"
    out.print("\n" + summary)
    result = {
        "bench": "broadcast",
        "quick": args.quick,
        "machine": info,
        "runs": runs,
        "unlimited_median_rate": median(unlimited_rates) if unlimited_rates else math.nan,
        "diagnostics": {
            **diagnostics,
            "limiter_alone": {str(k): v for k, v in diagnostics.get("limiter_alone", {}).items()},
        },
        "memory": memory,
        "target": {"rate_fraction_min": RATE_TARGET, "rate_limited": 0, "peak_rss_mb_max": MEMORY_TARGET_MB},
        "problems": problems,
        "pass": ok,
        "elapsed_s": elapsed,
        "summary": summary,
    }
    out.emit_json(result)
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fast smoke run: 500 recipients at 100/s, 10 s of memory sampling")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout (report on stderr)")
    p.add_argument("--recipients", type=int, default=0, help="recipients of every in-process run (default: see above)")
    p.add_argument("--runs", type=int, default=3, help="runs of the unlimited case, median reported (default 3)")
    p.add_argument("--memory-users", type=int, default=0, help=f"recipients of the memory run (default {MEMORY_USERS:,})")
    p.add_argument("--memory-seconds", type=float, default=0, help="seconds of sending in the memory run (default: until every recipient has a copy; quick 10)")
    p.add_argument("--memory-idle", type=float, default=0,
                   help="seconds from the bot's start to the campaign's start in the memory run (default 40, quick 30): "
                        "the near-synonyms must be built and the idle questions answered before")
    p.add_argument("--only", action="append", choices=("paced", "unlimited", "memory"),
                   help="run only this part (repeatable; default: all three)")
    p.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.serve_fake:
        logging.basicConfig(level=logging.ERROR)
        asyncio.run(serve_fake())
        sys.exit(0)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiogram").setLevel(logging.WARNING)
    asyncio.run(main(arguments))
    sys.exit(0)
