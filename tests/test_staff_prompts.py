"""Staff prompts (Reject's reason, Request information's question) belong to their card.

Issue 8, defect 1: after Reject on application A, the staff member's next message in the group —
a reply to card B — was taken as A's reason: A rejected with B's text, B's applicant told nothing.
Now only a reply to the prompt (or to A's card) answers it, by the staff member who pressed; a
prompt expires after 30 minutes, can be cancelled, and several may be pending at once.
"""

from __future__ import annotations

import time

from aiogram.methods import SendMessage
from aiogram.types import PhotoSize

from bot.callbacks import StaffCb
from bot.services.applications import PROMPT_TTL
from tests.conftest import Chatter, sent_texts
from tests.test_join_handlers import STAFF_CHAT, staff_chatter, submit

INN_A, INN_B, INN_C = "7707083893", "7736207543", "7702070139"


async def two_applications(app):  # noqa: ANN001, ANN201
    """Applications A (user 501) and B (user 502) with their cards in the staff group."""
    anna = Chatter(app, app.bot.session, user_id=501)
    boris = Chatter(app, app.bot.session, user_id=502)
    await submit(app, anna, inn=INN_A)
    await submit(app, boris, inn=INN_B)
    await app.delivery.process_due()
    return anna, boris, await card(app, 1), await card(app, 2)


async def card(app, app_id: int):  # noqa: ANN001, ANN201
    row = await app.db.fetchone("SELECT staff_message_id FROM applications WHERE id = ?", (app_id,))
    assert row[0], "the card was delivered"
    return app.bot.session.messages[(STAFF_CHAT, row[0])]


async def status(app, app_id: int) -> str:  # noqa: ANN001
    return (await app.db.fetchone("SELECT status FROM applications WHERE id = ?", (app_id,)))[0]


async def press_prompt(app, staff: Chatter, card_msg, action: str, app_id: int):  # noqa: ANN001, ANN201
    """Press Reject/Request information on a card: the bot's prompt message."""
    calls = await staff.press(card_msg, StaffCb(action=action, app=app_id).pack())
    prompts = [c for c in calls if isinstance(c, SendMessage) and c.chat_id == STAFF_CHAT]
    assert len(prompts) == 1, calls
    assert "ответом (Reply) на это сообщение" in prompts[0].text and "30 мин" in prompts[0].text
    assert prompts[0].reply_parameters.message_id == card_msg.message_id  # under its card
    return max((m for (c, _), m in app.bot.session.messages.items() if c == STAFF_CHAT), key=lambda m: m.message_id)


async def delivered_to(app, user_id: int) -> list[str]:  # noqa: ANN001
    mark = len(app.bot.session.calls)
    await app.delivery.process_due()
    return [c.text for c in app.bot.session.calls[mark:] if isinstance(c, SendMessage) and c.chat_id == user_id]


async def test_a_reply_to_another_card_goes_to_that_card_and_the_prompt_stays(app):
    """The exact reproduction: Reject on A, then a reply to card B."""
    anna, boris, card_a, card_b = await two_applications(app)
    staff = staff_chatter(app)
    prompt = await press_prompt(app, staff, card_a, "reject", 1)

    calls = await staff.send("Добрый день! Когда удобно созвониться?", reply_to_message=card_b)
    assert "Передал заявителю (№ " in sent_texts(calls)[-1] and "-0002" in sent_texts(calls)[-1]
    assert await status(app, 1) == "new"  # A is not rejected
    assert any("созвониться" in text for text in await delivered_to(app, boris.user.id))
    assert not await delivered_to(app, anna.user.id)

    # a plain message in the group is not taken either: the staff member is told once
    calls = await staff.send("Коллеги, кто сегодня на связи?")
    assert "не принято как ответ" in sent_texts(calls)[-1] and "-0001" in sent_texts(calls)[-1]
    assert not sent_texts(await staff.send("Ещё одно обычное сообщение"))
    assert await status(app, 1) == "new"

    # the prompt for A is still there: a reply to it rejects A with that reason
    calls = await staff.send("Профиль <не химия>", reply_to_message=prompt)
    assert "отклонена" in sent_texts(calls)[-1]
    assert await status(app, 1) == "rejected" and await status(app, 2) == "new"
    told = await delivered_to(app, anna.user.id)
    assert any("Профиль &lt;не химия&gt;" in text for text in told)
    note = await app.db.fetchone("SELECT note FROM application_events WHERE application_id = 1 ORDER BY id DESC")
    assert note[0] == "Профиль <не химия>"


