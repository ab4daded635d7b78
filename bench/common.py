"""Shared helpers for the benchmark scripts: paths, statistics, tables, machine notes, output.

The scripts are reports, not tests: they print figures (medians of several runs, ratios against
a baseline measured in the same run) and a one-line PASS/FAIL summary, and exit 0 either way.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sqlite3
import statistics
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
# `python bench/x.py` puts bench/ first on sys.path, and the virtualenv's editable install of the
# project may point at another checkout: the benches measure the code of their own checkout.
if str(ROOT) not in sys.path:
    sys.path.insert(1, str(ROOT))
CONTENT_DIR = ROOT / "content"
EVAL_DIR = ROOT / "tests" / "eval"
EVAL_QUESTIONS = EVAL_DIR / "questions.yaml"
EVAL_SETS = ("dev.yaml", "dev2.yaml", "dev3.yaml", "dev4.yaml", "dev5.yaml", "test.yaml",
             "questions.yaml")  # every eval question: the dev parts, test, the old set


class Output:
    """Human-readable report on stdout; with --json it goes to stderr and stdout holds only JSON."""

    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode
        self.stream = sys.stderr if json_mode else sys.stdout

    def print(self, *args: Any) -> None:
        print(*args, file=self.stream, flush=True)

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        for line in format_table(headers, rows):
            self.print(line)

    def emit_json(self, payload: dict[str, Any]) -> None:
        if self.json_mode:
            print(json.dumps(payload, ensure_ascii=False, indent=2), flush=True)


def load_eval_questions(sets: Sequence[str] = EVAL_SETS) -> list[str]:
    """The `q` fields of the eval sets (tests/eval: dev.yaml, dev2.yaml, dev3.yaml, dev4.yaml, dev5.yaml, test.yaml, questions.yaml), each
    distinct text once, in file order."""
    out: dict[str, None] = {}
    for name in sets:
        path = EVAL_DIR / name
        if path.is_file():
            for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
                out.setdefault(str(item["q"]), None)
    return list(out)


def locale_of(text: str) -> str:
    """The locale the eval test uses for a question: English for pure-ASCII text."""
    return "en" if text.isascii() else "ru"


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (p in 0..100) of already sorted values."""
    if not sorted_values:
        return math.nan
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    k = (len(sorted_values) - 1) * p / 100.0
    lo = math.floor(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return float(sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo))


def latency_stats(samples_ns: Sequence[int]) -> dict[str, float]:
    """count, median, p90, p99, max (milliseconds) of latency samples in nanoseconds."""
    ms = sorted(v / 1e6 for v in samples_ns)
    return {
        "count": len(ms),
        "median_ms": percentile(ms, 50),
        "p90_ms": percentile(ms, 90),
        "p99_ms": percentile(ms, 99),
        "max_ms": ms[-1] if ms else math.nan,
    }


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else math.nan


def format_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            if math.isnan(v):
                return "-"
            return f"{v:,.3f}" if abs(v) < 10 else f"{v:,.1f}" if abs(v) < 1000 else f"{v:,.0f}"
        if isinstance(v, int):
            return f"{v:,}"
        return str(v)

    body = [[cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in body:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    # first column left-aligned (labels), the rest right-aligned (numbers)
    def fmt(row: Sequence[str]) -> str:
        parts = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        return "  ".join(parts).rstrip()

    lines = [fmt(list(headers)), "  ".join("-" * w for w in widths)]
    lines += [fmt(row) for row in body]
    return lines


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, Any]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 0
    try:
        from importlib.metadata import version

        aiogram_version = version("aiogram")
    except Exception:  # pragma: no cover - report only
        aiogram_version = "?"
    return {
        "cpu": _cpu_model(),
        "cores": usable,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "sqlite": sqlite3.sqlite_version,
        "aiogram": aiogram_version,
    }


def machine_line(info: dict[str, Any]) -> str:
    return (
        f"machine: {info['cpu']}, {info['cores']} cores; Python {info['python']}, "
        f"SQLite {info['sqlite']}, aiogram {info['aiogram']}, {info['platform']}"
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def burst_args(doc: str, runs_of: str) -> argparse.ArgumentParser:
    """The options of the benches that send bursts of questions from new users (throughput,
    outside): --quick, --json, --runs, --users, --per-user, --seed."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fast smoke run: few users and runs")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout (report on stderr)")
    p.add_argument("--runs", type=int, default=0, help=f"measured runs per {runs_of} (default 5, quick 2)")
    p.add_argument("--users", type=int, default=0, help="distinct users per run (default 200, quick 50)")
    p.add_argument("--per-user", type=int, default=0, help="questions per user (default 5, quick 2)")
    p.add_argument("--seed", type=int, default=20240201)
    return p

