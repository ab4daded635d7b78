"""Routers, one module per flow. `get_routers()` builds fresh routers on every call."""

from __future__ import annotations

from aiogram import Router

from handlers import clusters, join, language, measures, menu, questions


def get_routers() -> list[Router]:
    # questions is last: it takes any private text that no other router wanted.
    return [
        menu.create_router(),
        language.create_router(),
        clusters.create_router(),
        measures.create_router(),
        join.create_router(),
        questions.create_router(),
    ]
