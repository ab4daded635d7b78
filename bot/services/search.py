"""Question answering: query analysis, candidate retrieval (FTS5) and scoring.

The score of an entry is the share of the question's meaningful words it covers, each word
weighted by how rare it is in the knowledge base (idf) and by the field it was found in
(name/aliases over products over description), discounted for inexact matches (another form
of the word, a typo). Words the knowledge base has never seen count against every entry, so a
question about something else scores low and is answered honestly with "I don't know".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.services.knowledge import KnowledgeBase
from storage.analyzer import analyze_pairs, is_dictionary_word
from storage.search_index import Candidate, SearchIndex

FIELD_FACTORS = (1.0, 0.85, 0.55)  # name/aliases, products, body
UNKNOWN_WORD_WEIGHT = 0.9
CONFIDENT = 0.5  # the best hit must reach this to be shown as the answer
ALTERNATIVE = 0.3  # other hits offered as buttons must reach this
JOIN_STEMS = ("вступ", "присоедин", "join", "apply", "applic", "заявк", "членств")
JOIN_SLUG = "how-to-join"


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str
    id: int
    slug: str
    title: str
    score: float


@dataclass(slots=True)
class SearchResult:
    query: str
    hits: list[Hit] = field(default_factory=list)
    intent: str | None = None

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    @property
    def confident(self) -> bool:
        return bool(self.hits) and self.hits[0].score >= CONFIDENT

    def alternatives(self, limit: int = 4) -> list[Hit]:
        return [h for h in self.hits[1 : limit + 1] if h.score >= ALTERNATIVE]


class SearchService:
    def __init__(self, kb: KnowledgeBase, index: SearchIndex) -> None:
        self.kb = kb
        self.index = index

    def _title(self, kind: str, id_: int, locale: str) -> str:
        entry = self.kb.get(kind, id_)
        if entry is None:
            return ""
        if kind == "cluster":
            return entry.name.get(locale)[0]  # type: ignore[union-attr]
        if kind == "measure":
            return entry.title.get(locale)[0]  # type: ignore[union-attr]
        return entry.question.get(locale)[0]  # type: ignore[union-attr]

    @staticmethod
    def detect_intent(stems: list[str]) -> str | None:
        if any(s.startswith(JOIN_STEMS) for s in stems):
            return "join"
        return None

    async def search(self, text: str, *, locale: str = "ru", limit: int = 5) -> SearchResult:
        result = SearchResult(query=text)
        pairs = analyze_pairs(text)
        stems = list(dict.fromkeys(stem for _, stem in pairs))
        if not stems:
            return result
        result.intent = self.detect_intent(stems)
        # a correctly spelled word the knowledge base doesn't know is not a typo of another word
        spelled = {stem for token, stem in pairs if is_dictionary_word(token)}
        expansions = [self.index.expand(s, allow_typos=s not in spelled) for s in stems]
        weights = []
        for exp in expansions:
            if exp.known:
                weights.append(max(self.index.idf(t) for t, _ in exp.terms))
            else:
                weights.append(UNKNOWN_WORD_WEIGHT)
        total = sum(weights)
        terms = [t for exp in expansions for t, _ in exp.terms]
        candidates = await self.index.candidates(terms) if terms else []
        scored: list[tuple[float, float, Candidate]] = []
        for cand in candidates:
            matched = 0.0
            for exp, weight in zip(expansions, weights, strict=True):
                best = 0.0
                for term, factor in exp.terms:
                    if term in cand.name:
                        f = FIELD_FACTORS[0]
                    elif term in cand.products:
                        f = FIELD_FACTORS[1]
                    elif term in cand.body:
                        f = FIELD_FACTORS[2]
                    else:
                        continue
                    best = max(best, f * factor)
                matched += best * weight
            score = matched / total if total else 0.0
            if result.intent == "join" and cand.kind == "faq" and cand.slug == JOIN_SLUG:
                score = max(score, CONFIDENT) + 0.5
            scored.append((score, cand.bm25, cand))
        scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
        for score, _, cand in scored[:limit]:
            id_slug = self.kb.by_slug(cand.kind, cand.slug)
            if id_slug is None:
                continue
            result.hits.append(
                Hit(cand.kind, id_slug[0], cand.slug, self._title(cand.kind, id_slug[0], locale),
                    round(min(score, 1.0), 4))
            )
        return result