async def test_a_reply_to_the_prompts_own_card_answers_it(app):
    _, _, card_a, _ = await two_applications(app)
    staff = staff_chatter(app)
    await press_prompt(app, staff, card_a, "info", 1)
    calls = await staff.send("Пришлите выписку из ЕГРЮЛ", reply_to_message=card_a)
    assert "нужна информация" in sent_texts(calls)[-1]
    assert await status(app, 1) == "info_requested"
    # used up: the next reply to the card is an ordinary message to the applicant again
    calls = await staff.send("И устав, пожалуйста", reply_to_message=card_a)
    assert "Передал заявителю" in sent_texts(calls)[-1]
    assert await status(app, 1) == "info_requested"


async def test_the_prompt_expires(app):
    anna, _, card_a, _ = await two_applications(app)
    staff = staff_chatter(app)
    prompt = await press_prompt(app, staff, card_a, "reject", 1)
    prompts = app.dp.workflow_data["prompts"]
    prompts.clock = lambda: time.time() + PROMPT_TTL + 1
    calls = await staff.send("Поздняя причина", reply_to_message=prompt)
    assert "больше не действует" in sent_texts(calls)[-1] and "нажмите кнопку" in sent_texts(calls)[-1]
    assert await status(app, 1) == "new"
    # expired, it no longer captures a reply to its card, nor hints on plain messages
    calls = await staff.send("Сообщение заявителю", reply_to_message=card_a)
    assert "Передал заявителю" in sent_texts(calls)[-1]
    assert not sent_texts(await staff.send("обычный разговор"))
    assert await status(app, 1) == "new"
    # pressing the button again works
    prompts.clock = time.time
    prompt = await press_prompt(app, staff, card_a, "reject", 1)
    await staff.send("Причина", reply_to_message=prompt)
    assert await status(app, 1) == "rejected"


async def test_the_prompt_survives_a_restart(app, settings):
    from bot.app import create_app
    from bot.local_session import LocalSession

    _, _, card_a, _ = await two_applications(app)
    staff = staff_chatter(app)
    prompt = await press_prompt(app, staff, card_a, "reject", 1)
    again = create_app(settings, session=LocalSession())
    await again.startup()
    try:
        later = staff_chatter(again)
        await later.send("Причина после перезапуска", reply_to_message=prompt)
        assert await status(again, 1) == "rejected"
    finally:
        await again.shutdown()


async def test_cancel_as_a_reply_and_plain_cancel(app):
    _, _, card_a, card_b = await two_applications(app)
    staff = staff_chatter(app)
    prompt_a = await press_prompt(app, staff, card_a, "reject", 1)
    calls = await staff.send("/cancel", reply_to_message=prompt_a)
    assert "Запрос отменён" in sent_texts(calls)[-1]
    calls = await staff.send("Передумал обратно", reply_to_message=prompt_a)
    assert "больше не действует" in sent_texts(calls)[-1]
    assert await status(app, 1) == "new"
    # /cancel (not a reply) cancels all of this staff member's pending prompts
    await press_prompt(app, staff, card_a, "reject", 1)
    prompt_b = await press_prompt(app, staff, card_b, "info", 2)
    calls = await staff.send("/cancel")
    assert "-0001" in sent_texts(calls)[-1] and "-0002" in sent_texts(calls)[-1]
    await staff.send("Вопрос", reply_to_message=prompt_b)
    assert [await status(app, 1), await status(app, 2)] == ["new", "new"]
    calls = await staff.send("/cancel")
    assert "Нет запросов" in sent_texts(calls)[-1]
    # /cancel as a reply to a card is never relayed to the applicant
    assert not await delivered_to(app, 501)


async def test_several_prompts_and_several_staff_members(app, settings):
    _, _, card_a, card_b = await two_applications(app)
    carol = Chatter(app, app.bot.session, user_id=503)
    await submit(app, carol, inn=INN_C)
    await app.delivery.process_due()
    card_c = await card(app, 3)
    staff = staff_chatter(app)  # 800
    admin = staff_chatter(app, user_id=900)
    prompt_a = await press_prompt(app, staff, card_a, "reject", 1)
    prompt_b = await press_prompt(app, staff, card_b, "info", 2)
    prompt_c = await press_prompt(app, admin, card_c, "reject", 3)

    # someone else's prompt is not answered by another staff member
    calls = await admin.send("Не моё", reply_to_message=prompt_a)
    assert "другого сотрудника" in sent_texts(calls)[-1]
    assert await status(app, 1) == "new"
    # an outsider in the group is ignored
    outsider = staff_chatter(app, user_id=555)
    assert not sent_texts(await outsider.send("Ха", reply_to_message=prompt_a))

    await staff.send("Вопрос по B", reply_to_message=prompt_b)
    await admin.send("Причина по C", reply_to_message=prompt_c)
    await staff.send("Причина по A", reply_to_message=prompt_a)
    assert [await status(app, i) for i in (1, 2, 3)] == ["rejected", "info_requested", "rejected"]
    notes = await app.db.fetchall(
        "SELECT application_id, actor_id, note FROM application_events WHERE note IS NOT NULL ORDER BY application_id"
    )
    assert [tuple(n) for n in notes] == [(1, 800, "Причина по A"), (2, 800, "Вопрос по B"), (3, 900, "Причина по C")]


