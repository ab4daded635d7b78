"""Settings validation and the command-line contract (run as real processes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def run_bot(*args: str, env: dict[str, str] | None = None, stdin: str = "", timeout: float = 60):
    full_env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "ADMIN_IDS", "STAFF_IDS"}}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT, env=full_env, input=stdin, capture_output=True, text=True, timeout=timeout,
    )


def test_ids_are_split_on_commas(monkeypatch):
    monkeypatch.setenv("ADMIN_IDS", "1, 2,3")
    monkeypatch.setenv("STAFF_IDS", "")
    s = load_settings(_env_file=None)
    assert s.admin_ids == [1, 2, 3]
    assert s.staff_ids == []
    assert s.staff_and_admins == {1, 2, 3}


@pytest.mark.parametrize(
    ("name", "value", "needle"),
    [
        ("ADMIN_IDS", "abc", "ADMIN_IDS"),
        ("BROADCAST_RATE", "-5", "BROADCAST_RATE"),
        ("DEFAULT_LOCALE", "de", "DEFAULT_LOCALE"),
        ("BOT_TOKEN", "not-a-token", "BOT_TOKEN"),
        ("TELEGRAM_API_URL", "ftp://x", "TELEGRAM_API_URL"),
        ("STAFF_CHAT_ID", "group", "STAFF_CHAT_ID"),
        ("WEBHOOK_URL", "http://bot.example.com", "WEBHOOK_URL"),
        ("WEBHOOK_URL", "bot.example.com", "WEBHOOK_URL"),
        ("WEBHOOK_URL", "https://", "WEBHOOK_URL"),
        ("WEBHOOK_URL", "https://bot.example.com/?a=1", "WEBHOOK_URL"),
        ("WEBHOOK_URL", "https://bot.example.com/?", "WEBHOOK_URL"),
        ("WEBHOOK_URL", "https://bot.example.com#", "WEBHOOK_URL"),
        ("WEBHOOK_URL", "https://user:pa55@bot.example.com", "WEBHOOK_URL"),
        ("WEBHOOK_URL", "https://bot.example.com:0", "WEBHOOK_URL"),
        ("STAFF_MESSAGES_PER_MINUTE", "-1", "STAFF_MESSAGES_PER_MINUTE"),
        ("STAFF_MESSAGES_PER_MINUTE", "abc", "STAFF_MESSAGES_PER_MINUTE"),
        ("WEBHOOK_PATH", "telegram/webhook", "WEBHOOK_PATH"),
        ("WEBHOOK_PATH", "/tele gram", "WEBHOOK_PATH"),
        ("WEBHOOK_SECRET", "not allowed!", "WEBHOOK_SECRET"),
        ("WEBHOOK_SECRET", "x" * 257, "WEBHOOK_SECRET"),
        ("WEBHOOK_PORT", "0", "WEBHOOK_PORT"),
        ("WEBHOOK_PORT", "65536", "WEBHOOK_PORT"),
        ("WEBHOOK_PORT", "http", "WEBHOOK_PORT"),
    ],
)
def test_bad_settings_name_the_setting(monkeypatch, name, value, needle):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)
    assert needle in str(info.value)
    assert "\n" not in str(info.value)


def test_webhook_settings(monkeypatch):
    for name in ("WEBHOOK_URL", "WEBHOOK_PATH", "WEBHOOK_SECRET", "WEBHOOK_HOST", "WEBHOOK_PORT"):
        monkeypatch.delenv(name, raising=False)
    s = load_settings(_env_file=None)
    assert s.webhook_url is None and s.webhook_full_url is None  # long polling
    assert (s.webhook_path, s.webhook_host, s.webhook_port) == ("/telegram/webhook", "0.0.0.0", 8080)
    assert s.webhook_secret is None
    monkeypatch.setenv("WEBHOOK_URL", " https://bot.example.com/tg/ ")
    monkeypatch.setenv("WEBHOOK_PATH", "/hook")
    monkeypatch.setenv("WEBHOOK_SECRET", "Abc_-09")
    monkeypatch.setenv("WEBHOOK_PORT", "8443")
    s = load_settings(_env_file=None)
    assert s.webhook_full_url == "https://bot.example.com/tg/hook"
    assert s.webhook_port == 8443
    assert "Abc_-09" not in repr(s)
    monkeypatch.setenv("WEBHOOK_URL", "")
    monkeypatch.setenv("WEBHOOK_PORT", "")
    s = load_settings(_env_file=None)
    assert s.webhook_url is None and s.webhook_port == 8080  # empty means unset


def test_bad_webhook_secret_is_not_repeated(monkeypatch):
    monkeypatch.setenv("WEBHOOK_SECRET", "leaked secret value")
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)
    assert "WEBHOOK_SECRET" in str(info.value) and "leaked" not in str(info.value)


def test_token_is_secret():
    s = Settings(_env_file=None, bot_token="123:secret-value")  # type: ignore[call-arg]
    assert "secret-value" not in repr(s)
    assert s.bot_token is not None and s.bot_token.get_secret_value() == "123:secret-value"


def test_bad_setting_exits_2_with_one_line(tmp_path):
    proc = run_bot(env={"ADMIN_IDS": "abc", "DATABASE_PATH": str(tmp_path / "x.db")})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "ADMIN_IDS" in lines[0]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEBHOOK_URL", "http://bot.example.com"),
        ("WEBHOOK_URL", "garbage"),
        ("WEBHOOK_PATH", "webhook"),
        ("WEBHOOK_SECRET", "no spaces allowed"),
        ("WEBHOOK_PORT", "70000"),
    ],
)
def test_bad_webhook_setting_exits_2_with_one_line(tmp_path, name, value):
    env = {"BOT_TOKEN": "123:abc", "DATABASE_PATH": str(tmp_path / "x.db"), "WEBHOOK_URL": "https://bot.example.com"}
    env[name] = value
    proc = run_bot(env=env)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    if name == "WEBHOOK_SECRET":
        assert value not in proc.stderr


def test_no_token_and_no_terminal_exits_2(tmp_path):
    proc = run_bot(env={"DATABASE_PATH": str(tmp_path / "x.db")})
    assert proc.returncode == 2
    assert "BOT_TOKEN" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_console_with_piped_stdin(tmp_path):
    proc = run_bot("console", env={"DATABASE_PATH": str(tmp_path / "x.db")}, stdin="/start\n1\nшины\n")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Главное меню" in out or "Здравствуйте" in out
    assert "[1] 🏭 Кластеры" in out
    assert "Страница 1 из" in out  # pressing 1 opened the cluster list
    assert "Барнаульский" in out  # the answer to "шины"


def test_ask_json(tmp_path):
    import json

    proc = run_bot("ask", "растворители", "--json", env={"DATABASE_PATH": str(tmp_path / "x.db")})
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["answers"][0]["id"] == "cluster:interregional-chemical"
    assert data["confident"] is True


def test_import_rejects_a_bad_file_and_changes_nothing(tmp_path):
    db = str(tmp_path / "x.db")
    bad = tmp_path / "content"
    bad.mkdir()
    (bad / "clusters.yaml").write_text(
        (ROOT / "content" / "clusters.yaml").read_text(encoding="utf-8").replace("status: creating", "status: planned", 1),
        encoding="utf-8",
    )
    proc = run_bot("import", str(bad), env={"DATABASE_PATH": db})
    assert proc.returncode == 1
    assert "clusters.yaml" in proc.stderr and "status" in proc.stderr and "tver-chemical" in proc.stderr
    out = tmp_path / "export"
    proc = run_bot("export", str(out), env={"DATABASE_PATH": db})
    assert proc.returncode == 0, proc.stderr
    assert "status: planned" not in (out / "clusters.yaml").read_text(encoding="utf-8")
    proc = run_bot("import", str(out), env={"DATABASE_PATH": db})
    assert proc.returncode == 0, proc.stderr
    assert "clusters 5" in proc.stdout


def test_no_token_in_a_terminal_opens_the_console(tmp_path):
    """With a terminal attached, `python -m bot` without a token says so and opens the chat."""
    import pty
    import select
    import time

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    env["DATABASE_PATH"] = str(tmp_path / "x.db")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave
    )
    os.close(slave)
    output = b""
    deadline = time.monotonic() + 30
    sent = False
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    output += os.read(master, 65536)
                except OSError:
                    break
            if not sent and b"> " in output:
                os.write(master, b"/start\n")
                sent = True
            if sent and "Здравствуйте".encode() in output:
                break
        os.write(master, b"\x04")  # Ctrl-D: end of input
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    text = output.decode(errors="replace")
    assert "BOT_TOKEN is not set" in text
    assert "Здравствуйте" in text


@pytest.mark.parametrize("case", ["directory", "file in the way"])
def test_a_database_path_that_cannot_be_opened_is_one_line(tmp_path, case):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    path = tmp_path if case == "directory" else blocker / "bot.sqlite3"
    done = run_bot(env={"BOT_TOKEN": "123456:ABC", "DATABASE_PATH": str(path),
                        "TELEGRAM_API_URL": "http://127.0.0.1:9"})
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "DATABASE_PATH" in done.stderr


def test_no_bot_api_at_the_url_is_one_line(tmp_path):
    done = run_bot(env={"BOT_TOKEN": "123456:ABC", "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
                        "TELEGRAM_API_URL": "http://127.0.0.1:9"})
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "TELEGRAM_API_URL" in done.stderr and "123456:ABC" not in done.stderr
