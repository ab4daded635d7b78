"""Entry points: `python -m bot [console | ask | import | export]`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from bot.settings import Settings, SettingsError, load_settings
from storage.instance import InstanceLock, InstanceLocked

EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="Industrial-cluster assistant bot")
    sub = p.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (long polling, or a webhook with WEBHOOK_URL); the default")
    c = sub.add_parser("console", help="chat with the bot in the terminal, no Telegram needed")
    c.add_argument("--user-id", type=int, default=100001, help="the Telegram user id to act as")
    c.add_argument("--lang", default="ru", help="the user's Telegram language code (ru, en)")
    c.add_argument("--name", default="Console", help="the user's first name")
    c.add_argument("--phone", default="+79990000000", help="the number the 'share contact' button sends")
    a = sub.add_parser("ask", help="show the ranked answers the bot would give")
    a.add_argument("question")
    a.add_argument("--json", action="store_true", help="print JSON")
    a.add_argument("--lang", default="ru")
    i = sub.add_parser("import", help="load the knowledge base from content files (all or nothing)")
    i.add_argument("path", type=Path)
    e = sub.add_parser("export", help="write the knowledge base as content files into a directory")
    e.add_argument("path", type=Path)
    return p


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # aiohttp's access/client logs may contain URLs with the token: keep them quiet.
    logging.getLogger("aiohttp").setLevel(logging.WARNING)
    # aiosqlite logs every statement with its parameters at DEBUG: names, phones, e-mails
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, logging.getLogger().level))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    _configure_logging(settings)
    command = args.command or "run"
    try:
        if command == "run":
            return _run(settings)
        if command == "console":
            return _console(settings, args.user_id, args.lang, args.name, args.phone)
        if command == "ask":
            return asyncio.run(_ask(settings, args.question, args.json, args.lang))
        if command == "import":
            return asyncio.run(_import(settings, args.path))
        if command == "export":
            return asyncio.run(_export(settings, args.path))
    except KeyboardInterrupt:
        return 0
    return EXIT_CONFIG


def _hold_instance_lock(settings: Settings) -> InstanceLock | None:
    """The single-instance lock on DATABASE_PATH, or None after one line on stderr.

    Taken before anything touches the database or Telegram; held until the process ends."""
    lock = InstanceLock(settings.database_path)
    try:
        return lock.acquire()
    except InstanceLocked as exc:
        print(f"error: DATABASE_PATH: {exc}; only one bot may run on a database file", file=sys.stderr)
    except OSError as exc:
        print(f"error: DATABASE_PATH: cannot create the lock file {lock.path}: {exc.strerror or exc}",
              file=sys.stderr)
    return None


def _run(settings: Settings) -> int:
    if settings.bot_token is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            print("BOT_TOKEN is not set: opening the terminal chat instead (see README to connect Telegram).")
            return _console(settings, 100001, "ru", "Console")
        print("error: BOT_TOKEN is not set (put it in .env or the environment; see README)", file=sys.stderr)
        return EXIT_CONFIG
    lock = _hold_instance_lock(settings)
    if lock is None:
        return EXIT_CONFIG
    from bot.runner import run_polling, run_webhook

    log = logging.getLogger("bot")
    if settings.webhook_url:
        log.info(
            "mode: webhook, listening on %s:%d%s for %s",
            settings.webhook_host, settings.webhook_port, settings.webhook_path, settings.webhook_full_url,
        )
        return asyncio.run(run_webhook(settings, exclusive=lock.held))
    log.info("mode: long polling against %s", settings.telegram_api_url)
    return asyncio.run(run_polling(settings, exclusive=lock.held))


def _console(settings: Settings, user_id: int, lang: str, name: str, phone: str = "+79990000000") -> int:
    from bot.console import Console

    lock = _hold_instance_lock(settings)
    if lock is None:
        return EXIT_CONFIG
    # the chat itself is the output: keep per-update log lines out of it
    if settings.log_level in ("INFO", "DEBUG"):
        logging.getLogger("aiogram").setLevel(logging.WARNING)
        logging.getLogger("bot").setLevel(logging.WARNING)
        logging.getLogger("storage").setLevel(logging.WARNING)
        logging.getLogger("pymorphy3").setLevel(logging.WARNING)  # ("Loading dictionaries from …")

    console = Console(settings, user_id=user_id, first_name=name, language_code=lang, phone=phone)
    console.app.db.exclusive = lock.held
    asyncio.run(console.run())
    return 0


async def _ask(settings: Settings, question: str, as_json: bool, lang: str) -> int:
    from bot.app import create_app

    app = create_app(settings)
    await app.startup()
    try:
        result = await app.search.search(question, locale=lang)
    finally:
        await app.shutdown()
        await app.bot.session.close()
    rows = [
        {"rank": n, "id": f"{h.kind}:{h.slug}", "kind": h.kind, "title": h.title, "score": h.score}
        for n, h in enumerate(result.hits, 1)
    ]
    listing = result.listing
    listed = [f"{h.kind}:{h.slug}" for h in listing.hits] if listing else []
    if as_json:
        print(json.dumps({
            "question": question, "confident": result.confident, "intent": result.intent,
            "feature": result.feature, "answered": result.answered, "answers": rows,
            "listing": None if listing is None else {
                "kind": listing.kind, "criterion": listing.criterion, "value": listing.value,
                "entries": listed, "closest": [f"{h.kind}:{h.slug}" for h in listing.closest],
            },
        }, ensure_ascii=False, indent=2))
    else:
        if result.feature:
            print(f"the bot's own function: {result.feature}")
        if listing is not None:
            print(f"listing ({listing.kind} by {listing.criterion} {listing.value!r}): "
                  + (", ".join(listed) if listed else "none matches"))
        if not rows:
            print("no answer")
        for r in rows:
            print(f"{r['rank']}. {r['score']:.3f}  {r['id']:<40} {r['title']}")
        print("answer shown: " + ("yes" if result.answered else "no (the bot says it does not know)"))
    return 0


async def _import(settings: Settings, path: Path) -> int:
    from bot.app import create_app
    from storage.content_loader import ContentError

    app = create_app(settings)
    await app.db.open()
    try:
        from storage.content_loader import import_content

        try:
            counts = await import_content(app.kb.repo, path)
        except ContentError as exc:
            print(f"error: nothing imported:\n{exc}", file=sys.stderr)
            return 1
        await app.kb.reload()
        print("imported: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        return 0
    finally:
        await app.shutdown()
        await app.bot.session.close()


async def _export(settings: Settings, path: Path) -> int:
    from bot.app import create_app
    from storage.content_loader import export_content

    app = create_app(settings)
    await app.startup()
    try:
        counts = await export_content(app.kb.repo, path)
        print(f"exported to {path}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        return 0
    finally:
        await app.shutdown()
        await app.bot.session.close()


if __name__ == "__main__":
    sys.exit(main())
