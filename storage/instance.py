"""One bot per database file: an OS lock on a sidecar `<database>.lock` file.

`python -m bot` (polling, webhook, the terminal chat) takes the lock before it touches the
database or Telegram and holds it for its whole life; a second bot on the same file finds it
taken and stops. The lock is the kernel's (`flock` on Linux and macOS, `msvcrt.locking` on
Windows): it is released when the process ends in any way, `kill -9` included, so a stale lock
file never blocks a restart. The file itself stays (deleting it would let a starting bot lock a
new file while an old one still holds the deleted one); it holds the pid of the holder, only
to name it in the message.

It is a separate file, not the database, so that it never interacts with SQLite's own locks.
The path is resolved (symlinks, relative paths), so two spellings of one file share one lock.
Maintenance commands (`ask`, `import`, `export`) do not take it: they may run next to the bot.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if sys.platform == "win32":  # pragma: no cover - the bot is deployed on Linux
    import msvcrt
else:
    import fcntl

MEMORY = ":memory:"


class InstanceLocked(Exception):
    """Another process holds the lock on this database."""

    def __init__(self, database: str, holder: str) -> None:
        self.database = database
        self.holder = holder
        who = f" (pid {holder})" if holder else ""
        super().__init__(f"another bot{who} runs on {database}")


def lock_path(database: Path | str) -> Path:
    resolved = Path(database).expanduser().resolve()
    return resolved.with_name(resolved.name + ".lock")


class InstanceLock:
    """The single-instance lock of one database file; `acquire()` raises InstanceLocked."""

    def __init__(self, database: Path | str) -> None:
        self.database = str(database)
        self.path: Path | None = None if self.database == MEMORY else lock_path(database)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None or self.path is None

    def acquire(self) -> InstanceLock:
        """Take the lock or raise InstanceLocked (at once, never waits); OSError if the lock
        file can't be created (e.g. a read-only directory)."""
        if self.held:
            return self
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock(fd)
        except OSError:
            holder = _read_holder(fd)
            os.close(fd)
            raise InstanceLocked(self.database, holder) from None
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass  # the pid is only for the message; the lock is what counts
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _lock(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _read_holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 32).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""
