"""A randomized hostile run against the real `python -m bot` process over HTTP.

The fake Bot API (tests/fake_telegram.py) runs in this process; the bot is started as it is
in production (`python -m bot`, long polling) on a fresh database. Then --users people (a
seeded random mix of managers, one staff member and one outsider in the staff group) send
--updates updates between them, each person one at a time as a Telegram client would:

* texts: questions, form answers (valid and invalid ИНН, phones, e-mails, regions), markup
  (`<b>`, `</i>`, `&amp;`, `<script>`), 4,096-character texts, emoji-only texts (2 UTF-16 units
  each), zero-width and right-to-left characters;
* commands, known and unknown, with hostile arguments and deep links (`/start join_<slug>`,
  `/start join_<script>`, a 64-character payload);
* presses of the buttons the bot showed (so people walk through menus, the join dialogue,
  /privacy, cards), and forged presses: garbage, old formats, real prefixes with forged or
  out-of-range values, other people's application ids;
* what the bot doesn't read: stickers, photos, documents, voice messages, contacts (own and
  someone else's);
* in the staff group: the staff member presses card buttons and replies to cards and prompts
  with the same hostile texts; the outsider presses them too and talks in the group.

Measured, and printed as a table (with --json also as JSON on stdout):

* updates sent; replies expected (every private message; every message a staff member sends as
  a reply to the bot's message in the group) and replies given (the bot sent or edited a
  message in that chat, or answered with a document, within --timeout seconds);
* presses sent and presses answered (answerCallbackQuery for that very press);
* tracebacks and ERROR lines in the bot's stderr;
* requests a real Bot API would refuse: every answer of the fake that is not 200 and was not
  injected (bad HTML, too long, bad button data, unknown message, message not modified...),
  by description;
* with --faults P, the fake also answers P % of the bot's sendMessage, editMessageText and
  answerCallbackQuery calls with 500 (those injected failures are counted apart, and a reply
  counts as given when the bot's later attempt or its error message got through).

Targets (without --faults): every update that expects a reply gets one, every press is
answered, 0 tracebacks, 0 refused requests. Exit code 0 either way (it is a report).

    .venv/bin/python bench/hostile_bench.py [--updates 2000] [--users 25] [--seed 8]
                                            [--faults 5] [--timeout 10] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import ROOT, Output, machine_info, machine_line, verdict

sys.path.insert(0, str(ROOT))

from tests.botproc import BotProcess  # noqa: E402
from tests.fake_telegram import ApiError, Call, FakeTelegram  # noqa: E402

STAFF_CHAT = -1001999000111
STAFF = 700
ADMIN = 900
OUTSIDER = 555
FIRST_USER = 610_000

OUTPUT_METHODS = {
    "sendMessage", "editMessageText", "editMessageCaption", "editMessageReplyMarkup",
    "sendDocument", "sendPhoto", "copyMessage", "forwardMessage", "sendVideo", "sendAnimation",
}
FAULT_METHODS = {"sendMessage", "editMessageText", "answerCallbackQuery"}

VALID_INNS = ["7707083893", "7736050003", "7702070139", "500100732259", "7728168971"]
LONG = "Очень длинный вопрос о кластерах и мерах поддержки. " * 90

TEXTS = [
    "какие кластеры есть", "что производит тверской кластер", "какие меры поддержки",
    "как вступить в кластер", "субсидии для участников кластера", "растворители",
    "Здравствуйте! Подскажите пожалуйста, какой кластер делает катализаторы?",
    "пробки в Барнауле сегодня", "привет", "спасибо", "помощь",
    "<b>жирный</b> вопрос", "</i> закрывающий тег", "&amp; &lt; &#x27; &nbsp;", "<script>alert(1)</script>",
    "a < b > c & d", "<a href=\"tg://user?id=1\">ссылка</a>", "@all #тег /notacommand",
    LONG[:4096], "😀" * 2048, "x" * 4096, "\u200b\u200f\u202e перевёрнутый текст", "   .   ",
    "ООО «Химпром» <Тест & Ко>", "Иванов Иван Иванович, директор", "Самара", "Омская обл.",
    "Санкт-Петербург", "Татарстан", "нигдеград", "+7 (999) 123-45-67", "8 912 000 11 22", "12345",
    "ivan@example.com", "not-an-email", "ivan@@example..com", "-", "пропустить", "нет",
    "1027700132195", "123", "0000000000", "7707083894", *VALID_INNS,
    "20.14, 20.59", "шины и резинотехнические изделия", "Да", "Отмена",
]
COMMANDS = [
    "/start", "/menu", "/help", "/clusters", "/support", "/join", "/applications", "/privacy",
    "/language", "/cancel", "/subscribe", "/unsubscribe", "/export", "/broadcast", "/campaigns",
    "/chatid", "/queue", "/foo", "/start join_interregional-chemical", "/start join_tver",
    "/start join_<script>", "/start join_interregional-chemical__c999999", "/start " + "z" * 64,
    "/start join_", "/start __", "/join@cluster_test_bot", "/help extra <b>args</b>",
    "/export 2026-13-45", "/export 2026-01-01 2025-01-01",
]
FORGED = [
    "", "x", "garbage:data", "st:accept:1", "st:take:999999", "st:reject:-1", "st:info:1:2:3",
    "ma:1", "ma:999999", "ar:1", "ho:1", "pv:delete", "pv:confirm", "bc:send:1", "cp:stop:1",
    "fm:edit:inn", "fm:region:9999", "fm:cluster:0", "fm:cluster:abc", "j:1", "c:999:0", "m:nope",
    "lg:xx", "sb:0", "ex:::1", "ex:new:0:7:1", "rg:999", "me:9999", "f:9999", "ml:zz",
    "old_format_button", "🙂", "a" * 64,
]


@dataclass
class Person:
    user_id: int
    chat_id: int
    role: str  # manager | staff | outsider
    lang: str = "ru"


@dataclass
class Stats:
    updates: int = 0
    messages: int = 0
    replies_expected: int = 0
    replies_given: int = 0
    presses: int = 0
    presses_answered: int = 0
    by_kind: Counter = field(default_factory=Counter)
    missing: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)


class HostileFake(FakeTelegram):
    """The fake Bot API, also failing a share of the bot's calls with 500 when asked."""

    def __init__(self, *args: Any, fault_share: float = 0.0, seed: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fault_share = fault_share
        self.fault_rng = random.Random(seed)
        self.injected: set[int] = set()

    def _injected_failure(self, call: Call) -> ApiError | None:
        failure = super()._injected_failure(call)
        if failure is None and self.fault_share and call.method in FAULT_METHODS:
            if self.fault_rng.random() < self.fault_share:
                failure = ApiError(500, "Internal Server Error")
        if failure is not None:
            self.injected.add(call.seq)
        return failure


class Driver:
    def __init__(self, fake: HostileFake, rng: random.Random, stats: Stats, timeout: float) -> None:
        self.fake = fake
        self.rng = rng
        self.stats = stats
        self.timeout = timeout

    # ------------------------------------------------------------------ observing the bot

    def _outputs_to(self, chat_id: int, after: int) -> list[Call]:
        return [
            c for c in self.fake.calls
            if c.seq > after and c.method in OUTPUT_METHODS and c.ok and _chat_of(c) == chat_id
        ]

    async def _quiet(self, chat_id: int, quiet: float = 0.15, limit: float = 2.0) -> None:
        """Wait until the bot has been quiet in this chat for `quiet` seconds (or `limit`)."""
        start = time.monotonic()
        last = self._last_seq_for(chat_id)
        since = time.monotonic()
        while time.monotonic() - start < limit:
            await asyncio.sleep(0.05)
            now_last = self._last_seq_for(chat_id)
            if now_last != last:
                last, since = now_last, time.monotonic()
            elif time.monotonic() - since >= quiet and not self._pending_to(chat_id):
                return

    def _last_seq_for(self, chat_id: int) -> int:
        for c in reversed(self.fake.calls):
            if _chat_of(c) == chat_id:
                return c.seq
        return 0

    def _pending_to(self, chat_id: int) -> bool:
        return any(c.status is None and _chat_of(c) == chat_id for c in self.fake.calls[-50:])

    async def _wait(self, predicate: Any) -> bool:
        try:
            await self.fake.wait_for(lambda f: bool(predicate()), timeout=self.timeout)
            return True
        except AssertionError:
            return False

    # ------------------------------------------------------------------ acting

    async def message(self, person: Person, kind: str, send: Any, expects_reply: bool, label: str) -> None:
        mark = self.fake.seq
        began = time.monotonic()
        send()
        self.stats.updates += 1
        self.stats.messages += 1
        self.stats.by_kind[kind] += 1
        if expects_reply:
            self.stats.replies_expected += 1
            if await self._wait(lambda: self._outputs_to(person.chat_id, mark)):
                self.stats.replies_given += 1
                self.stats.latencies.append(time.monotonic() - began)
            else:
                self.stats.missing.append(f"no reply to {kind} from {person.role} {person.user_id}: {label[:60]!r}")
        await self._quiet(person.chat_id)

    async def press(self, person: Person, message: Any, data: str, kind: str) -> None:
        began = time.monotonic()
        cq = self.fake.press(person.user_id, message, data, chat_id=message.chat_id)
        self.stats.updates += 1
        self.stats.presses += 1
        self.stats.by_kind[kind] += 1
        if await self._wait(lambda: cq in self.fake.callback_answers):
            self.stats.presses_answered += 1
            self.stats.latencies.append(time.monotonic() - began)
        else:
            self.stats.missing.append(f"press not answered ({kind}) by {person.role} {person.user_id}: {data[:40]!r}")
        await self._quiet(message.chat_id)
        if person.chat_id != message.chat_id:
            await self._quiet(person.chat_id)

    def _recent_with_buttons(self, chat_id: int) -> list[Any]:
        msgs = [m for m in self.fake.sent_to(chat_id) if m.buttons and not m.deleted]
        return msgs[-4:]

    async def manager_step(self, person: Person) -> None:
        rng = self.rng
        roll = rng.random()
        recent = self._recent_with_buttons(person.chat_id)
        if roll < 0.38 and recent:
            msg = recent[-1] if rng.random() < 0.75 else rng.choice(recent)
            pressable = [b for b in msg.buttons if "callback_data" in b]
            if pressable:
                button = rng.choice(pressable)
                await self.press(person, msg, button["callback_data"], "press")
                return
        if roll < 0.46 and recent:
            await self.press(person, rng.choice(recent), rng.choice(FORGED), "forged press")
            return
        if roll < 0.70:
            text = rng.choice(TEXTS)
            await self.message(person, "text", lambda: self.fake.send_text(person.user_id, text), True, text)
        elif roll < 0.86:
            text = rng.choice(COMMANDS)
            await self.message(person, "command", lambda: self.fake.send_text(person.user_id, text), True, text)
        else:
            kind = rng.choice(["sticker", "photo", "document", "voice", "contact", "contact-other"])
            await self.message(person, kind, lambda: self._non_text(person, kind), True, kind)

    def _non_text(self, person: Person, kind: str) -> int:
        uid = person.user_id
        if kind == "sticker":
            return self.fake.send_sticker(uid)
        if kind == "photo":
            return self.fake.send_photo(uid, caption=self.rng.choice(["<b>фото</b>", None, "x" * 1024]))
        if kind == "document":
            return self.fake.send_document(uid, "выписка <ЕГРЮЛ>.pdf", b"%PDF-1.4 fake", mime_type="application/pdf")
        if kind == "voice":
            return self.fake.send_voice(uid)
        if kind == "contact":
            return self.fake.send_contact(uid, "+79991234567")
        return self.fake.send_contact(uid, "+79997654321", "Чужой", contact_user_id=None)

    async def group_step(self, person: Person) -> None:
        """Staff and an outsider in the staff group: card buttons, replies, talk."""
        rng = self.rng
        recent = [m for m in self.fake.sent_to(STAFF_CHAT) if not m.deleted][-6:]
        roll = rng.random()
        carded = [m for m in recent if m.buttons]
        if roll < 0.45 and carded:
            msg = rng.choice(carded)
            pressable = [b for b in msg.buttons if "callback_data" in b]
            data = rng.choice(pressable)["callback_data"] if pressable and rng.random() < 0.85 else rng.choice(FORGED)
            await self.press(person, msg, data, "staff press" if person.role == "staff" else "outsider press")
            return
        text = rng.choice(TEXTS + ["/cancel", "/chatid", "/export"])
        target = rng.choice(recent).message_id if recent and rng.random() < 0.8 else None
        # a staff member's reply to a bot message is relayed or refused: a reply is expected
        expects = person.role == "staff" and target is not None
        await self.message(
            person, "group reply" if target else "group text",
            lambda: self.fake.send_text(person.user_id, text, chat_id=STAFF_CHAT, reply_to_message_id=target),
            expects, text,
        )


def _chat_of(call: Call) -> int | None:
    try:
        return int(call.params.get("chat_id"))
    except (TypeError, ValueError):
        return None


async def run(args: argparse.Namespace, out: Output) -> dict[str, Any]:
    rng = random.Random(args.seed)
    stats = Stats()
    fake = HostileFake(fault_share=args.faults / 100.0, seed=args.seed)
    await fake.start()
    fake.add_chat(STAFF_CHAT, "supergroup", title="Сотрудники")
    people = [Person(STAFF, STAFF_CHAT, "staff"), Person(OUTSIDER, STAFF_CHAT, "outsider")]
    fake.add_user(STAFF, "Пётр <Staff>")
    fake.add_user(OUTSIDER, "Посторонний")
    for i in range(args.users):
        uid = FIRST_USER + i
        lang = "en" if i % 7 == 3 else "ru"
        fake.add_user(uid, rng.choice(["Анна", "Bob <b>", "&amp;", "Иван"]), language_code=lang)
        people.append(Person(uid, uid, "manager", lang))
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        proc = BotProcess(
            fake, Path(tmp) / "bot.sqlite3",
            STAFF_CHAT_ID=str(STAFF_CHAT), STAFF_IDS=str(STAFF), ADMIN_IDS=str(ADMIN),
            STAFF_MESSAGES_PER_MINUTE="0", LOG_LEVEL=args.bot_log_level,
        )
        await proc.start()
        started_at = fake.seq
        driver = Driver(fake, rng, stats, args.timeout)
        quota = args.updates
        began = time.monotonic()

        async def person_loop(person: Person, share: int) -> None:
            for _ in range(share):
                if person.role == "manager":
                    await driver.manager_step(person)
                else:
                    await driver.group_step(person)

        shares = _split(quota, people)
        await asyncio.gather(*(person_loop(p, n) for p, n in zip(people, shares, strict=True)))
        elapsed = time.monotonic() - began
        await asyncio.sleep(1.0)
        code = await proc.stop()
        stderr = proc.stderr.decode(errors="replace")
    if args.log:
        await asyncio.to_thread(Path(args.log).write_text, stderr, encoding="utf-8")
    await fake.stop()

    refused = [
        c for c in fake.calls
        if c.seq > started_at and c.status is not None and not c.ok and c.seq not in fake.injected
        and c.method != "getUpdates"
    ]
    reasons = Counter(f"{c.method}: {_generalize(c.error or '')}" for c in refused)
    tracebacks = stderr.count("Traceback (most recent call last)")
    errors = len(re.findall(r" ERROR ", stderr))
    return {
        "updates": stats.updates,
        "messages": stats.messages,
        "presses": stats.presses,
        "replies_expected": stats.replies_expected,
        "replies_given": stats.replies_given,
        "presses_answered": stats.presses_answered,
        "tracebacks": tracebacks,
        "error_lines": errors,
        "refused_requests": len(refused),
        "refused_by_reason": dict(reasons.most_common(12)),
        "refused_examples": [c.short(400) for c in refused[:5]],
        "injected_faults": len(fake.injected),
        "by_kind": dict(stats.by_kind),
        "missing": _examples(stats.missing),
        "seconds": round(elapsed, 1),
        "exit_code": code,
        "stderr_problems": _problems(stderr),
    }


def _split(total: int, people: list[Person]) -> list[int]:
    # the two group members take about a tenth of the updates between them
    group = max(2, total // 10)
    managers = total - group
    n = sum(1 for p in people if p.role == "manager")
    shares = []
    for p in people:
        if p.role == "manager":
            shares.append(managers // n)
        else:
            shares.append(group // 2)
    shares[-1] += total - sum(shares)
    return shares


def _examples(missing: list[str], per_kind: int = 3) -> list[str]:
    """Up to `per_kind` examples of each kind of missing reply or answer, with its count."""
    kinds: dict[str, list[str]] = {}
    for line in missing:
        kinds.setdefault(line.split(" from ")[0].split(" by ")[0], []).append(line)
    out = []
    for kind, lines in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
        out.append(f"{len(lines)} × {kind}, e.g.:")
        out += ["    " + line for line in lines[:per_kind]]
    return out


def _problems(stderr: str, limit: int = 40) -> list[str]:
    """The ERROR and WARNING lines and the tracebacks' last lines of the bot's log."""
    lines = stderr.splitlines()
    keep = []
    for i, line in enumerate(lines):
        if " ERROR " in line or " WARNING " in line or " CRITICAL " in line:
            keep.append(line[:300])
        elif line.startswith("Traceback"):
            j = i + 1
            while j < len(lines) and (lines[j].startswith(" ") or not lines[j].strip()):
                j += 1
            if j < len(lines):
                keep.append("  traceback ends: " + lines[j][:300])
    return keep[:limit]


def _generalize(description: str) -> str:
    return re.sub(r"\d+", "N", description)[:90]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--updates", type=int, default=2000)
    p.add_argument("--users", type=int, default=25)
    p.add_argument("--seed", type=int, default=8)
    p.add_argument("--faults", type=float, default=0.0, help="percent of sends/edits/answers failed with 500")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a reply or an answer")
    p.add_argument("--quick", action="store_true", help="300 updates, 8 users")
    p.add_argument("--json", action="store_true")
    p.add_argument("--log", help="write the bot's stderr (its whole log) to this file")
    p.add_argument("--bot-log-level", default="WARNING", help="the bot's LOG_LEVEL (INFO logs every update)")
    args = p.parse_args()
    if args.quick:
        args.updates, args.users = 300, 8
    out = Output(args.json)
    out.print(machine_line(machine_info()))
    out.print(f"hostile run: {args.updates} updates, {args.users} managers + staff + outsider, seed {args.seed}, "
              f"faults {args.faults:g} %")
    r = asyncio.run(run(args, out))
    rows = [
        ["updates sent", r["updates"], ""],
        ["messages / presses", f"{r['messages']} / {r['presses']}", ""],
        ["replies expected / given", f"{r['replies_expected']} / {r['replies_given']}", "all"],
        ["presses answered", f"{r['presses_answered']} / {r['presses']}", "all"],
        ["tracebacks in the bot's log", r["tracebacks"], "0"],
        ["ERROR lines in the bot's log", r["error_lines"], "-"],
        ["requests a real Bot API would refuse", r["refused_requests"], "0"],
        ["failures injected by the fake (500)", r["injected_faults"], "-"],
        ["run time, s", r["seconds"], "-"],
        ["bot exit code after SIGTERM", r["exit_code"], "0"],
    ]
    out.table(["figure", "value", "target"], rows)
    out.print("updates by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(r["by_kind"].items())))
    for reason, n in r["refused_by_reason"].items():
        out.print(f"  refused: {n} × {reason}")
    for example in r["refused_examples"]:
        out.print(f"  e.g. {example}")
    for line in r["missing"]:
        out.print(f"  missing: {line}")
    if r["stderr_problems"]:
        out.print("the bot's log (errors and warnings):")
        for line in r["stderr_problems"]:
            out.print("  " + line)
    ok = (
        r["replies_given"] == r["replies_expected"] and r["presses_answered"] == r["presses"]
        and r["tracebacks"] == 0 and r["refused_requests"] == 0 and r["exit_code"] == 0
    )
    out.print(f"{verdict(ok)}" + ("" if not args.faults else " (with injected faults the targets are informative)"))
    out.emit_json(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
