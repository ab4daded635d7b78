"""A fake Telegram Bot API server for end-to-end tests.

Start it, point the bot at ``fake.url`` (``TelegramAPIServer.from_base(fake.url)``
or env ``TELEGRAM_API_URL``), then simulate users and observe what the bot does::

    fake = FakeTelegram()
    await fake.start()
    ...  # start the bot with BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.url
    mark = fake.send_text(42, "/start")            # returns the update_id (== fake.seq)
    msg = await fake.wait_message(42, contains="Hello", after=mark)
    fake.press_button(42, msg, "Settings")
    await fake.wait_message(42, contains="Settings", after=msg.seq)
    await fake.stop()

Ordering: one global, strictly increasing counter ``fake.seq`` numbers every
recorded thing: enqueued updates (``update_id == seq``), API calls (``Call.seq``)
and message events (send / edit / delete; ``MessageEvent.seq``,
``SentMessage.seq`` = seq of the latest event of that message).  So
``after=<anything returned earlier>`` means "newer than that".

Fidelity notes: HTML parse mode is validated like Telegram's tdlib parser
(same error texts); additionally (stricter than Telegram) an unknown named
entity such as ``&nbsp;`` is rejected (see ``FakeTelegram.strict_html_entities``)
and ``<a>`` needs ``href``.  Markdown / MarkdownV2 texts are accepted unparsed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = [
    "ApiError",
    "Call",
    "FakeTelegram",
    "HTMLParseError",
    "MessageEvent",
    "SentMessage",
    "StoredFile",
    "parse_html",
    "MESSAGE_NOT_MODIFIED",
]

MESSAGE_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of a message"
)
BLOCKED_BY_USER = "Forbidden: bot was blocked by the user"

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


class ApiError(Exception):
    """Raised inside method handlers; becomes ``{"ok": false, ...}``."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None):
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


# --------------------------------------------------------------------------------------
# HTML parse mode (modelled on tdlib's parse_html)
# --------------------------------------------------------------------------------------


class HTMLParseError(ValueError):
    """Text could not be parsed; ``str(exc)`` is the part after "can't parse entities: "."""


_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HEX = frozenset("0123456789abcdefABCDEF")


def _utf16_len(s: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in s)


