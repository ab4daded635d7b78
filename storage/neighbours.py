"""Near-synonyms from word embeddings: which knowledge-base words a question's word is close to.

The Navec embeddings of Russian (250,000 words, shipped inside the `natasha` wheel: nothing is
downloaded) relate words by meaning ("покрышка" is near "шина", "налоги" near "налог"). A
question is short and the knowledge base small, so the work is done once per content
revision, when content is loaded: every Cyrillic word of the embeddings is compared with the
knowledge base's own words, and the close pairs (cosine ≥ `MIN_SIMILARITY`, at most `TOP`
per word) are stored in `word_neighbours`. A question then costs one indexed lookup.

The comparison runs in a child process (`python -m storage.neighbours`, the knowledge-base
words on stdin, JSON on stdout): loading the embeddings takes about 130 MB and a few seconds,
which the bot's own process never pays. Without numpy/navec/natasha, or if the child fails,
search works as before, without near-synonyms (logged once).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from storage.db import Database

log = logging.getLogger(__name__)

MODEL = "data/emb/navec_news_v1_1B_250K_300d_100q.tar"  # inside the natasha package
MIN_SIMILARITY = 0.45
TOP = 2
CHUNK = 20_000  # words compared at a time (20,000 × 300 floats: 24 MB)
BUILD_TIMEOUT = 300.0
_WORD = re.compile(r"[а-яё][а-яё-]{3,}")


def model_path() -> Path | None:
    """The Navec file inside the installed natasha package, found without importing natasha."""
    spec = importlib.util.find_spec("natasha")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL
    return path if path.is_file() else None


def compute(kb_words: Iterable[str], path: Path, min_similarity: float = MIN_SIMILARITY,
            top: int = TOP) -> dict[str, list[tuple[str, float]]]:
    """word → [(knowledge-base word, similarity)] for every Cyrillic word of the embeddings
    with a close knowledge-base word (the knowledge base's words themselves excluded)."""
    import numpy as np
    from navec import Navec

    navec = Navec.load(str(path))
    vocab, pq = navec.vocab, navec.pq
    targets = sorted({w for w in kb_words if w in navec})
    if not targets:
        return {}
    columns = np.arange(pq.qdim)

    def vectors(ids: np.ndarray) -> np.ndarray:
        v = pq.codes[columns, pq.indexes[ids]].reshape(len(ids), -1).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True) + 1e-9
        return v

    known = np.array([vocab.get(w) for w in targets])
    kb = vectors(known)
    taken = set(targets)
    source = np.array([i for i, w in enumerate(vocab.words) if _WORD.fullmatch(w) and w not in taken])
    found: dict[str, list[tuple[str, float]]] = {}
    k = min(top, len(targets))
    for start in range(0, len(source), CHUNK):
        ids = source[start : start + CHUNK]
        sims = vectors(ids) @ kb.T
        best = np.argpartition(-sims, k - 1, axis=1)[:, :k] if k < len(targets) else np.tile(
            np.arange(len(targets)), (len(ids), 1))
        for row, word_id in enumerate(ids):
            pairs = [(targets[j], float(sims[row, j])) for j in best[row] if sims[row, j] >= min_similarity]
            if pairs:
                found[vocab.words[word_id]] = sorted(pairs, key=lambda p: -p[1])
    return found


async def compute_in_child(kb_words: list[str]) -> dict[str, list[tuple[str, float]]] | None:
    """`compute` in a child process; None when it can't be done here (logged)."""
    path = model_path()
    if path is None:
        log.warning("near-synonyms off: the Navec embeddings (package natasha) are not installed")
        return None
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "storage.neighbours", str(path),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(json.dumps(kb_words).encode()), BUILD_TIMEOUT)
    except (TimeoutError, asyncio.CancelledError):
        proc.kill()
        await proc.wait()
        raise
    if proc.returncode != 0:
        tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        log.warning("near-synonyms off: computing them failed (%s)", tail[0][:200])
        return None
    return {w: [(t, float(s)) for t, s in pairs] for w, pairs in json.loads(out).items()}


class NeighbourRepository:
    """The table `word_neighbours`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def revision(self) -> str | None:
        row = await self.db.fetchone("SELECT revision FROM word_neighbours LIMIT 1")
        return row[0] if row else None

    async def replace(self, revision: str, found: dict[str, list[tuple[str, float]]]) -> None:
        rows = [(w, " ".join(f"{t}:{s:.3f}" for t, s in pairs), revision) for w, pairs in found.items()]
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM word_neighbours")
            await conn.executemany("INSERT INTO word_neighbours (word, terms, revision) VALUES (?, ?, ?)", rows)

    async def lookup(self, words: Iterable[str]) -> dict[str, list[tuple[str, float]]]:
        wanted = sorted(set(words))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = await self.db.fetchall(f"SELECT word, terms FROM word_neighbours WHERE word IN ({marks})", wanted)
        out = {}
        for word, terms in rows:
            pairs = []
            for item in terms.split():
                term, _, sim = item.rpartition(":")
                pairs.append((term, float(sim)))
            out[word] = pairs
        return out


def _main() -> int:
    words = json.loads(sys.stdin.read())
    found = compute(words, Path(sys.argv[1]))
    json.dump(found, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
