"""aiogram's types built on first use (bot/aiogram_lazy.py) behave exactly like eagerly built ones."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import bot.aiogram_lazy

ROOT = Path(__file__).resolve().parent.parent

# A fresh interpreter validates and serializes a spread of updates and requests, including types
# whose annotations name things imported only for type checking (ChatIdUnion, ReplyMarkupUnion,
# MessageOriginUnion, ChatMemberUnion, MaybeInaccessibleMessageUnion), and prints the results.
_SCRIPT = r"""
import json, sys
if sys.argv[1] == "lazy":
    import bot
import aiogram.types as t
from aiogram.methods import CopyMessage, SendMessage, SetMyCommands
from aiogram.methods.base import Response

chat = {"id": -100500, "type": "supergroup", "title": "Staff <group>"}
user = {"id": 7, "is_bot": False, "first_name": "Анна", "language_code": "ru"}
message = {
    "message_id": 10, "date": 1700000000, "chat": chat, "from": user,
    "text": "bold link", "entities": [{"type": "bold", "offset": 0, "length": 4},
                                      {"type": "text_link", "offset": 5, "length": 4, "url": "https://example.org"}],
    "reply_markup": {"inline_keyboard": [[{"text": "Take", "callback_data": "app:take:1"}]]},
    "reply_to_message": {"message_id": 9, "date": 1700000000, "chat": chat,
                         "photo": [{"file_id": "f", "file_unique_id": "u", "width": 9, "height": 9}],
                         "caption": "c"},
    "forward_origin": {"type": "user", "date": 1700000000, "sender_user": user},
    "contact": {"phone_number": "+79991234567", "first_name": "A", "user_id": 7},
    "document": {"file_id": "d", "file_unique_id": "du", "file_name": "a.csv"},
}
updates = [
    {"update_id": 1, "message": message},
    {"update_id": 2, "callback_query": {"id": "q", "from": user, "chat_instance": "ci", "data": "x",
                                        "message": {"chat": chat, "message_id": 3, "date": 0}}},
    {"update_id": 3, "my_chat_member": {"chat": chat, "from": user, "date": 1,
                                        "old_chat_member": {"status": "member", "user": user},
                                        "new_chat_member": {"status": "kicked", "user": user, "until_date": 0}}},
]
out = {"updates": [t.Update.model_validate(u).model_dump(mode="json", exclude_none=True, fallback=repr) for u in updates]}
out["types"] = [type(t.Update.model_validate(u).event).__name__ for u in updates]
out["requests"] = [
    SetMyCommands(commands=[t.BotCommand(command="join", description="Join")],
                  scope=t.BotCommandScopeChat(chat_id=-100500), language_code="en").model_dump(mode="json", fallback=repr),
    SendMessage(chat_id=1, text="<b>x</b>", reply_markup=t.InlineKeyboardMarkup(
        inline_keyboard=[[t.InlineKeyboardButton(text="a", url="https://t.me/x?start=join")]])).model_dump(mode="json", fallback=repr),
    CopyMessage(chat_id=1, from_chat_id=2, message_id=3, reply_markup=t.ReplyKeyboardMarkup(
        keyboard=[[t.KeyboardButton(text="Share", request_contact=True)]])).model_dump(mode="json", fallback=repr),
]
out["response"] = Response[t.Message].model_validate({"ok": True, "result": message}).result.model_dump(
    mode="json", exclude_none=True, fallback=repr)
try:
    t.Update.model_validate({"update_id": "not a number"})
    out["invalid"] = "accepted"
except Exception as exc:
    out["invalid"] = type(exc).__name__
out["passport_built"] = t.PassportData.__pydantic_complete__
print(json.dumps(out, default=str, sort_keys=True))
"""


def _run(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", _SCRIPT, mode], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def both() -> tuple[dict, dict]:
    return _run("eager"), _run("lazy")


def test_lazy_types_validate_and_serialize_like_eager_ones(both: tuple[dict, dict]) -> None:
    eager, lazy = both
    assert eager.pop("passport_built") is True
    assert lazy.pop("passport_built") is False  # never used, so never built
    assert lazy == eager
    assert lazy["types"] == ["Message", "CallbackQuery", "ChatMemberUpdated"]
    assert lazy["invalid"] == "ValidationError"
    scope = lazy["requests"][0]["scope"]
    assert scope == {"type": "chat", "chat_id": -100500}
    assert lazy["updates"][2]["my_chat_member"]["new_chat_member"]["status"] == "kicked"


def test_the_test_process_uses_the_deferred_types() -> None:
    # conftest imports `bot` before aiogram, as `python -m bot` does
    assert bot.aiogram_lazy.deferred_types > 300
    assert bot.aiogram_lazy.install() is False  # aiogram is imported: a second call changes nothing


def test_a_bot_importing_aiogram_first_still_works() -> None:
    done = subprocess.run(
        [sys.executable, "-c",
         "import aiogram, bot.aiogram_lazy as l, aiogram.types as t; "
         "print(l.deferred_types, t.PassportData.__pydantic_complete__)"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "True"]
