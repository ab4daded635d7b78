"""Settings from the environment or `.env`, validated by pydantic-settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_API_URL = "https://api.telegram.org"
SUPPORTED_LOCALES = ("ru", "en")
DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
DEFAULT_WEBHOOK_HOST = "0.0.0.0"  # every interface
DEFAULT_WEBHOOK_PORT = 8080
# what Telegram accepts as the X-Telegram-Bot-Api-Secret-Token of setWebhook
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_WEBHOOK_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")


def _parse_ids(value: object) -> object:
    if value is None:
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace(";", ",").split(",")]
        ids = []
        for part in parts:
            if not part:
                continue
            try:
                ids.append(int(part))
            except ValueError:
                raise ValueError(f"expected comma-separated numeric Telegram ids, got {part!r}") from None
        return ids
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str = DEFAULT_API_URL
    database_path: Path = Path("data/bot.sqlite3")
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    staff_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    staff_chat_id: int | None = None
    broadcast_rate: float = Field(default=25.0, gt=0, le=1000)
    # new messages in the staff group per minute (Telegram allows about 20); 0: no pacing
    staff_messages_per_minute: int = Field(default=20, ge=0, le=1000)
    # per person (staff and admins are not limited; 0: no limit): questions handed to the staff,
    # applications sent, and messages relayed to the staff (answers, follow-ups)
    handoffs_per_10_minutes: int = Field(default=3, ge=0, le=1000)
    handoffs_per_day: int = Field(default=10, ge=0, le=10000)
    applications_per_day: int = Field(default=10, ge=0, le=10000)
    relayed_messages_per_minute: int = Field(default=5, ge=0, le=1000)
    # near-synonyms from the Navec word embeddings (computed in a child process when content changes)
    semantic_search: bool = True
    default_locale: Literal["ru", "en"] = "ru"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # webhook mode: set WEBHOOK_URL to receive updates over HTTPS instead of long polling
    webhook_url: str | None = None
    webhook_path: str = DEFAULT_WEBHOOK_PATH
    webhook_secret: SecretStr | None = None
    webhook_host: str = DEFAULT_WEBHOOK_HOST
    webhook_port: int = Field(default=DEFAULT_WEBHOOK_PORT, ge=1, le=65535)

    @field_validator("admin_ids", "staff_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        return _parse_ids(value)

    @field_validator("bot_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            raw = value.get_secret_value().strip()
            left, sep, right = raw.partition(":")
            if not sep or not left.isdigit() or not right:
                raise ValueError("expected the token from @BotFather, like 123456:ABC-DEF…")
            return SecretStr(raw)
        return value

    @field_validator("staff_chat_id", mode="before")
    @classmethod
    def _empty_chat_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("webhook_url", "webhook_secret", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("webhook_path", "webhook_host", "webhook_port", mode="before")
    @classmethod
    def _empty_is_default(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str) and not value.strip():
            return cls.model_fields[info.field_name].default
        return value.strip() if isinstance(value, str) else value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().rstrip("/")
        if value.lower().startswith("http://"):
            raise ValueError("Telegram only calls https:// webhooks, expected https://your.host")
        try:
            parts = urlsplit(value)
            _ = parts.port  # raises on a bad port
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme.lower() != "https"
            or not parts.hostname
            or "?" in value
            or "#" in value
            or parts.username is not None  # credentials would end up in logs and requests
            or parts.port == 0
            or any(ch.isspace() for ch in value)
        ):
            raise ValueError("expected the public https:// base URL Telegram will call, like https://bot.example.com")
        return value

    @field_validator("webhook_path")
    @classmethod
    def _webhook_path_shape(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("expected a URL path starting with /, like /telegram/webhook")
        if not _WEBHOOK_PATH.fullmatch(value):
            raise ValueError("expected a URL path of letters, digits and / . _ ~ -, like /telegram/webhook")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # the message never repeats the value: it is a secret
        if value is not None and not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("expected 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _url_shape(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// base URL")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("default_locale", mode="before")
    @classmethod
    def _lower_locale(cls, value: object) -> object:
        return value.lower().strip() if isinstance(value, str) else value

    @property
    def staff_and_admins(self) -> set[int]:
        return set(self.staff_ids) | set(self.admin_ids)

    @property
    def webhook_full_url(self) -> str | None:
        """The URL given to Telegram's setWebhook: WEBHOOK_URL + WEBHOOK_PATH (None: long polling)."""
        return self.webhook_url + self.webhook_path if self.webhook_url else None


class SettingsError(Exception):
    """Settings could not be loaded; the message is one line naming the setting."""


def describe_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        name = str(err["loc"][0]).upper() if err["loc"] else "settings"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{name}: {msg}")
    return "invalid setting " + "; ".join(parts)


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe_error(exc)) from None
