"""Background tasks: stopping them, and marking the work that retries Bot API calls itself."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# False while the code running has its own durable retries (the outbox, campaigns): the Bot
# API request middleware `bot.middlewares.TransientRetry` then sends a request once
QUICK_RETRIES: ContextVar[bool] = ContextVar("quick_retries", default=True)


@contextmanager
def own_retries() -> Iterator[None]:
    """Inside: Bot API requests are sent once; a failure reaches the caller's retry logic."""
    token = QUICK_RETRIES.set(False)
    try:
        yield
    finally:
        QUICK_RETRIES.reset(token)


async def cancel_task(task: asyncio.Task | None) -> None:
    """Cancel a task and wait until it is gone."""
    if task is None:
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


async def finish_or_cancel(task: asyncio.Task | None, timeout: float) -> None:
    """Wait for a task told to stop to finish its current work; cancel it after `timeout`."""
    if task is None:
        return
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout)
    except TimeoutError:
        await cancel_task(task)
    except asyncio.CancelledError:
        pass


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Wait until `event` is set or `timeout` passes; True if it was set. Not
    `asyncio.wait_for(event.wait(), timeout)`: on Python 3.11 that can swallow a cancellation
    arriving just as the event is set, and a stop waiting for the task then hangs."""
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({waiter}, timeout=timeout)
    finally:
        waiter.cancel()
    return event.is_set()
