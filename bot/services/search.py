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
from storage.analyzer import (
    analyze_pairs,
    is_content_word,
    is_dictionary_word,
    is_generic_word,
    tokens,
)
from storage.search_index import Candidate, SearchIndex

FIELD_FACTORS = (1.0, 0.85, 0.55)  # name/aliases, products, body
# Words the knowledge base doesn't know still count against every entry: a noun or adjective
# ("удобрения", "погода") says the question is about something else, so it weighs more than a
# verb or an adverb ("выпускает", "где") or a misspelling we couldn't correct.
UNKNOWN_CONTENT_WEIGHT = 1.6
UNKNOWN_OTHER_WEIGHT = 0.6
UNKNOWN_WORD_WEIGHT = 0.9
# Verbs, adverbs, short adjectives ("делают", "нужны", "где") rarely decide what is asked.
GENERIC_WORD_FACTOR = 0.35
CONFIDENT = 0.5  # the best hit must reach this to be shown as the answer
ALTERNATIVE = 0.3  # other hits offered as buttons must reach this
JOIN_STEMS = ("вступ", "присоедин", "join", "apply", "applic", "заявк", "членств")
JOIN_WITH_CLUSTER = ("войт", "войд", "вход", "попаст")
JOIN_SLUG = "how-to-join"
# Whole messages of only these words are small talk, not questions (matched after folding).
SMALLTALK = {
    "greeting": {"привет", "здравствуйте", "здравствуй", "добрый", "доброе", "день", "вечер",
                 "утро", "приветствую", "hello", "hi", "hey", "good", "morning", "afternoon",
                 "evening", "day"},
    "thanks": {"спасибо", "благодарю", "большое", "огромное", "спс", "thanks", "thank", "you",
               "much", "very", "many"},
    "help": {"помощь", "помогите", "help", "меню", "menu", "справка", "начать", "start"},
}


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str
    id: int
    slug: str
    title: str
    score: float


# The bot's own functions a question can ask for; answered with the function (a button that
# does it), not with a knowledge-base entry.
FEATURES = ("unsubscribe", "subscribe", "language", "privacy", "applications", "human", "help", "join")


@dataclass(slots=True)
class Listing:
    """A question over the catalogue ("which clusters make tyres", "is there a cluster in
    Tatarstan", "which measures give loans"), answered with every entry that matches, built
    from the data.

    criterion: "product" | "region" | "status" | "accepting" | "measure-kind" | "all"
    value: what was asked for, for display: the product words or the region's name as the
    knowledge base writes them, the status ("creating"/"active"), the measure kind
    ("subsidy"/"loan"/"tax"/"other"); "" for "all".
    hits: every match, best first; empty when none matches (an answer, not "I don't know").
    closest: when none matches, what comes closest (the cluster any enterprise may join).
    """

    kind: str  # "cluster" | "measure"
    criterion: str
    value: str
    hits: list[Hit] = field(default_factory=list)
    closest: list[Hit] = field(default_factory=list)


@dataclass(slots=True)
class SearchResult:
    query: str
    hits: list[Hit] = field(default_factory=list)
    intent: str | None = None  # small talk ("greeting", "thanks", "help") or "join"
    feature: str | None = None  # one of FEATURES: the answer is that function
    listing: Listing | None = None  # a catalogue question: the answer lists every match

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
        # "войти / попасть / стать участником" + "кластер": joining, unlike "войти в реестр"
        if any(s.startswith(JOIN_WITH_CLUSTER) for s in stems) and any(
            s.startswith(("кластер", "cluster")) for s in stems
        ):
            return "join"
        if "стат" in stems and any(s.startswith(("участник", "член")) for s in stems):
            return "join"  # "стать участником / членом"
        return None

    @staticmethod
    def detect_smalltalk(text: str) -> str | None:
        words = tokens(text)
        if not words or len(words) > 4:
            return None
        for intent, vocabulary in SMALLTALK.items():
            if all(w in vocabulary for w in words):
                return intent
        return None

    async def search(self, text: str, *, locale: str = "ru", limit: int = 5) -> SearchResult:
        result = SearchResult(query=text)
        smalltalk = self.detect_smalltalk(text)
        if smalltalk is not None:
            result.intent = smalltalk
            return result
        pairs = analyze_pairs(text)
        stems = list(dict.fromkeys(stem for _, stem in pairs))
        if not stems:
            return result
        result.intent = self.detect_intent(stems)
        # a correctly spelled word the knowledge base doesn't know is not a typo of another word
        spelled = {stem for token, stem in pairs if is_dictionary_word(token)}
        expansions = [self.index.expand(s, allow_typos=s not in spelled) for s in stems]
        content = {stem for token, stem in pairs if is_content_word(token)}
        generic = {stem for token, stem in pairs if is_generic_word(token)} - content
        weights = []
        for exp in expansions:
            if exp.known:
                weight = max(self.index.idf(t) for t, _ in exp.terms)
            elif exp.stem in content:
                weight = UNKNOWN_CONTENT_WEIGHT
            elif exp.stem in spelled:
                weight = UNKNOWN_OTHER_WEIGHT
            else:
                weight = UNKNOWN_WORD_WEIGHT
            if exp.stem in generic:
                weight *= GENERIC_WORD_FACTOR
            weights.append(weight)
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
                score = 1.0 + score  # the intent decides: how-to-join goes first
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