async def test_a_prompt_refused_by_the_status_and_hostile_input(app):
    _, _, card_a, card_b = await two_applications(app)
    staff = staff_chatter(app)
    admin = staff_chatter(app, user_id=900)
    prompt = await press_prompt(app, staff, card_a, "reject", 1)
    # the admin accepts A meanwhile: the prompt's answer is refused, and says why
    await admin.press(card_a, StaffCb(action="accept", app=1).pack())
    calls = await staff.send("Причина", reply_to_message=prompt)
    assert "уже в статусе" in sent_texts(calls)[-1]
    assert await status(app, 1) == "accepted"
    # a photo, a command and an over-long text are refused; the prompt stays pending
    fresh = await press_prompt(app, staff, card_b, "reject", 2)
    photo = [PhotoSize(file_id="p", file_unique_id="p", width=1, height=1)]
    assert "Нужен текст" in sent_texts(await staff.send(None, photo=photo, reply_to_message=fresh))[-1]
    assert "Нужен текст" in sent_texts(await staff.send("/start", reply_to_message=fresh))[-1]
    assert "Слишком длинный" in sent_texts(await staff.send("x" * 3001, reply_to_message=fresh))[-1]
    assert await status(app, 2) == "new"
    calls = await staff.send("<b>не</b> & тег", reply_to_message=fresh)
    assert "отклонена" in sent_texts(calls)[-1]
    assert await status(app, 2) == "rejected"
    reason = await app.db.fetchone("SELECT note FROM application_events WHERE application_id = 2 ORDER BY id DESC")
    assert reason[0] == "<b>не</b> & тег"


async def test_a_staff_reply_to_a_bot_notice_is_told_it_reached_nobody(app):
    """A reply to a bot message that is no card, thread or prompt (here the bot's own
    "relayed" confirmation) reaches nobody: the staff member is told, nothing is relayed."""
    anna, _, card_a, _ = await two_applications(app)
    staff = staff_chatter(app)
    calls = await staff.send("Здравствуйте, уточните продукцию", reply_to_message=card_a)
    assert "Передал заявителю" in sent_texts(calls)[-1]
    await delivered_to(app, anna.user.id)
    notice = max((m for (c, _), m in app.bot.session.messages.items() if c == STAFF_CHAT), key=lambda m: m.message_id)
    calls = await staff.send("Спасибо <всем>", reply_to_message=notice)
    assert "никому не передано" in sent_texts(calls)[-1]
    assert not await delivered_to(app, anna.user.id)
    # an outsider's reply is ordinary talk: no answer
    outsider = Chatter(app, app.bot.session, user_id=555)
    outsider.chat = staff.chat
    assert not sent_texts(await outsider.send("и я", reply_to_message=notice))


async def test_staff_texts_are_measured_as_telegram_counts_them(app):
    """2,000 emoji are 4,000 UTF-16 units: over the limit for a reason, refused with the
    limit named (was: accepted by code points, then cut to fit when relayed)."""
    _, _, card_a, _ = await two_applications(app)
    staff = staff_chatter(app)
    prompt = await press_prompt(app, staff, card_a, "reject", 1)
    calls = await staff.send("😀" * 2000, reply_to_message=prompt)
    assert "Слишком длинный текст" in sent_texts(calls)[-1]
    assert await status(app, 1) == "new"
    calls = await staff.send("😀" * 2000, reply_to_message=card_a)
    assert await status(app, 1) == "new"
    assert not await delivered_to(app, 501)


async def test_export_in_the_group_points_staff_to_the_private_chat(app):
    staff = staff_chatter(app)
    calls = await staff.send("/export")
    assert "только в личном чате" in sent_texts(calls)[-1]
    outsider = Chatter(app, app.bot.session, user_id=555)
    outsider.chat = staff.chat
    assert not sent_texts(await outsider.send("/export"))
