"""Routers, one module per flow. `get_routers()` builds fresh routers on every call."""

from __future__ import annotations

from aiogram import Router

from handlers import clusters, join, language, measures, menu, questions
from handlers.filters import PrivateCommand


def get_routers() -> list[Router]:
    # Routers whose messages are all commands sit under one parent that only lets private
    # commands through, so an ordinary question skips them with a single check.
    commands = Router(name="commands")
    commands.message.filter(PrivateCommand())
    commands.include_routers(
        menu.create_router(),
        language.create_router(),
        clusters.create_router(),
        measures.create_router(),
        join.create_router(),
    )
    # questions is last: it takes any private text that no other router wanted.
    return [commands, questions.create_router()]
