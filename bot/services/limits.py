"""Per-person limits on what reaches the staff, so one person can't crowd out the rest.

The staff group takes about 20 new messages a minute (Telegram's pace for a group): every
hand-off card, relayed answer and application card shares it. A person who sends 40 hand-offs in
a second would delay everyone's application cards by two minutes; the limits stop that long
before a real user could notice them. Staff and admins are never limited.

Hand-offs and applications are counted in the database (their own rows, inside the transaction
that stores them), so a restart does not reset a day's allowance. Messages relayed to the staff
(answers to a request for information, follow-ups on a hand-off) are counted in memory over one
minute: a restart forgets at most a minute's worth, and nothing is written per message.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import deque
from collections.abc import Callable, Iterable

from bot.i18n import Translator

MINUTE = 60.0
TEN_MINUTES = 600.0
DAY = 86400.0


class RateLimited(Exception):
    """Refused by a per-person limit; `retry_after` seconds until one more is allowed."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:.0f}s")
        self.retry_after = max(1.0, retry_after)


def wait_text(t: Translator, seconds: float) -> str:
    """"in 40 s" / "in 7 min" / "in 3 h", rounded up: the user may write again then."""
    seconds = max(1, int(-(-seconds // 1)))
    if seconds < 90:
        return t("limit-wait-seconds", n=seconds)
    minutes = -(-seconds // 60)
    if minutes < 120:
        return t("limit-wait-minutes", n=minutes)
    return t("limit-wait-hours", n=-(-minutes // 60))


def retry_after(times: Iterable[float], limits: Iterable[tuple[int, float]], now: float) -> float:
    """Seconds until one more event is allowed (0: allowed now) given the past events' unix
    times and (count, window seconds) limits; a count of 0 means no limit."""
    past = sorted(times)
    wait = 0.0
    for count, window in limits:
        if count <= 0:
            continue
        recent = [x for x in past if x > now - window]
        if len(recent) >= count:
            # one more is allowed once the oldest of the last `count` leaves the window
            wait = max(wait, recent[-count] + window - now)
    return wait


def iso_to_unix(value: str) -> float:
    """A stored timestamp ('2026-01-02T03:04:05.678Z', UTC) as unix time."""
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def unix_to_iso(value: float) -> str:
    return dt.datetime.fromtimestamp(value, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class SlidingWindow:
    """In-memory: at most `count` events per `window` seconds per person (0 = no limit)."""

    def __init__(self, count: int, window: float, *, clock: Callable[[], float] = time.monotonic,
                 max_people: int = 50_000) -> None:
        self.count = count
        self.window = window
        self.clock = clock
        self.max_people = max_people
        self._events: dict[int, deque[float]] = {}

    def hit(self, user_id: int) -> None:
        """Count one event, or raise RateLimited (counting nothing)."""
        if self.count <= 0:
            return
        now = self.clock()
        events = self._events.get(user_id)
        if events is None:
            if len(self._events) >= self.max_people:
                self._forget_idle(now)
            events = self._events[user_id] = deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.count:
            raise RateLimited(events[0] + self.window - now)
        events.append(now)

    def unhit(self, user_id: int) -> None:
        """Take back the last event counted (what it counted was not done after all)."""
        events = self._events.get(user_id)
        if events:
            events.pop()

    def _forget_idle(self, now: float) -> None:
        idle = [u for u, ev in self._events.items() if not ev or ev[-1] <= now - self.window]
        for user_id in idle:
            del self._events[user_id]
        if len(self._events) >= self.max_people:  # all active: drop the oldest half (bounded memory)
            for user_id in list(self._events)[: self.max_people // 2]:
                del self._events[user_id]


Limits = tuple[tuple[int, float], ...]  # (count, window seconds); a count of 0: no limit


class PersonLimits:
    """The limits of one bot (from the settings) and the in-memory counter of relayed messages."""

    def __init__(
        self,
        *,
        exempt: Iterable[int] = (),
        handoffs: Limits = ((3, TEN_MINUTES), (10, DAY)),
        applications: Limits = ((10, DAY),),
        relayed_per_minute: int = 5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.exempt = frozenset(exempt)
        self.handoffs = handoffs
        self.applications = applications
        self.clock = clock
        self.relayed = SlidingWindow(relayed_per_minute, MINUTE, clock=clock)

    @classmethod
    def from_settings(cls, settings) -> PersonLimits:  # noqa: ANN001 (bot.settings.Settings)
        return cls(
            exempt=settings.staff_and_admins,
            handoffs=((settings.handoffs_per_10_minutes, TEN_MINUTES), (settings.handoffs_per_day, DAY)),
            applications=((settings.applications_per_day, DAY),),
            relayed_per_minute=settings.relayed_messages_per_minute,
        )

    def check(self, user_id: int, limits: Limits) -> tuple[str, Callable[[list[str]], None]] | None:
        """(since, check) for a repository's create(): refuses with RateLimited inside its
        transaction when the person's rows since then already reach a limit; None: no limit."""
        active = [(c, w) for c, w in limits if c > 0]
        if user_id in self.exempt or not active:
            return None
        now = self.clock()

        def run(times: list[str]) -> None:
            wait = retry_after([iso_to_unix(x) for x in times], active, now)
            if wait > 0:
                raise RateLimited(wait)

        return unix_to_iso(now - max(w for _, w in active)), run

    def relay(self, user_id: int) -> None:
        """Count one message relayed to the staff, or raise RateLimited."""
        if user_id not in self.exempt:
            self.relayed.hit(user_id)

    def relay_failed(self, user_id: int) -> None:
        """The message counted by `relay` could not be stored: it doesn't count."""
        if user_id not in self.exempt:
            self.relayed.unhit(user_id)
