"""Load the knowledge base from YAML files (validated), and dump it back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from storage.models import Cluster, Faq, Measure
from storage.repositories import ContentRepository

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
FILES: dict[str, type[BaseModel]] = {
    "clusters.yaml": Cluster,
    "measures.yaml": Measure,
    "faq.yaml": Faq,
}


class ContentError(Exception):
    """The content files are invalid; the message says file, entry and field."""


@dataclass
class Content:
    clusters: list[Cluster]
    measures: list[Measure]
    faq: list[Faq]


def _format_loc(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(entry)"


def _parse_file(path: Path, model: type[BaseModel]) -> list:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ContentError(f"{path.name}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    except OSError as exc:
        raise ContentError(f"{path}: cannot read ({exc.strerror})") from None
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ContentError(f"{path.name}: expected a list of entries at the top level")
    entries = []
    errors = []
    for index, item in enumerate(raw, 1):
        label = f"entry {index}"
        if isinstance(item, dict) and isinstance(item.get("slug"), str):
            label += f" ({item['slug']})"
        if not isinstance(item, dict):
            errors.append(f"{path.name}: {label}: expected a mapping of fields")
            continue
        try:
            entries.append(model.model_validate(item))
        except ValidationError as exc:
            for err in exc.errors():
                errors.append(f"{path.name}: {label}: field {_format_loc(err['loc'])}: {err['msg']}")
    seen: set[str] = set()
    for entry in entries:
        if entry.slug in seen:
            errors.append(f"{path.name}: duplicate slug {entry.slug!r}")
        seen.add(entry.slug)
    if errors:
        raise ContentError("\n".join(errors))
    return entries


def read_content(path: Path = DEFAULT_CONTENT_DIR) -> Content:
    """Read and validate a content directory (or one of its files)."""
    path = Path(path)
    if path.is_file():
        if path.name not in FILES:
            raise ContentError(f"{path}: expected one of {', '.join(FILES)}")
        files = {path.name: path}
    elif path.is_dir():
        files = {name: path / name for name in FILES if (path / name).exists()}
        if not files:
            raise ContentError(f"{path}: no {', '.join(FILES)} found")
    else:
        raise ContentError(f"{path}: no such file or directory")
    errors = []
    parsed: dict[str, list] = {name: [] for name in FILES}
    for name, file in files.items():
        try:
            parsed[name] = _parse_file(file, FILES[name])
        except ContentError as exc:
            errors.append(str(exc))
    if errors:
        raise ContentError("\n".join(errors))
    return Content(parsed["clusters.yaml"], parsed["measures.yaml"], parsed["faq.yaml"])


async def import_content(repo: ContentRepository, path: Path = DEFAULT_CONTENT_DIR) -> dict[str, int]:
    """Validate everything first, then upsert in one transaction: all or nothing."""
    content = read_content(path)
    return await repo.replace_all(content.clusters, content.measures, content.faq)


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value
    return value


async def export_content(repo: ContentRepository, path: Path) -> dict[str, int]:
    """Write the database's knowledge base as content files into directory `path`."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    kinds = {
        "clusters.yaml": [e for _, e in await repo.clusters()],
        "measures.yaml": [e for _, e in await repo.measures()],
        "faq.yaml": [e for _, e in await repo.faq()],
    }
    counts = {}
    for name, entries in kinds.items():
        data = [_plain(e.model_dump(mode="python")) for e in entries]
        (path / name).write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
        )
        counts[name.removesuffix(".yaml")] = len(entries)
    return counts
