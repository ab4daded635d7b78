"""Routers, one module per flow. `get_routers()` builds fresh routers on every call."""

from __future__ import annotations

from aiogram import Router

from handlers import (
    applicant,
    broadcast,
    clusters,
    join,
    language,
    measures,
    menu,
    privacy,
    questions,
    staff,
)
from handlers.filters import PrivateCommand


def get_routers() -> list[Router]:
    # Routers whose messages are all commands sit under one parent that only lets private
    # commands through, so an ordinary question skips them with a single check.
    commands = Router(name="commands")
    commands.message.filter(PrivateCommand())
    commands.include_routers(
        join.create_entry_router(),  # before menu: /start with a join deep link
        menu.create_router(),
        language.create_router(),
        clusters.create_router(),
        measures.create_router(),
    )
    return [
        questions.create_fast_router(),  # plain questions, the bulk of the traffic
        privacy.create_router(),  # /privacy: one check for other messages; works inside any dialogue
        staff.create_router(),  # card buttons, the staff group, /export
        broadcast.create_router(),  # campaigns (admins), subscriptions
        join.create_form_router(),  # a user inside the join dialogue
        join.create_buttons_router(),
        applicant.create_router(),  # my applications, answers to staff, hand-offs
        commands,
        questions.create_router(),  # last: any private text nobody else wanted is a question
    ]