def parse_html(text: str, *, strict_entities: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-HTML; return ``(plain_text, entities)`` (offsets in UTF-16 units).

    Raises HTMLParseError with a Telegram-like message on invalid markup.
    ``strict_entities`` additionally rejects unknown named entities like ``&nbsp;``
    (real Telegram would silently show them literally).
    """
    n = len(text)
    out: list[str] = []
    u16 = 0
    stack: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []

    def boff(idx: int) -> int:
        return len(text[:idx].encode("utf-8", "surrogatepass"))

    def fail(msg: str) -> None:
        raise HTMLParseError(msg)

    def emit(ch: str) -> None:
        nonlocal u16
        out.append(ch)
        u16 += 2 if ord(ch) > 0xFFFF else 1

    def decode_entity(pos: int) -> tuple[str | None, int]:
        end = pos + 1
        if end < n and text[end] == "#":
            end += 1
            res = 0
            if end < n and text[end] in "xX":
                end += 1
                while end < n and text[end] in _HEX:
                    res = res * 16 + int(text[end], 16)
                    end += 1
                    if res >= 0x10FFFF:
                        return None, pos
            else:
                while end < n and text[end].isascii() and text[end].isdigit():
                    res = res * 10 + int(text[end])
                    end += 1
                    if res >= 0x10FFFF:
                        return None, pos
            if res == 0 or res >= 0x10FFFF or end - pos >= 10:
                return None, pos
            if 0xD800 <= res <= 0xDFFF:
                fail(
                    "Text contains invalid Unicode characters after decoding HTML entities, "
                    "check for unmatched surrogate code units"
                )
            ch = chr(res)
        else:
            while end < n and text[end].isascii() and text[end].isalpha():
                end += 1
            name = text[pos + 1 : end]
            if name not in _NAMED_ENTITIES:
                if strict_entities and name and end < n and text[end] == ";":
                    fail(
                        f'Unsupported HTML entity "&{name};" at byte offset {boff(pos)}; '
                        "only &lt; &gt; &amp; &quot; and numeric entities are supported"
                    )
                return None, pos
            ch = _NAMED_ENTITIES[name]
        if end < n and text[end] == ";":
            end += 1
        return ch, end

    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            ch, j = decode_entity(i)
            if ch is None:
                emit("&")
                i += 1
            else:
                emit(ch)
                i = j
            continue
        if c != "<":
            emit(c)
            i += 1
            continue

        begin = i
        if i + 1 < n and text[i + 1] == "/":
            # ---- end tag
            if not stack:
                fail(f"Unexpected end tag at byte offset {boff(begin)}")
            j = i + 2
            while j < n and text[j] != ">":
                j += 1
            if j >= n:
                fail(f"Unclosed end tag at byte offset {boff(begin)}")
            name = text[i + 2 : j].strip().lower()
            top = stack[-1]
            if name and name != top["tag"]:
                fail(
                    f'Unmatched end tag at byte offset {boff(begin)}, expected "</{top["tag"]}>", '
                    f'found "</{name}>"'
                )
            stack.pop()
            i = j + 1
            length = u16 - top["offset"]
            if length > 0:
                ent: dict[str, Any] = {
                    "type": _TAG_ENTITY[top["tag"]],
                    "offset": top["offset"],
                    "length": length,
                }
                tag, arg = top["tag"], top["arg"]
                if tag == "a":
                    ent["url"] = arg
                elif tag == "tg-emoji":
                    ent["custom_emoji_id"] = arg
                elif tag == "blockquote" and arg:
                    ent["type"] = "expandable_blockquote"
                elif tag == "code" and arg and stack and stack[-1]["tag"] == "pre":
                    # <pre><code class="language-x">…</code></pre>: one pre entity with language
                    stack[-1]["language"] = arg
                    ent = {}
                elif tag == "pre" and top.get("language"):
                    ent["language"] = top["language"]
                if ent:
                    entities.append(ent)
            continue

        # ---- start tag
        j = i + 1
        while j < n and not text[j].isspace() and text[j] != ">":
            j += 1
        if j >= n:
            fail(f"Unclosed start tag at byte offset {boff(begin)}")
        tag = text[i + 1 : j].lower()
        if tag not in _HTML_TAGS:
            fail(f'Unsupported start tag "{tag}" at byte offset {boff(begin)}')
        i = j
        arg: str | None = None
        href_seen = False
        while True:
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                fail(f"Unclosed start tag at byte offset {boff(begin)}")
            if text[i] == ">":
                break
            attr_begin = i
            while i < n and not text[i].isspace() and text[i] not in "=>":
                i += 1
            attr = text[attr_begin:i]
            if not attr:
                fail(f'Empty attribute name in the tag "{tag}" at byte offset {boff(begin)}')
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                fail(f"Unclosed start tag at byte offset {boff(begin)}")
            if text[i] != "=":
                if tag == "blockquote" and attr == "expandable":
                    arg = "1"
                    continue
                fail(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                    f"at byte offset {boff(begin)}"
                )
            i += 1
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                fail(f'Unclosed start tag "{tag}" at byte offset {boff(begin)}')
            if text[i] not in "\"'":
                tok_begin = i
                while i < n and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
                    i += 1
                value = text[tok_begin:i].lower()
                if i >= n or (not text[i].isspace() and text[i] != ">"):
                    fail(f"Unexpected end of name token at byte offset {boff(tok_begin)}")
            else:
                quote = text[i]
                i += 1
                chars: list[str] = []
                while i < n and text[i] != quote:
                    if text[i] == "&":
                        ch, j2 = decode_entity(i)
                        if ch is not None:
                            chars.append(ch)
                            i = j2
                            continue
                    chars.append(text[i])
                    i += 1
                if i < n:
                    i += 1
                value = "".join(chars)
            if i >= n:
                fail(f"Unclosed start tag at byte offset {boff(begin)}")
            if tag == "a" and attr == "href":
                arg, href_seen = value, True
            elif tag == "code" and attr == "class" and value.startswith("language-"):
                arg = value[len("language-") :]
            elif tag == "span" and attr == "class" and value.startswith("tg-"):
                arg = value[len("tg-") :]
            elif tag == "tg-emoji" and attr == "emoji-id":
                arg = value
            elif tag == "blockquote" and attr == "expandable":
                arg = "1"
        i += 1  # skip '>'
        if tag == "span" and arg != "spoiler":
            fail(f'Tag "span" must have class "tg-spoiler" at byte offset {boff(begin)}')
        if tag == "a" and (not href_seen or not arg):
            fail(f'Tag "a" must have non-empty attribute "href" at byte offset {boff(begin)}')
        if tag == "tg-emoji" and not arg:
            fail(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {boff(begin)}')
        stack.append({"tag": tag, "arg": arg, "offset": u16})

    if stack:
        fail(f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------


@dataclass
class StoredFile:
    """A file known to the server (uploaded by the bot or "sent" by a simulated user)."""

    file_id: str
    file_unique_id: str
    filename: str | None
    data: bytes
    content_type: str | None = None
    url: str | None = None  # when the bot sent an HTTP URL instead of a file
    file_path: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


@dataclass
class Call:
    """One API request made by the bot (recorded even if it failed)."""

    seq: int
    method: str  # canonical name, e.g. "sendMessage"
    params: dict[str, Any]  # decoded; JSON fields parsed, numbers as int
    files: dict[str, StoredFile]  # multipart file parts by field name
    time: float  # time.monotonic() on arrival
    status: int | None = None  # HTTP status of the answer (None while pending)
    response: dict[str, Any] | None = None
    raw: bytes | None = None  # the body, when answer_next() made it something else than the API's

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.raw is None

    @property
    def result(self) -> Any:
        return (self.response or {}).get("result")

    @property
    def error(self) -> str | None:
        return None if self.response is None or self.ok else self.response.get("description")

    def short(self, width: int = 220) -> str:
        params = json.dumps(self.params, ensure_ascii=False, default=str)
        if len(params) > width:
            params = params[: width - 3] + "..."
        state = "pending" if self.status is None else str(self.status)
        err = f" -> {self.error}" if self.error else ""
        return f"#{self.seq} {self.method} [{state}] {params}{err}"


@dataclass
class SentMessage:
    """A message sent by the bot, with its *current* state (edits are applied in place)."""

    chat_id: int
    message_id: int
    kind: str  # "text", "document", "photo", "sticker", "voice", "audio", "video", ...
    text: str  # plain text (or plain caption for media); tags stripped, entities decoded
    html: str  # raw text/caption exactly as sent
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None  # parsed, as sent (inline or reply keyboard)
    date: int
    first_seq: int  # seq of the "sent" event
    seq: int  # seq of the latest event (sent/edited/deleted)
    sent_at: float  # time.monotonic()
    method: str  # sendMessage / sendDocument / copyMessage / ...
    params: dict[str, Any]  # params of the creating call
    file: StoredFile | None = None
    reply_to_message_id: int | None = None
    forward_from: tuple[int, int] | None = None  # (from_chat_id, message_id) for forwards
    copied_from: tuple[int, int] | None = None
    edited: int = 0  # number of successful edits
    edit_date: int | None = None
    deleted: bool = False
    history: list[str] = field(default_factory=list)  # previous plain texts, oldest first

    @property
    def key(self) -> tuple[int, int]:
        return (self.chat_id, self.message_id)

    @property
    def caption(self) -> str:
        return self.text

    @property
    def document(self) -> StoredFile | None:
        return self.file if self.kind == "document" else None

    @property
    def photo(self) -> StoredFile | None:
        return self.file if self.kind == "photo" else None

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        rm = self.reply_markup or {}
        return rm.get("inline_keyboard") or []

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """All inline buttons, flattened, in reading order."""
        return [b for row in self.inline_keyboard for b in row]

    @property
    def button_texts(self) -> list[str]:
        return [b.get("text", "") for b in self.buttons]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]

    def find_button(self, text_contains: str) -> dict[str, Any] | None:
        """Button whose text equals ``text_contains``, else the first that contains it."""
        buttons = self.buttons
        for b in buttons:
            if b.get("text") == text_contains:
                return b
        for b in buttons:
            if text_contains in b.get("text", ""):
                return b
        return None

    def __repr__(self) -> str:  # compact, for assertion messages
        flags = []
        if self.edited:
            flags.append(f"edited={self.edited}")
        if self.deleted:
            flags.append("deleted")
        if self.file is not None:
            flags.append(f"file={self.file.filename!r}")
        btn = f" buttons={self.button_texts}" if self.buttons else ""
        text = self.text if len(self.text) <= 160 else self.text[:157] + "..."
        return (
            f"<SentMessage chat={self.chat_id} id={self.message_id} seq={self.seq} {self.kind} "
            f"{text!r}{btn}{(' ' + ' '.join(flags)) if flags else ''}>"
        )


@dataclass
class MessageEvent:
    """Snapshot of a bot message at one point: kind is "sent", "edited" or "deleted"."""

    seq: int
    kind: str
    chat_id: int
    message_id: int
    text: str
    html: str
    reply_markup: dict[str, Any] | None
    message: SentMessage  # live object (current state)


@dataclass
class _Failure:
    error_code: int
    description: str
    count: int
    retry_after: int | None


# --------------------------------------------------------------------------------------
# Request decoding helpers
# --------------------------------------------------------------------------------------

# Form values that must stay strings even if they look like JSON numbers.
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "file_id",
        "url",
        "title",
        "description",
        "short_description",
        "name",
        "first_name",
        "last_name",
        "phone_number",
        "vcard",
        "emoji",
        "action",
        "language_code",
        "question",
        "address",
        "secret_token",
        "ip_address",
        "custom_title",
        "sticker",
        "document",
        "photo",
        "voice",
        "audio",
        "video",
        "animation",
        "video_note",
        "thumbnail",
        "business_connection_id",
        "payload",
        "provider_token",
        "currency",
        "start_parameter",
        "game_short_name",
        "message_effect_id",
        "cover",
        "performer",
        "filename",
        "invite_link",
    }
)
# Fields that carry JSON (decoded even if a JSON body sent them as strings).
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
        "media",
        "results",
        "menu_button",
        "reaction",
        "message_ids",
        "options",
        "rights",
        "permissions",
    }
)

_MEDIA_METHODS = {
    "sendDocument": "document",
    "sendPhoto": "photo",
    "sendSticker": "sticker",
    "sendVoice": "voice",
    "sendAudio": "audio",
    "sendVideo": "video",
    "sendAnimation": "animation",
    "sendVideoNote": "video_note",
}
_NO_CAPTION_KINDS = frozenset({"sticker", "video_note"})
# methods that produce messages and are subject to the send rate limit
_RATE_LIMITED = frozenset({"sendMessage", "copyMessage", "forwardMessage", *_MEDIA_METHODS})
# methods that fail with fail_chat() when they target that chat
_CHAT_TARGETED_PREFIXES = ("send", "edit", "copy", "forward", "delete", "pin", "unpin")
_INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_DEFAULT_UPDATE_TYPES_EXCLUDED = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)


def _decode_form_value(key: str, value: str) -> Any:
    if key in _STRING_FIELDS or value.startswith("attach://"):
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    if isinstance(decoded, str) and key not in _JSON_FIELDS:
        return value
    return decoded


def _normalize_markup(markup: Any) -> Any:
    """Drop None values recursively (aiogram omits them; JSON clients may not)."""
    if isinstance(markup, dict):
        return {k: _normalize_markup(v) for k, v in markup.items() if v is not None}
    if isinstance(markup, list):
        return [_normalize_markup(v) for v in markup]
    return markup


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise _bad(f"{name} must be an integer")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise _bad(f"invalid {name} specified") from None


def _unique_id(file_id: str) -> str:
    return "U" + hashlib.sha1(file_id.encode()).hexdigest()[:15]


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


class FakeTelegram:
    """In-process fake of the Telegram Bot API (aiohttp server on 127.0.0.1)."""

    #: reject unknown named HTML entities such as ``&nbsp;`` (Telegram shows them literally)
    strict_html_entities: bool = True
    #: if True, sending to a chat the server never saw answers 400 "chat not found";
    #: if False (default) such chats are created on the fly (private if id > 0, else group).
    strict_chats: bool = False

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_id: int = 123456,
        bot_username: str = "cluster_test_bot",
        *,
        bot_first_name: str = "Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self._host = host
        self._port = port
        self.url: str = ""
        self._runner: web.AppRunner | None = None
        self._closing = False

        self.seq: int = 0
        # observation
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], SentMessage] = {}
        self.events: list[MessageEvent] = []
        self.user_messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.files: dict[str, StoredFile] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.member_status: dict[tuple[int, int], str] = {}
        self.webhook_url: str = ""
        self.bot_settings: dict[str, Any] = {}  # setMyDescription & co, by method name
        # update queue
        self.updates: list[dict[str, Any]] = []  # pending (not yet confirmed)
        self.delivered_update_ids: set[int] = set()
        self.confirmed_update_id: int = 0
        self.allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._callback_queries: dict[str, dict[str, Any]] = {}
        # failure injection
        self._fail_next: dict[str, list[_Failure]] = {}
        self._fail_chats: dict[int, tuple[int, str]] = {}
        self._delay_next: dict[str, list[list[float]]] = {}  # method -> [[seconds, count], ...]
        self._answer_next: dict[str, list[list[Any]]] = {}  # method -> [[body, status, type, count]]
        self._all_updates: dict[int, dict[str, Any]] = {}  # every update ever enqueued, by id
        self.global_rate_limit: float | None = None
        self.chat_rate_limit: float | None = None
        # Telegram's "20 messages per minute in the same group": sends to a chat id < 0
        self.group_limit_per_minute: int | None = None
        self._group_send_times: dict[int, deque[float]] = {}
        self.rate_limited_count: int = 0
        self._send_times: deque[float] = deque()
        self._chat_send_times: dict[int, deque[float]] = {}
        # internal
        self._next_message_id: dict[int, int] = {}
        self._file_counter = 0
        self._change: asyncio.Event | None = None
        self._handlers: dict[str, tuple[str, Callable[[Call], Any]]] = {}
        for name in (
            "getMe",
            "getUpdates",
            "deleteWebhook",
            "setWebhook",
            "getWebhookInfo",
            "setMyCommands",
            "getMyCommands",
            "deleteMyCommands",
            "sendMessage",
            "editMessageText",
            "editMessageCaption",
            "editMessageReplyMarkup",
            "deleteMessage",
            "answerCallbackQuery",
            "copyMessage",
            "forwardMessage",
            "sendChatAction",
            "getChat",
            "getChatMember",
            "getFile",
            "logOut",
            "close",
        ):
            self._handlers[name.lower()] = (name, getattr(self, "_m_" + name))
        for name in _MEDIA_METHODS:
            self._handlers[name.lower()] = (name, self._m_send_media)
        for name in (
            "setMyDescription",
            "setMyShortDescription",
            "setMyName",
            "setChatMenuButton",
            "setMyDefaultAdministratorRights",
            "pinChatMessage",
            "unpinChatMessage",
            "unpinAllChatMessages",
            "leaveChat",
            "setMessageReaction",
        ):
            self._handlers[name.lower()] = (name, self._m_accept)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._closing = False
        self._change = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self._port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock)
        await site.start()
        self.url = f"http://{self._host}:{self._port}"

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def api_base(self) -> str:
        """``{url}/bot{token}`` — append ``/methodName`` for raw HTTP calls."""
        return f"{self.url}/bot{self.token}"

    # ------------------------------------------------------------------ internals

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def _notify(self) -> None:
        if self._change is not None:
            self._change.set()
            self._change = asyncio.Event()

    async def _wait_change(self, delay: float) -> None:
        ev = self._change
        if ev is None:
            self._change = ev = asyncio.Event()
        try:
            await asyncio.wait_for(ev.wait(), delay)
        except TimeoutError:
            pass

    def _new_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id.get(chat_id, 0) + 1
        self._next_message_id[chat_id] = mid
        return mid

    def _new_file(
        self,
        data: bytes,
        filename: str | None,
        content_type: str | None = None,
        *,
        url: str | None = None,
        prefix: str = "F",
    ) -> StoredFile:
        self._file_counter += 1
        file_id = f"{prefix}{self._file_counter:06d}" + hashlib.sha1(data).hexdigest()[:12]
        f = StoredFile(
            file_id=file_id,
            file_unique_id=_unique_id(file_id),
            filename=filename,
            data=data,
            content_type=content_type,
            url=url,
            file_path=f"files/{file_id}/{filename or 'file'}",
        )
        self.files[file_id] = f
        return f

    # ---- users and chats

    def add_user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        """Register or update a user (and their private chat). Only given fields change."""
        user = self.users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": "Test", "language_code": "ru"}
            self.users[user_id] = user
        if first_name is not None:
            user["first_name"] = first_name
        if last_name is not None:
            user["last_name"] = last_name
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        chat = self.chats.get(user_id)
        if chat is None or chat.get("type") == "private":
            chat = {"id": user_id, "type": "private", "first_name": user["first_name"]}
            for k in ("last_name", "username"):
                if k in user:
                    chat[k] = user[k]
            self.chats[user_id] = chat
        return user

    def add_chat(
        self,
        chat_id: int,
        type: str | None = None,
        *,
        title: str | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        """Register a chat. Type defaults: id>0 private, -100… supergroup, else group."""
        if type is None:
            if chat_id > 0:
                type = "private"
            elif str(chat_id).startswith("-100"):
                type = "supergroup"
            else:
                type = "group"
        if type == "private":
            if chat_id not in self.chats:
                self.add_user(chat_id)
            return self.chats[chat_id]
        chat = self.chats.get(chat_id) or {"id": chat_id}
        chat["type"] = type
        chat["title"] = title or chat.get("title") or f"Test {type} {chat_id}"
        if username:
            chat["username"] = username
        self.chats[chat_id] = chat
        return chat

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """status: creator | administrator | member | restricted | left | kicked."""
        self.member_status[(chat_id, user_id)] = status

    def _resolve_chat(self, value: Any, *, create: bool = True) -> dict[str, Any]:
        if value is None or value == "":
            raise _bad("chat_id is empty")
        if isinstance(value, str) and value.startswith("@"):
            for chat in self.chats.values():
                if chat.get("username", "").lower() == value[1:].lower():
                    return chat
            raise _bad("chat not found")
        chat_id = _as_int(value, "chat_id")
        chat = self.chats.get(chat_id)
        if chat is None:
            if not create or self.strict_chats or chat_id == 0:
                raise _bad("chat not found")
            self.add_chat(chat_id)
            chat = self.chats[chat_id]
        return chat

    # ------------------------------------------------------------------ user simulation

    def send_update(self, update: dict[str, Any]) -> int:
        """Enqueue a raw update (``update_id`` is assigned). Returns the update_id."""
        update = dict(update)
        update["update_id"] = self._next_seq()
        self.updates.append(update)
        self._all_updates[update["update_id"]] = update
        self._notify()
        return update["update_id"]

    def redeliver(self, *update_ids: int) -> None:
        """Queue updates again that a bot already got and confirmed, as Telegram does after a
        crash before the offset moved (or a webhook retry). Call it while no bot is polling:
        a running poller's offset would confirm them at once."""
        for update_id in update_ids:
            update = self._all_updates[int(update_id)]
            self.delivered_update_ids.discard(update["update_id"])
            if all(u["update_id"] != update["update_id"] for u in self.updates):
                self.updates.append(dict(update))
        self.updates.sort(key=lambda u: u["update_id"])
        self._notify()

    def send_user_message(
        self,
        user_id: int,
        fields: dict[str, Any],
        *,
        chat_id: int | None = None,
        reply_to_message_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> int:
        """Enqueue a ``message`` update from a user; ``fields`` are merged into the Message."""
        user = self.add_user(
            user_id,
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        cid = user_id if chat_id is None else chat_id
        if cid not in self.chats:
            self.add_chat(cid)
        chat = self.chats[cid]
        mid = self._new_message_id(cid)
        msg: dict[str, Any] = {
            "message_id": mid,
            "from": dict(user),
            "chat": dict(chat),
            "date": int(time.time()),
        }
        if reply_to_message_id is not None:
            target = self._any_message_json(cid, reply_to_message_id)
            if target is not None:
                msg["reply_to_message"] = target
        msg.update(fields)
        self.user_messages[(cid, mid)] = msg
        return self.send_update({"message": msg})

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> int:
        """User sends a text message (private chat unless chat_id). Returns update_id.

        User fields (first_name "Test", language_code "ru" for new users) only change
        when passed explicitly.  A leading "/command" gets a bot_command entity.
        """
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            cmd = text.split()[0] if text.split() else text
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(cmd)}]
        return self.send_user_message(
            user_id,
            fields,
            chat_id=chat_id,
            reply_to_message_id=reply_to_message_id,
            first_name=first_name,
            language_code=language_code,
            username=username,
            last_name=last_name,
        )

    def send_photo(
        self,
        user_id: int,
        caption: str | None = None,
        *,
        data: bytes = b"\x89PNG fake photo",
        chat_id: int | None = None,
        reply_to_message_id: int | None = None,
        **user: Any,
    ) -> int:
        small = self._new_file(data[:8], "photo_s.jpg", "image/jpeg", prefix="P")
        big = self._new_file(data, "photo.jpg", "image/jpeg", prefix="P")
        fields: dict[str, Any] = {
            "photo": [
                {
                    "file_id": small.file_id,
                    "file_unique_id": small.file_unique_id,
                    "width": 90,
                    "height": 90,
                    "file_size": small.size,
                },
                {
                    "file_id": big.file_id,
                    "file_unique_id": big.file_unique_id,
                    "width": 1280,
                    "height": 960,
                    "file_size": big.size,
                },
            ]
        }
        if caption is not None:
            fields["caption"] = caption
        return self.send_user_message(
            user_id, fields, chat_id=chat_id, reply_to_message_id=reply_to_message_id, **user
        )

    def send_document(
        self,
        user_id: int,
        filename: str = "file.txt",
        data: bytes = b"hello",
        caption: str | None = None,
        *,
        mime_type: str = "text/plain",
        chat_id: int | None = None,
        reply_to_message_id: int | None = None,
        **user: Any,
    ) -> int:
        f = self._new_file(data, filename, mime_type, prefix="D")
        fields: dict[str, Any] = {
            "document": {
                "file_id": f.file_id,
                "file_unique_id": f.file_unique_id,
                "file_name": filename,
                "mime_type": mime_type,
                "file_size": f.size,
            }
        }
        if caption is not None:
            fields["caption"] = caption
        return self.send_user_message(
            user_id, fields, chat_id=chat_id, reply_to_message_id=reply_to_message_id, **user
        )

    def send_sticker(
        self, user_id: int, emoji: str = "👍", *, chat_id: int | None = None, **user: Any
    ) -> int:
        f = self._new_file(b"RIFF fake webp", "sticker.webp", "image/webp", prefix="S")
        fields = {
            "sticker": {
                "file_id": f.file_id,
                "file_unique_id": f.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
                "file_size": f.size,
            }
        }
        return self.send_user_message(user_id, fields, chat_id=chat_id, **user)

    def send_voice(
        self,
        user_id: int,
        duration: int = 3,
        *,
        data: bytes = b"OggS fake voice",
        chat_id: int | None = None,
        **user: Any,
    ) -> int:
        f = self._new_file(data, "voice.ogg", "audio/ogg", prefix="V")
        fields = {
            "voice": {
                "file_id": f.file_id,
                "file_unique_id": f.file_unique_id,
                "duration": duration,
                "mime_type": "audio/ogg",
                "file_size": f.size,
            }
        }
        return self.send_user_message(user_id, fields, chat_id=chat_id, **user)

    def send_contact(
        self,
        user_id: int,
        phone_number: str,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        contact_user_id: int | None = -1,
        chat_id: int | None = None,
        **user: Any,
    ) -> int:
        """User shares a contact; by default their own (contact.user_id == user_id).

        Pass contact_user_id=None for a contact without a Telegram account, or another id.
        """
        self.add_user(user_id)
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": first_name or self.users[user_id]["first_name"],
        }
        if last_name:
            contact["last_name"] = last_name
        cuid = user_id if contact_user_id == -1 else contact_user_id
        if cuid is not None:
            contact["user_id"] = cuid
        return self.send_user_message(user_id, {"contact": contact}, chat_id=chat_id, **user)

    def _lookup_message(
        self, message: SentMessage | int, chat_id: int | None, user_id: int
    ) -> SentMessage:
        if isinstance(message, SentMessage):
            key = message.key
        else:
            key = (user_id if chat_id is None else chat_id, int(message))
        sm = self.messages.get(key)
        if sm is None:
            raise AssertionError(f"no bot message {key} known to the fake server")
        return sm

    def press(
        self,
        user_id: int,
        message: SentMessage | int,
        callback_data: str,
        *,
        chat_id: int | None = None,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> str:
        """Enqueue a callback_query for a bot message (no check that the button exists).

        ``message`` is a SentMessage or a message_id in chat ``chat_id`` (default: the
        user's private chat). Returns the callback query id (digits, == its update_id).
        """
        sm = self._lookup_message(message, chat_id, user_id)
        user = self.add_user(user_id, first_name, username=username, language_code=language_code)
        cq_id = str(self.seq + 1)  # == the update_id assigned below
        cq = {
            "id": cq_id,
            "from": dict(user),
            "message": self._message_json(sm),
            "chat_instance": str(abs(hash((sm.chat_id, self.bot_id))) % 10**18),
            "data": callback_data,
        }
        self._callback_queries[cq_id] = cq
        self.send_update({"callback_query": cq})
        return cq_id

    def press_button(
        self,
        user_id: int,
        message: SentMessage | int,
        text_contains: str,
        *,
        chat_id: int | None = None,
        **user: Any,
    ) -> str:
        """Press the inline button whose text equals / contains ``text_contains`` in the
        message's CURRENT keyboard. Returns the callback query id."""
        sm = self._lookup_message(message, chat_id, user_id)
        if sm.deleted:
            raise AssertionError(f"message was deleted: {sm!r}")
        button = sm.find_button(text_contains)
        if button is None:
            raise AssertionError(
                f"no inline button containing {text_contains!r} in {sm!r}; "
                f"buttons: {sm.button_texts}"
            )
        if "callback_data" not in button:
            raise AssertionError(f"button {button!r} has no callback_data (can't be pressed)")
        return self.press(user_id, sm, button["callback_data"], chat_id=sm.chat_id, **user)

    def block(self, user_id: int, *, notify: bool = True) -> None:
        """User blocks the bot: sends to them fail with 403; optionally a my_chat_member
        update (member -> kicked) is enqueued."""
        self.fail_chat(user_id, 403, BLOCKED_BY_USER)
        if notify:
            user = self.add_user(user_id)
            now = int(time.time())
            bot = dict(self.bot_user)
            self.send_update(
                {
                    "my_chat_member": {
                        "chat": dict(self.chats[user_id]),
                        "from": dict(user),
                        "date": now,
                        "old_chat_member": {"status": "member", "user": bot},
                        "new_chat_member": {"status": "kicked", "user": bot, "until_date": 0},
                    }
                }
            )

    # ------------------------------------------------------------------ observation

    def sent_to(self, chat_id: int, *, include_deleted: bool = False) -> list[SentMessage]:
        """Bot messages in a chat, oldest first."""
        msgs = [
            m
            for (cid, _), m in self.messages.items()
            if cid == chat_id and (include_deleted or not m.deleted)
        ]
        return sorted(msgs, key=lambda m: m.message_id)

    def last_message(self, chat_id: int) -> SentMessage | None:
        msgs = self.sent_to(chat_id)
        return msgs[-1] if msgs else None

    def calls_of(self, method: str) -> list[Call]:
        m = method.lower()
        return [c for c in self.calls if c.method.lower() == m]

    def get_commands(self, scope: str = "default", language_code: str = "") -> list[dict] | None:
        """Commands set via setMyCommands. scope keys: "default", "all_private_chats",
        "all_group_chats", "all_chat_administrators", "chat:<id>",
        "chat_administrators:<id>", "chat_member:<chat>:<user>"."""
        return self.commands.get((scope, language_code))

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self.updates)

    def dump(self, calls: int = 15, messages: int = 10) -> str:
        """Human-readable summary of the latest calls and message events."""
        lines = [f"FakeTelegram seq={self.seq} pending_updates={len(self.updates)}"]
        polls = sum(1 for c in self.calls if c.method == "getUpdates")
        recent = [c for c in self.calls if c.method != "getUpdates"][-calls:]
        lines.append(f"last {len(recent)} calls (plus {polls} getUpdates):")
        lines += ["  " + c.short() for c in recent] or ["  (none)"]
        evs = self.events[-messages:]
        lines.append(f"last {len(evs)} message events:")
        for e in evs:
            t = e.text if len(e.text) <= 200 else e.text[:197] + "..."
            btns = [
                b.get("text")
                for row in (e.reply_markup or {}).get("inline_keyboard", [])
                for b in row
            ]
            lines.append(
                f"  #{e.seq} {e.kind} chat={e.chat_id} id={e.message_id} {t!r}"
                + (f" buttons={btns}" if btns else "")
            )
        if not evs:
            lines.append("  (none)")
        return "\n".join(lines)

    async def wait_for(
        self,
        predicate: Callable[[FakeTelegram], Any],
        timeout: float = 10.0,  # noqa: ASYNC109 (explicit timeouts are the API)
        *,
        description: str | None = None,
    ) -> Any:
        """Wait until ``predicate(self)`` is truthy and return its value.

        Re-evaluated on every server-side change (and at least every 50 ms).
        On timeout raises AssertionError with a dump of the recent calls.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate(self)
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                what = description or getattr(predicate, "__name__", "predicate")
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}\n{self.dump()}"
                )
            await self._wait_change(min(remaining, 0.05))

    def find_event(
        self,
        chat_id: int | None = None,
        *,
        contains: str | None = None,
        after: int = 0,
        kinds: Iterable[str] = ("sent", "edited"),
        where: Callable[[MessageEvent], bool] | None = None,
    ) -> MessageEvent | None:
        kinds = tuple(kinds)
        for e in self.events:
            if e.seq <= after or e.kind not in kinds:
                continue
            if chat_id is not None and e.chat_id != chat_id:
                continue
            if contains is not None and contains not in e.text:
                continue
            if where is not None and not where(e):
                continue
            return e
        return None

    async def wait_event(
        self,
        chat_id: int | None = None,
        *,
        contains: str | None = None,
        after: int = 0,
        kinds: Iterable[str] = ("sent", "edited"),
        where: Callable[[MessageEvent], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 (explicit timeouts are the API)
    ) -> MessageEvent:
        kinds = tuple(kinds)
        desc = f"{'/'.join(kinds)} message in chat {chat_id} after seq {after}"
        if contains is not None:
            desc += f" containing {contains!r}"
        return await self.wait_for(
            lambda s: s.find_event(
                chat_id, contains=contains, after=after, kinds=kinds, where=where
            ),
            timeout,
            description=desc,
        )

    async def wait_message(
        self,
        chat_id: int,
        *,
        contains: str | None = None,
        after: int = 0,
        timeout: float = 10.0,  # noqa: ASYNC109 (explicit timeouts are the API)
        where: Callable[[MessageEvent], bool] | None = None,
    ) -> SentMessage:
        """First message event (send or edit) in ``chat_id`` with seq > ``after`` whose plain
        text at that moment contains ``contains``. Returns the live SentMessage (current
        state; ``.seq`` = its latest event, usable as the next ``after``)."""
        ev = await self.wait_event(
            chat_id, contains=contains, after=after, where=where, timeout=timeout
        )
        return ev.message

    async def wait_call(
        self,
        method: str,
        *,
        after: int = 0,
        where: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 (explicit timeouts are the API)
    ) -> Call:
        """First answered call of ``method`` with seq > after (optionally matching where)."""
        m = method.lower()

        def find(s: FakeTelegram) -> Call | None:
            for c in s.calls:
                if c.seq > after and c.method.lower() == m and c.status is not None:
                    if where is None or where(c):
                        return c
            return None

        return await self.wait_for(find, timeout, description=f"call {method} after seq {after}")

    async def wait_callback_answer(
        self,
        callback_query_id: str,
        timeout: float = 10.0,  # noqa: ASYNC109 (explicit timeouts are the API)
    ) -> dict[str, Any]:
        """Params of the answerCallbackQuery for that query (text, show_alert, ...)."""
        return await self.wait_for(
            lambda s: s.callback_answers.get(callback_query_id),
            timeout,
            description=f"answerCallbackQuery({callback_query_id})",
        )

    async def wait_updates_consumed(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 (explicit timeouts are the API)
        """Wait until every enqueued update was handed to the bot via getUpdates."""
        await self.wait_for(
            lambda s: all(u["update_id"] in s.delivered_update_ids for u in s.updates),
            timeout,
            description="all pending updates delivered",
        )

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        *,
        count: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """The next ``count`` calls of ``method`` answer with this error (queued after any
        earlier fail_next for the same method). 429 without retry_after gets retry_after=1."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        self._fail_next.setdefault(method.lower(), []).append(
            _Failure(error_code, description, count, retry_after)
        )

    def delay_next(self, method: str, seconds: float, *, count: int = 1) -> None:
        """The next ``count`` calls of ``method`` are recorded at once but answered ``seconds``
        later (e.g. to keep an update in flight while the bot is being stopped)."""
        self._delay_next.setdefault(method.lower(), []).append([seconds, count])

    def answer_next(
        self,
        method: str,
        body: str | bytes,
        *,
        status: int = 200,
        content_type: str = "text/html",
        count: int = 1,
    ) -> None:
        """The next ``count`` calls of ``method`` get this raw body instead of a Bot API answer
        (say, a proxy's HTML error page, or JSON that isn't an API answer)."""
        data = body.encode() if isinstance(body, str) else body
        self._answer_next.setdefault(method.lower(), []).append([data, status, content_type, count])

    def fail_chat(self, chat_id: int, error_code: int, description: str) -> None:
        """Every send/edit/copy/forward/delete/chat-action targeting ``chat_id`` fails
        (e.g. 403 "Forbidden: bot was blocked by the user") until clear_failures()."""
        self._fail_chats[int(chat_id)] = (error_code, description)

    def clear_failures(self) -> None:
        self._fail_next.clear()
        self._answer_next.clear()
        self._fail_chats.clear()

    def _injected_failure(self, call: Call) -> ApiError | None:
        queue = self._fail_next.get(call.method.lower())
        if queue:
            f = queue[0]
            f.count -= 1
            if f.count <= 0:
                queue.pop(0)
            return ApiError(f.error_code, f.description, retry_after=f.retry_after)
        if self._fail_chats and call.method.lower().startswith(_CHAT_TARGETED_PREFIXES):
            cid = call.params.get("chat_id")
            try:
                cid = int(cid) if cid is not None else None
            except (TypeError, ValueError):
                cid = None
            if cid is not None and cid in self._fail_chats:
                code, desc = self._fail_chats[cid]
                return ApiError(code, desc)
        return None

    @staticmethod
    def _window_check(times: deque[float], rate: float, now: float) -> int | None:
        window = 1.0 if rate >= 1 else 1.0 / rate
        capacity = max(1, int(round(rate * window)))
        while times and times[0] <= now - window:
            times.popleft()
        if len(times) >= capacity:
            return max(1, math.ceil(times[0] + window - now))
        return None

    def _rate_limit(self, call: Call) -> ApiError | None:
        if call.method not in _RATE_LIMITED:
            return None
        now = time.monotonic()
        retry: int | None = None
        if self.global_rate_limit:
            retry = self._window_check(self._send_times, self.global_rate_limit, now)
        if retry is None and self.chat_rate_limit:
            try:
                cid = int(call.params.get("chat_id"))
            except (TypeError, ValueError):
                cid = None
            if cid is not None:
                times = self._chat_send_times.setdefault(cid, deque())
                retry = self._window_check(times, self.chat_rate_limit, now)
        if retry is None and self.group_limit_per_minute:
            try:
                cid = int(call.params.get("chat_id"))
            except (TypeError, ValueError):
                cid = None
            if cid is not None and cid < 0:
                times = self._group_send_times.setdefault(cid, deque())
                while times and times[0] <= now - 60.0:
                    times.popleft()
                if len(times) >= self.group_limit_per_minute:
                    retry = max(1, math.ceil(times[0] + 60.0 - now))
        if retry is None:
            return None
        self.rate_limited_count += 1
        return ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)

    def _count_send(self, call: Call) -> None:
        if call.method not in _RATE_LIMITED:
            return
        now = time.monotonic()
        self._send_times.append(now)
        try:
            cid = int(call.params.get("chat_id"))
        except (TypeError, ValueError):
            return
        self._chat_send_times.setdefault(cid, deque()).append(now)
        if cid < 0:
            self._group_send_times.setdefault(cid, deque()).append(now)

    # ------------------------------------------------------------------ HTTP layer

    @staticmethod
    def _json(payload: dict[str, Any], status: int = 200) -> web.Response:
        return web.json_response(
            payload, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False)
        )

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        return self._json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        path = request.match_info["path"]
        for f in self.files.values():
            if f.file_path == path:
                return web.Response(
                    body=f.data, content_type=f.content_type or "application/octet-stream"
                )
        return self._json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

    async def _read_params(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, StoredFile]]:
        params: dict[str, Any] = {}
        uploads: dict[str, StoredFile] = {}
        for k, v in request.query.items():
            params[k] = _decode_form_value(k, v)
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise _bad("can't parse JSON body") from None
                if not isinstance(body, dict):
                    raise _bad("JSON body must be an object")
                for k, v in body.items():
                    if k in _JSON_FIELDS and isinstance(v, str):
                        try:
                            v = json.loads(v)
                        except ValueError:
                            raise _bad(f"can't parse {k} JSON object") from None
                    params[k] = v
            elif ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
                form = await request.post()
                for k, v in form.items():
                    if isinstance(v, web.FileField):
                        data = v.file.read()
                        uploads[k] = StoredFile(
                            file_id="",
                            file_unique_id="",
                            filename=v.filename,
                            data=data,
                            content_type=v.content_type,
                        )
                    else:
                        params[k] = _decode_form_value(k, str(v))
        return params, uploads

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        method_raw = request.match_info["method"]
        try:
            params, uploads = await self._read_params(request)
        except ApiError as e:
            return self._json(e.payload(), e.error_code)
        entry = self._handlers.get(method_raw.lower())
        name = entry[0] if entry else method_raw
        call = Call(
            seq=self._next_seq(), method=name, params=params, files=uploads, time=time.monotonic()
        )
        self.calls.append(call)
        self._notify()
        delays = self._delay_next.get(name.lower())
        if delays:
            seconds, left = delays[0]
            if left <= 1:
                delays.pop(0)
            else:
                delays[0][1] = left - 1
            await asyncio.sleep(seconds)
        raw = self._answer_next.get(name.lower())
        if raw:
            body, status, content_type, left = raw[0]
            if left <= 1:
                raw.pop(0)
            else:
                raw[0][3] = left - 1
            call.status, call.raw = status, body
            self._notify()
            return web.Response(body=body, status=status, content_type=content_type)
        try:
            if entry is None:
                raise ApiError(404, "Not Found")
            err = self._injected_failure(call) or self._rate_limit(call)
            if err is not None:
                raise err
            result = entry[1](call)
            if asyncio.iscoroutine(result):
                result = await result
            self._count_send(call)
            payload: dict[str, Any] = {"ok": True, "result": result}
            status = 200
        except ApiError as e:
            payload, status = e.payload(), e.error_code
        call.status = status
        call.response = payload
        self._notify()
        return self._json(payload, status)

    # ------------------------------------------------------------------ message helpers

    def _chat_json(self, chat_id: int) -> dict[str, Any]:
        return dict(
            self.chats.get(chat_id) or {"id": chat_id, "type": "private", "first_name": "?"}
        )

    def _message_json(self, sm: SentMessage, *, with_reply: bool = True) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "message_id": sm.message_id,
            "from": dict(self.bot_user),
            "chat": self._chat_json(sm.chat_id),
            "date": sm.date,
        }
        if sm.edit_date:
            msg["edit_date"] = sm.edit_date
        if sm.kind == "text":
            msg["text"] = sm.text
            if sm.entities:  # as Telegram sends them: the bot reads its own formatting back
                msg["entities"] = [dict(e) for e in sm.entities]
        else:
            f = sm.file
            if f is not None:
                msg.update(self._media_object(sm.kind, f, sm.params))
            if sm.text and sm.kind not in _NO_CAPTION_KINDS:
                msg["caption"] = sm.text
                if sm.entities:
                    msg["caption_entities"] = [dict(e) for e in sm.entities]
        if sm.forward_from is not None:
            src_chat, src_mid = sm.forward_from
            src = self._any_message_json(src_chat, src_mid) or {}
            sender = src.get("from") or dict(self.bot_user)
            msg["forward_origin"] = {
                "type": "user",
                "date": src.get("date", sm.date),
                "sender_user": sender,
            }
        if with_reply and sm.reply_to_message_id is not None:
            target = self._any_message_json(sm.chat_id, sm.reply_to_message_id, with_reply=False)
            if target is not None:
                msg["reply_to_message"] = target
        if sm.reply_markup and "inline_keyboard" in sm.reply_markup:
            msg["reply_markup"] = {"inline_keyboard": sm.reply_markup["inline_keyboard"]}
        return msg

    def _any_message_json(
        self, chat_id: int, message_id: int, *, with_reply: bool = True
    ) -> dict[str, Any] | None:
        sm = self.messages.get((chat_id, message_id))
        if sm is not None:
            return None if sm.deleted else self._message_json(sm, with_reply=with_reply)
        um = self.user_messages.get((chat_id, message_id))
        if um is not None and not um.get("_deleted"):
            return {k: v for k, v in um.items() if not k.startswith("_")}
        return None

    @staticmethod
    def _media_object(kind: str, f: StoredFile, params: dict[str, Any]) -> dict[str, Any]:
        base = {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "file_size": f.size}
        if kind == "photo":
            return {"photo": [{**base, "width": 1280, "height": 960}]}
        if kind == "document":
            obj = {**base, "file_name": f.filename or "document"}
            if f.content_type:
                obj["mime_type"] = f.content_type
            return {"document": obj}
        if kind == "sticker":
            return {
                "sticker": {
                    **base,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            }
        if kind == "voice":
            return {"voice": {**base, "duration": int(params.get("duration") or 1)}}
        if kind == "audio":
            return {
                "audio": {
                    **base,
                    "duration": int(params.get("duration") or 1),
                    "file_name": f.filename or "audio",
                }
            }
        if kind in ("video", "animation"):
            return {
                kind: {
                    **base,
                    "width": 640,
                    "height": 360,
                    "duration": int(params.get("duration") or 1),
                    "file_name": f.filename or kind,
                }
            }
        if kind == "video_note":
            return {
                "video_note": {**base, "length": 240, "duration": int(params.get("duration") or 1)}
            }
        return {kind: base}

    def _parse_text(
        self, raw: Any, parse_mode: Any, *, caption: bool
    ) -> tuple[str, str, list[dict[str, Any]], str | None]:
        """Return (plain, raw, entities, parse_mode) or raise 400."""
        raw = "" if raw is None else str(raw)
        mode = str(parse_mode) if parse_mode else None
        entities: list[dict[str, Any]] = []
        if mode is not None and mode.lower() == "html":
            try:
                plain, entities = parse_html(raw, strict_entities=self.strict_html_entities)
            except HTMLParseError as e:
                raise _bad(f"can't parse entities: {e}") from None
        elif mode is None or mode.lower() in ("markdown", "markdownv2"):
            plain = raw
        else:
            raise _bad("unsupported parse_mode")
        if caption:  # Telegram counts UTF-16 code units of the parsed text
            if _utf16_len(plain) > CAPTION_LIMIT:
                raise _bad("message caption is too long")
        else:
            if not plain.strip():
                raise _bad("message text is empty")
            if _utf16_len(plain) > TEXT_LIMIT:
                raise _bad("message is too long")
        return plain, raw, entities, mode

    def _validate_markup(self, markup: Any) -> dict[str, Any] | None:
        if markup is None or markup == "":
            return None
        if isinstance(markup, str):
            try:
                markup = json.loads(markup)
            except ValueError:
                raise _bad("can't parse reply keyboard markup JSON object") from None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        markup = _normalize_markup(markup)
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
                )
            for row in rows:
                for b in row:
                    if not isinstance(b, dict) or not isinstance(b.get("text"), str):
                        raise _bad(
                            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                        )
                    if not b["text"].strip():
                        raise _bad("BUTTON_TEXT_INVALID")
                    actions = [a for a in _INLINE_BUTTON_ACTIONS if a in b]
                    if not actions:
                        raise _bad(
                            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                        )
                    if len(actions) > 1:
                        raise _bad(
                            "can't parse inline keyboard button: exactly one of the optional "
                            f"fields must be used, got {actions}"
                        )
                    if "callback_data" in b:
                        data = b["callback_data"]
                        if (
                            not isinstance(data, str)
                            or not data
                            or len(data.encode()) > CALLBACK_DATA_LIMIT
                        ):
                            raise _bad("BUTTON_DATA_INVALID")
                    if "url" in b:
                        url = b["url"]
                        if not isinstance(url, str) or not url.startswith(
                            ("http://", "https://", "tg://")
                        ):
                            raise _bad(
                                f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
                            )
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
            for row in rows:
                for b in row:
                    text = (
                        b
                        if isinstance(b, str)
                        else (b.get("text") if isinstance(b, dict) else None)
                    )
                    if not text:
                        raise _bad(
                            'can\'t parse keyboard button: Field "text" must be of type String'
                        )
        elif not ({"remove_keyboard", "force_reply"} & markup.keys()):
            raise _bad("can't parse reply keyboard markup JSON object")
        return markup

    def _reply_target(self, chat_id: int, params: dict[str, Any]) -> int | None:
        rp = params.get("reply_parameters")
        mid = params.get("reply_to_message_id")
        allow = bool(params.get("allow_sending_without_reply"))
        if isinstance(rp, dict) and rp.get("message_id") is not None:
            mid = rp["message_id"]
            allow = allow or bool(rp.get("allow_sending_without_reply"))
            if rp.get("chat_id") not in (None, chat_id):
                return None
        if mid is None:
            return None
        mid = _as_int(mid, "reply_to_message_id")
        if self._any_message_json(chat_id, mid) is None:
            if allow:
                return None
            raise _bad("message to be replied not found")
        return mid

    def _record_event(self, kind: str, sm: SentMessage) -> MessageEvent:
        seq = self._next_seq()
        sm.seq = seq
        ev = MessageEvent(
            seq=seq,
            kind=kind,
            chat_id=sm.chat_id,
            message_id=sm.message_id,
            text=sm.text,
            html=sm.html,
            reply_markup=json.loads(json.dumps(sm.reply_markup)) if sm.reply_markup else None,
            message=sm,
        )
        self.events.append(ev)
        self._notify()
        return ev

    def _create_message(
        self,
        call: Call,
        chat_id: int,
        kind: str,
        plain: str,
        raw: str,
        entities: list[dict[str, Any]],
        mode: str | None,
        markup: dict[str, Any] | None,
        *,
        file: StoredFile | None = None,
        reply_to: int | None = None,
        forward_from: tuple[int, int] | None = None,
        copied_from: tuple[int, int] | None = None,
    ) -> SentMessage:
        sm = SentMessage(
            chat_id=chat_id,
            message_id=self._new_message_id(chat_id),
            kind=kind,
            text=plain,
            html=raw,
            parse_mode=mode,
            entities=entities,
            reply_markup=markup,
            date=int(time.time()),
            first_seq=0,
            seq=0,
            sent_at=time.monotonic(),
            method=call.method,
            params=call.params,
            file=file,
            reply_to_message_id=reply_to,
            forward_from=forward_from,
            copied_from=copied_from,
        )
        self.messages[sm.key] = sm
        ev = self._record_event("sent", sm)
        sm.first_seq = ev.seq
        return sm

    def _resolve_input_file(self, call: Call, field_name: str) -> StoredFile:
        value = call.params.get(field_name)
        upload: StoredFile | None = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = call.files.get(value[len("attach://") :])
            if upload is None:
                raise _bad("wrong file identifier/HTTP URL specified")
        elif value is None and field_name in call.files:
            upload = call.files[field_name]
        if upload is not None:
            return self._new_file(
                upload.data,
                upload.filename,
                upload.content_type,
                prefix=field_name[:1].upper(),
            )
        if value is None or value == "":
            raise _bad(f"there is no {field_name} in the request")
        value = str(value)
        if value in self.files:
            return self.files[value]
        if value.startswith(("http://", "https://")):
            name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
            return self._new_file(b"", name, None, url=value, prefix="U")
        raise _bad("wrong file identifier/HTTP URL specified")

    def _get_bot_message(self, call: Call, *, what: str) -> SentMessage:
        if call.params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._resolve_chat(call.params.get("chat_id"), create=False)
        mid = call.params.get("message_id")
        if mid is None:
            raise _bad("message identifier is not specified")
        mid = _as_int(mid, "message_id")
        sm = self.messages.get((chat["id"], mid))
        if sm is None or sm.deleted:
            if (chat["id"], mid) in self.user_messages and what == "edit":
                raise _bad("message can't be edited")
            raise _bad(f"message to {what} not found")
        return sm

    @staticmethod
    def _inline_part(markup: dict[str, Any] | None) -> Any:
        if markup and "inline_keyboard" in markup:
            return markup["inline_keyboard"]
        return None

    def _apply_edit(
        self,
        sm: SentMessage,
        *,
        plain: str | None = None,
        raw: str | None = None,
        entities: list[dict[str, Any]] | None = None,
        mode: str | None = None,
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        new_plain = sm.text if plain is None else plain
        new_entities = sm.entities if entities is None else entities
        if (
            new_plain == sm.text
            and new_entities == sm.entities
            and self._inline_part(markup) == self._inline_part(sm.reply_markup)
        ):
            raise _bad(MESSAGE_NOT_MODIFIED[len("Bad Request: ") :])
        if plain is not None:
            if plain != sm.text:
                sm.history.append(sm.text)
            sm.text, sm.html, sm.entities, sm.parse_mode = plain, raw or "", new_entities, mode
        sm.reply_markup = markup
        sm.edited += 1
        sm.edit_date = int(time.time())
        self._record_event("edited", sm)
        return self._message_json(sm)

    # ------------------------------------------------------------------ API methods

    def _m_getMe(self, call: Call) -> Any:
        return dict(self.bot_user)

    def _m_logOut(self, call: Call) -> Any:
        return True

    def _m_close(self, call: Call) -> Any:
        return True

    def _m_accept(self, call: Call) -> Any:
        self.bot_settings[call.method] = call.params
        return True

    def _update_type(self, update: dict[str, Any]) -> str:
        return next((k for k in update if k != "update_id"), "")

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        utype = self._update_type(update)
        if self.allowed_updates:
            return utype in self.allowed_updates
        return utype not in _DEFAULT_UPDATE_TYPES_EXCLUDED

    async def _m_getUpdates(self, call: Call) -> Any:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        p = call.params
        offset = _as_int(p.get("offset") or 0, "offset")
        limit = min(100, max(1, _as_int(p.get("limit") or 100, "limit")))
        try:
            timeout = max(0.0, float(p.get("timeout") or 0))
        except (TypeError, ValueError):
            raise _bad("invalid timeout specified") from None
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = list(allowed) or None
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            self.confirmed_update_id = max(self.confirmed_update_id, offset - 1)
        elif offset < 0:
            self.updates = self.updates[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # wakes a concurrent poller so it can answer 409
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            self.updates = [u for u in self.updates if self._is_allowed(u)]
            batch = self.updates[:limit]
            if batch or self._closing:
                for u in batch:
                    self.delivered_update_ids.add(u["update_id"])
                self._notify()
                return [dict(u) for u in batch]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await self._wait_change(min(remaining, 0.5))

    def _m_deleteWebhook(self, call: Call) -> Any:
        self.webhook_url = ""
        if call.params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    def _m_setWebhook(self, call: Call) -> Any:
        url = call.params.get("url") or ""
        if url and not str(url).startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = str(url)
        if call.params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    def _m_getWebhookInfo(self, call: Call) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not scope:
            return "default"
        if not isinstance(scope, dict) or "type" not in scope:
            raise _bad("can't parse BotCommandScope JSON object")
        key = str(scope["type"])
        for part in ("chat_id", "user_id"):
            if part in scope:
                key += f":{scope[part]}"
        return key

    def _commands_key(self, call: Call) -> tuple[str, str]:
        lang = call.params.get("language_code") or ""
        if lang and (len(lang) != 2 or not lang.isalpha()):
            raise _bad("invalid language code specified")
        return self._scope_key(call.params.get("scope")), lang

    def _m_setMyCommands(self, call: Call) -> Any:
        commands = call.params.get("commands")
        if commands is None:
            raise _bad('parameter "commands" is required')
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("can't parse commands JSON object")
        clean = []
        for c in commands:
            if not isinstance(c, dict):
                raise _bad("can't parse BotCommand JSON object")
            cmd, desc = c.get("command"), c.get("description")
            if (
                not isinstance(cmd, str)
                or not 1 <= len(cmd) <= 32
                or not all(
                    ch.isascii() and (ch.islower() or ch.isdigit() or ch == "_") for ch in cmd
                )
            ):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(desc, str) or not 1 <= len(desc) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": cmd, "description": desc})
        key = self._commands_key(call)
        if clean:
            self.commands[key] = clean
        else:
            self.commands.pop(key, None)
        return True

    def _m_getMyCommands(self, call: Call) -> Any:
        return list(self.commands.get(self._commands_key(call), []))

    def _m_deleteMyCommands(self, call: Call) -> Any:
        self.commands.pop(self._commands_key(call), None)
        return True

    def _m_sendMessage(self, call: Call) -> Any:
        p = call.params
        chat = self._resolve_chat(p.get("chat_id"))
        if p.get("text") is None:
            raise _bad("message text is empty")
        plain, raw, entities, mode = self._parse_text(
            p.get("text"), p.get("parse_mode"), caption=False
        )
        markup = self._validate_markup(p.get("reply_markup"))
        reply_to = self._reply_target(chat["id"], p)
        sm = self._create_message(
            call, chat["id"], "text", plain, raw, entities, mode, markup, reply_to=reply_to
        )
        return self._message_json(sm)

    def _m_send_media(self, call: Call) -> Any:
        p = call.params
        kind = _MEDIA_METHODS[call.method]
        chat = self._resolve_chat(p.get("chat_id"))
        f = self._resolve_input_file(call, kind)
        plain, raw, entities, mode = "", "", [], None
        if kind not in _NO_CAPTION_KINDS and p.get("caption") is not None:
            plain, raw, entities, mode = self._parse_text(
                p.get("caption"), p.get("parse_mode"), caption=True
            )
        markup = self._validate_markup(p.get("reply_markup"))
        reply_to = self._reply_target(chat["id"], p)
        sm = self._create_message(
            call, chat["id"], kind, plain, raw, entities, mode, markup, file=f, reply_to=reply_to
        )
        return self._message_json(sm)

    def _m_editMessageText(self, call: Call) -> Any:
        p = call.params
        sm = self._get_bot_message(call, what="edit")
        if sm.kind != "text":
            raise _bad("there is no text in the message to edit")
        if p.get("text") is None:
            raise _bad("message text is empty")
        plain, raw, entities, mode = self._parse_text(
            p.get("text"), p.get("parse_mode"), caption=False
        )
        markup = self._validate_markup(p.get("reply_markup"))
        return self._apply_edit(
            sm, plain=plain, raw=raw, entities=entities, mode=mode, markup=markup
        )

    def _m_editMessageCaption(self, call: Call) -> Any:
        p = call.params
        sm = self._get_bot_message(call, what="edit")
        if sm.kind == "text":
            raise _bad("there is no caption in the message to edit")
        plain, raw, entities, mode = self._parse_text(
            p.get("caption") or "", p.get("parse_mode"), caption=True
        )
        markup = self._validate_markup(p.get("reply_markup"))
        return self._apply_edit(
            sm, plain=plain, raw=raw, entities=entities, mode=mode, markup=markup
        )

    def _m_editMessageReplyMarkup(self, call: Call) -> Any:
        sm = self._get_bot_message(call, what="edit")
        markup = self._validate_markup(call.params.get("reply_markup"))
        return self._apply_edit(sm, markup=markup)

    def _m_deleteMessage(self, call: Call) -> Any:
        chat = self._resolve_chat(call.params.get("chat_id"), create=False)
        mid = _as_int(call.params.get("message_id"), "message_id")
        key = (chat["id"], mid)
        sm = self.messages.get(key)
        if sm is not None and not sm.deleted:
            sm.deleted = True
            self._record_event("deleted", sm)
            return True
        um = self.user_messages.get(key)
        if um is not None and not um.get("_deleted"):
            um["_deleted"] = True
            return True
        raise _bad("message to delete not found")

    def _m_answerCallbackQuery(self, call: Call) -> Any:
        cq_id = str(call.params.get("callback_query_id") or "")
        if cq_id not in self._callback_queries or cq_id in self.callback_answers:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = call.params.get("text")
        if text is not None and _utf16_len(str(text)) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self.callback_answers[cq_id] = dict(call.params)
        return True

    def _source_message(
        self, call: Call, what: str
    ) -> tuple[int, int, SentMessage | None, dict[str, Any] | None]:
        p = call.params
        src_chat = self._resolve_chat(p.get("from_chat_id"), create=False)
        mid = _as_int(p.get("message_id"), "message_id")
        key = (src_chat["id"], mid)
        sm = self.messages.get(key)
        if sm is not None and not sm.deleted:
            return key[0], mid, sm, None
        um = self.user_messages.get(key)
        if um is not None and not um.get("_deleted"):
            return key[0], mid, None, um
        raise _bad(f"message to {what} not found")

    def _content_from_user_message(self, um: dict[str, Any]) -> tuple[str, str, StoredFile | None]:
        """(kind, text_or_caption, file) of a user message."""
        if "text" in um:
            return "text", um["text"], None
        for kind in (
            "document",
            "photo",
            "sticker",
            "voice",
            "audio",
            "video",
            "animation",
            "video_note",
        ):
            if kind in um:
                obj = um[kind][-1] if kind == "photo" else um[kind]
                f = self.files.get(obj["file_id"])
                if f is None:
                    f = self._new_file(b"", obj.get("file_name"), obj.get("mime_type"))
                return kind, um.get("caption", ""), f
        raise _bad("message can't be copied")  # contact, location, ... not supported here

    def _m_copyMessage(self, call: Call) -> Any:
        p = call.params
        src_chat, src_mid, src_sm, src_um = self._source_message(call, "copy")
        chat = self._resolve_chat(p.get("chat_id"))
        if src_sm is not None:
            kind, plain, raw, entities, mode, f = (
                src_sm.kind,
                src_sm.text,
                src_sm.html,
                src_sm.entities,
                src_sm.parse_mode,
                src_sm.file,
            )
        else:
            kind, text, f = self._content_from_user_message(src_um or {})
            plain, raw, entities, mode = (
                text,
                text,
                list(
                    (src_um or {}).get("entities") or (src_um or {}).get("caption_entities") or []
                ),
                None,
            )
        if kind != "text" and p.get("caption") is not None:
            plain, raw, entities, mode = self._parse_text(
                p.get("caption"), p.get("parse_mode"), caption=True
            )
        markup = self._validate_markup(p.get("reply_markup"))
        reply_to = self._reply_target(chat["id"], p)
        sm = self._create_message(
            call,
            chat["id"],
            kind,
            plain,
            raw,
            entities,
            mode,
            markup,
            file=f,
            reply_to=reply_to,
            copied_from=(src_chat, src_mid),
        )
        return {"message_id": sm.message_id}

    def _m_forwardMessage(self, call: Call) -> Any:
        p = call.params
        src_chat, src_mid, src_sm, src_um = self._source_message(call, "forward")
        chat = self._resolve_chat(p.get("chat_id"))
        if src_sm is not None:
            kind, plain, raw, entities, mode, f = (
                src_sm.kind,
                src_sm.text,
                src_sm.html,
                src_sm.entities,
                src_sm.parse_mode,
                src_sm.file,
            )
        else:
            kind, text, f = self._content_from_user_message(src_um or {})
            plain, raw, entities, mode = text, text, [], None
        sm = self._create_message(
            call,
            chat["id"],
            kind,
            plain,
            raw,
            entities,
            mode,
            None,
            file=f,
            forward_from=(src_chat, src_mid),
        )
        return self._message_json(sm)

    def _m_sendChatAction(self, call: Call) -> Any:
        chat = self._resolve_chat(call.params.get("chat_id"))
        action = call.params.get("action")
        valid = {
            "typing",
            "upload_photo",
            "record_video",
            "upload_video",
            "record_voice",
            "upload_voice",
            "upload_document",
            "choose_sticker",
            "find_location",
            "record_video_note",
            "upload_video_note",
        }
        if action not in valid:
            raise _bad("wrong parameter action in request")
        self.chat_actions.append((chat["id"], str(action)))
        return True

    def _m_getChat(self, call: Call) -> Any:
        chat = self._resolve_chat(call.params.get("chat_id"), create=False)
        info = dict(chat)
        info.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        return info

    def _m_getChatMember(self, call: Call) -> Any:
        chat = self._resolve_chat(call.params.get("chat_id"), create=False)
        user_id = _as_int(call.params.get("user_id"), "user_id")
        if user_id == self.bot_id:
            user = dict(self.bot_user)
        elif user_id in self.users:
            user = dict(self.users[user_id])
        else:
            raise _bad("user not found")
        status = self.member_status.get((chat["id"], user_id))
        if status is None:
            if chat["type"] == "private" and user_id not in (chat["id"], self.bot_id):
                raise _bad("user not found")
            status = "member"
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": True,
                    "can_restrict_members": True,
                    "can_promote_members": False,
                    "can_change_info": True,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                    "can_send_welcome_messages": False,
                }
            )
        elif status == "restricted":
            member.update(
                {
                    "is_member": True,
                    "until_date": 0,
                    **{
                        k: False
                        for k in (
                            "can_send_messages",
                            "can_send_audios",
                            "can_send_documents",
                            "can_send_photos",
                            "can_send_videos",
                            "can_send_video_notes",
                            "can_send_voice_notes",
                            "can_send_polls",
                            "can_send_other_messages",
                            "can_add_web_page_previews",
                            "can_react_to_messages",
                            "can_edit_tag",
                            "can_change_info",
                            "can_invite_users",
                            "can_pin_messages",
                            "can_manage_topics",
                        )
                    },
                }
            )
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def _m_getFile(self, call: Call) -> Any:
        file_id = str(call.params.get("file_id") or "")
        f = self.files.get(file_id)
        if f is None:
            raise _bad("invalid file_id")
        return {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "file_size": f.size,
            "file_path": f.file_path,
        }
