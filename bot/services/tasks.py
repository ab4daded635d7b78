"""Stopping background tasks."""

from __future__ import annotations

import asyncio


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
