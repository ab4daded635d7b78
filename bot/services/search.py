"""Question answering: query analysis, candidate retrieval (the in-memory index) and scoring.

The score of an entry is the share of the question's meaningful words it covers, each word
weighted by how rare it is in the knowledge base (idf) and by the field it was found in
(name/aliases over products over description), discounted for inexact matches (another form
of the word, a typo). Words the knowledge base has never seen count against every entry, so a
question about something else scores low and is answered honestly with "I don't know".
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import process as _rf_process
from rapidfuzz.distance import OSA

from bot.services.knowledge import KnowledgeBase
from bot.services.understanding import (
    ACCEPT_WORDS,
    ACCOUNT_WORDS,
    CLIPPED_PARTS,
    CLIPPED_WORDS,
    CLUSTER_WORDS,
    COLLOQUIAL,
    COMMERCE,
    CONTACT_DETAILS,
    COUNTRIES,
    FILLER,
    GEOGRAPHY_WORDS,
    HELD_ATTRIBUTES,
    LETTER_NAMES,
    LIST_WORDS,
    MAILBOX,
    MAKER_WORDS,
    MEASURE_KIND_WORDS,
    NUMBER_WORDS,
    OFF_TOPIC,
    OTHER_COMPANIES,
    OTHER_SERVICES,
    PRICE_AFTER_HOW_MUCH,
    REGISTER_WORDS,
    STATUS_WORDS,
    TEXTS,
    THIS_BOT,
    TRANSLATING,
    WHO_ASKS,
    detect_feature,
    feature_words,
    place_of_adjective,
    places,
)
from storage.analyzer import (
    STOPWORDS,
    accusative,
    analyze,
    analyze_pairs,
    fold,
    guessed_name,
    is_content_word,
    is_dictionary_word,
    is_function_word,
    is_generic_word,
    is_genitive_noun,
    is_past_verb,
    is_plural,
    lemma,
    readings,
    tokens,
    word_forms,
    word_kind,
)
from storage.analyzer import stem as stem_of
from storage.neighbours import NeighbourRepository, compute_in_child
from storage.search_index import IN_NAME, IN_PRODUCTS, Candidate, Expansion, SearchIndex

log = logging.getLogger(__name__)

FIELD_FACTORS = (1.0, 0.85, 0.55)  # name/aliases, products, body
# Words the knowledge base doesn't know still count against every entry: a noun or adjective
# ("удобрения", "погода") says the question is about something else, so it weighs more than a
# verb or an adverb ("выпускает", "где") or a misspelling we couldn't correct.
UNKNOWN_WEIGHTS = {
    "noun": 1.4,  # "удобрения", "погода": the question is about something else
    "adj": 0.7,
    "geo": 0.3,  # "мы завод в Самаре": where the asker is, rarely what is asked
    "name": 0.6,
    "latin": 0.35,  # English words the knowledge base lacks: no dictionary tells a noun from filler
    "unknown": 0.6,  # a misspelling we couldn't correct, a brand
    "verb": 0.25,
    "other": 0.25,
}
UNKNOWN_WORD_WEIGHT = 0.6
OFF_TOPIC_WEIGHT = 2.5  # prices, weather, population...: what the knowledge base never holds
_QUESTION_LEMMAS = MAKER_WORDS | LIST_WORDS | GEOGRAPHY_WORDS
CLUSTER_LIST_SLUG = "chemical-clusters-list"
CONTACTS_SLUG = "contacts"  # the association's contacts
WHY_JOIN = frozenset({"зачем", "why", "смысл", "польза", "выгода", "benefit", "benefits"})  # what joining is for
ASSOCIATION_WORDS = frozenset({"акит", "akit", "ассоциация", "association", "асоциация"})
OVERVIEW_SLUG = "support-overview"  # the overview of the measures: a listing of a kind is more precise
# nouns that name no product by themselves ("материалы", "продукция"): the words with them do
_GENERIC_PRODUCT_STEMS = frozenset(analyze(
    "материал материалы продукция продукт продукты изделие изделия товар товары вещество вещества "
    "средство средства сырье новый новые новых products product materials material goods new"
))
WHICH_WORDS = frozenset({"какой", "каких", "какие", "which", "what", "список", "перечень",
                         "перечислить", "все", "весь", "list", "all", "any", "complete"})
_CLUSTER_STEMS = frozenset({"кластер", "cluster"})
COUNT_WORDS = frozenset({"сколько", "количество", "число"})
COUNT_WINDOW = 4  # "сколько всего промышленных кластеров"
COUNT_LIFT = 0.05
NEGATIONS = frozenset({"не", "not", "нет", "no"})
_ASKING_STEMS = frozenset(stem_of(w) for w in LIST_WORDS | WHICH_WORDS)  # how a question asks, not what
# "мы из Самары", "у нас в Екатеринбурге": where the asker is, not what is asked
_CONTEXT_BEFORE = frozenset({"из", "под", "from", "near"})
CATALOGUE_ASKING = frozenset({"перечислить", "список", "перечень", "назвать", "list", "name", "include", "includes"})
ORDINAL_SUPERLATIVES = frozenset({"первый", "последний", "ранний", "поздний", "новый", "свежий"})
NEARBY = frozenset({"рядом", "поблизости", "недалеко", "неподалёку", "неподалеку", "nearby", "close"})  # "мы из Ангарска, есть рядом кластер?"
_CONTEXT_NEAR = frozenset({"нас", "мы", "наш", "наше", "наша", "нашем", "нашей", "we", "our"})


def _near_cluster_word(lemmas: list[str], words: list[str], mention: Any) -> bool:
    """"кластер в Татарстане", "в Омской области какие кластеры": the place is what is asked."""
    first = mention.label.split()[0]
    if first not in words:
        return False
    i = words.index(first)
    return any(lm in CLUSTER_WORDS for lm in lemmas[max(0, i - 5) : i + 8])


CLUSTER_BEFORE_PLACE = 5  # a cluster word this near before "у нас в X" asks about X


def _context_place(words: list[str], mention: Any) -> bool:
    """Whether every time the place is named, it says where the asker is ("мы из Самары"),
    not what is asked ("Hello from Omsk! Which clusters operate in Omsk Oblast?")."""
    first = mention.label.split()[0]
    places_at = [i for i, w in enumerate(words) if w == first]
    if not places_at:
        return False
    for i in places_at:
        before = words[max(0, i - 4) : i]
        if not (before and (before[-1] in _CONTEXT_BEFORE or _CONTEXT_NEAR & set(before))):
            return False
        if before[-1] not in _CONTEXT_BEFORE and (any(
                lemma(w) in CLUSTER_WORDS for w in words[max(0, i - CLUSTER_BEFORE_PLACE) : i]) or "есть" in before):
            # "есть ли кластер прямо у нас в Крыму?", "какие кластеры химического комплекса есть у нас в
            # Татарстане": where a cluster is asked for
            return False
    return True

# words that say "clusters in general", not which one
_CATALOGUE_STEMS = frozenset(analyze(
    "кластер кластеры кластеров кластерах химический химических химическая промышленный промышленных "
    "отрасль химия химкластер промкластер российский россия комплекс комплекса "
    "chemical industrial cluster clusters industry complex russia russian "
    "область области край крае республика республике округ регион регионе автономный region oblast krai "
    "участник участники участников участие член члены members member participants "
    "профильный профильного профильная профиль"  # ("есть профильный кластер?": one for what we make)
))
NEIGHBOURS_RETRY = 600  # seconds before building the near-synonyms again after a failure
NEIGHBOUR_FACTOR = 1.3  # a near-synonym (cosine 0.45-0.77) counts as 0.6-1.0 of the word itself
PHRASE_MIN = 2  # a name or alias of at least this many words, found whole in a question ...
PHRASE_LIFT = 0.2  # ... lifts its entry this much
NAMED_CLOSE = 0.75  # the cluster a question names goes first if it scores this share of the best
JOIN_CLOSE = 0.6  # how to join goes before the cluster joined if it scores this share, asked in so many words
JOIN_BOOST = 1.1  # the join intent lifts "how to join" a little; the rest of the question decides
JOIN_LIFT = 0.1
PRODUCT_SHARE = 0.25  # a cluster makes what is asked: this share of the question found in its products
PRODUCT_CLOSE = 0.5  # ... and at least this share of the best cluster's
# Verbs, adverbs, short adjectives ("делают", "нужны", "где") rarely decide what is asked.
GENERIC_WORD_FACTOR = 0.35
CONFIDENT = 0.5  # the best hit must reach this to be shown as the answer ...
# adjectives before "кластер" that name no kind of cluster ("местный кластер", "подходящий кластер")
_ANY_KIND = frozenset({"местный", "ближайший", "соседний", "любой", "нужный", "подходящий", "профильный",
                       "отраслевой", "другой", "новый", "крупный", "большой", "небольшой", "какой-нибудь",
                       "какой-то", "данный", "этот", "тот", "такой", "целый", "единый", "отдельный"})
_OWN_PLACE = frozenset({"регионе", "области", "крае", "республике", "городе", "регион", "область",
                        "region", "area", "city"})
BEING_CREATED = ("being set up", "being established", "being formed", "being built")
APPLYING_WORDS = frozenset({"заявка", "подать", "apply", "application", "applications"})
STILL = frozenset({"ещё", "еще", "равно"})
_SECTOR_WORDS = frozenset({"chemical", "industry", "industrial", "химический", "промышленный"})
_ARTICLES = frozenset({"the", "a", "an", "of", "every", "each", "your", "these", "those"})
SURE = 0.9  # a hit this good answers the question, whatever else it mentions
LEAD_MIN = 0.33  # ... or this, with a lead of LEAD_MARGIN over the second and no word of
LEAD_MARGIN = 0.12  # another subject (an unknown noun): "clear_lead"
LISTING_KEEP = 50  # entries of a listing made hits (the answer shows 12 and counts the rest)
ALTERNATIVE = 0.3  # other hits offered as buttons must reach this
JOIN_STEMS = ("вступ", "присоедин", "join", "apply", "applic", "заявк", "членств")
NOT_JOINING = frozenset({"applicant", "applicants", "applicable", "applies", "applied",  # (stem "applic")
                         "joint", "jointly"})  # (stem "join")
JOIN_WITH_CLUSTER = ("войт", "войд", "вход", "попаст", "оформ")
JOIN_SLUG = "how-to-join"
_APPLYING = (*JOIN_STEMS, "пода", "подач", "оформ", "submit")  # joining and applying for anything
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

    criterion: "product" | "region" | "regions" | "status" | "accepting" | "measure-kind" | "all"
    value: what was asked for, for display: the product words or the region's name as the
    knowledge base writes them, the status ("creating"/"active"), the measure kind
    ("subsidy"/"loan"/"tax"/"other", or several joined by "+": "loan+subsidy"); "several" for
    "regions" (the clusters of several regions); "" for "all".
    hits: every match, best first; empty when none matches (an answer, not "I don't know").
    closest: when none matches, what comes closest (the cluster any enterprise may join).
    """

    kind: str  # "cluster" | "measure"
    criterion: str
    value: str
    hits: list[Hit] = field(default_factory=list)
    closest: list[Hit] = field(default_factory=list)
    total: int = 0  # how many match in all: `hits` holds the best LISTING_KEEP of them


@dataclass(slots=True)
class SearchResult:
    query: str
    hits: list[Hit] = field(default_factory=list)
    intent: str | None = None  # small talk ("greeting", "thanks", "help") or "join"
    feature: str | None = None  # one of FEATURES: the answer is that function
    listing: Listing | None = None  # a catalogue question: the answer lists every match
    # the best hit is under CONFIDENT but far ahead of the rest, and nothing in the question
    # points elsewhere (a long question whose other words the knowledge base doesn't hold)
    clear_lead: bool = False

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    @property
    def confident(self) -> bool:
        return bool(self.hits) and (self.hits[0].score >= CONFIDENT or self.clear_lead)

    @property
    def answered(self) -> bool:
        """Whether the user got an answer: an entry, a listing or one of the bot's functions
        (what the question log counts as answered)."""
        return self.confident or self.listing is not None or self.feature is not None

    def alternatives(self, limit: int = 4) -> list[Hit]:
        return [h for h in self.hits[1 : limit + 1] if h.score >= ALTERNATIVE]


# "что такое X, ...", "what is X?": X is what is asked; the rest of the sentence is context
# ("объясни, что такое промкластер простыми словами, я новый сотрудник")
_WORD = re.compile(r"[^\W\d_]+")
_CYRILLIC_WORD = re.compile(r"^[а-я]+$")
_GLUED_NUMBER = re.compile(r"\b([А-Яа-яЁё]{2,3})(\d{2,3})\b")  # an abbreviation and its number, unspaced
# the words that tell what kind of question it is (word → stem): a typo of one is mended
_MEASURE_KIND_ANY = frozenset().union(*MEASURE_KIND_WORDS.values())  # a word of any measure kind
_LEXICON_STEMS: dict[str, str] = {
    w: stem_of(w)
    for w in sorted(CLUSTER_WORDS | MAKER_WORDS | LIST_WORDS | REGISTER_WORDS | ACCEPT_WORDS
                    | GEOGRAPHY_WORDS | STATUS_WORDS["creating"] | STATUS_WORDS["active"]
                    | frozenset().union(*MEASURE_KIND_WORDS.values())
                    | OFF_TOPIC)  # ("шиномантаж": still no tyres)
    if _CYRILLIC_WORD.match(w) and len(stem_of(w)) >= 6  # a shorter one is too easily another word
}
_DEFINITION = re.compile(
    r"\b(что\s+(?:(?:вообще|же|именно|собственно|по\s+закону|юридически|формально|официально)\s+){0,2}"
    r"(?:такое|значит|означает|считается|называют)"
    r"|как\s+(?:(?:в\s+законе|по\s+закону|законом|юридически)\s+)?определя(?:ется|ют)"
    r"|what\s+is|what's|what\s+are"
    r"|what\s+counts\s+as|what\s+is\s+meant\s+by)(?:\s+([^,.;:!?()]+)|\s*(?:[,;:—–][^.!?]*)?[?.!]*\s*$)",
    re.IGNORECASE,
)


def _definition_subject(text: str) -> str:
    found = _DEFINITION.search(text)
    if found is None or (found.group(2) or "").lower().startswith("the "):
        return text  # ("what are the steps and where do I start", "what is the cap": no term defined)
    subject = tokens(found.group(2) or "")  # (nothing after it: "кластер что такое", "… что такое, по-простому")
    if all(lemma(w) in FILLER or w in STOPWORDS for w in subject) or subject[:1] in (["и"], ["а"]):
        # "кластер это вообще что такое простыми словами": the term comes before
        before = text[: found.start()]
        return f"{found.group(1)} {before}" if tokens(before) else text
    return f"{found.group(1)} {found.group(2)}"


# "IT-кластер", "EdTech кластер": a Latin word before the Russian cluster word qualifies it
_LATIN_BEFORE_CLUSTER = re.compile(r"\b([a-z]{2,})[-\s]+кластер", re.IGNORECASE)
# "ИТ-кластер", "агро-кластер": a short word hyphened to the cluster word qualifies it
_ABBREVIATION_BEFORE_CLUSTER = re.compile(r"\b([а-яё]{2,5})-кластер", re.IGNORECASE)
_LATIN_AFTER_CLUSTER = re.compile(r"кластер[а-яё]*\s+([a-z][a-z0-9]{2,})\b", re.IGNORECASE)  # "кластер postgresql"
# "Kafka cluster", "tourism cluster": an English word the knowledge base lacks before "cluster"
# (not an article, a pronoun or one of these)
_WORD_BEFORE_CLUSTER = re.compile(r"(?:\b([a-z]+)\s+)?\b([a-z]{2,})[-\s]+clusters?\b", re.IGNORECASE)
_LONG_STOPWORDS = sorted(w for w in STOPWORDS if w.isascii() and len(w) >= 4)
_PRONOUNS = frozenset({"i", "we", "you", "they", "he", "she"})  # "I heard cluster members …": a verb
_ENGLISH_QUALIFIERS = frozenset({"that", "new", "another", "local", "whole", "big", "biggest", "large", "largest",
                                 "small", "first", "official", "registered", "every", "specific", "particular",
                                 "certain", "existing", "own", "same", "other", "main", "only", "single", "right",
                                 "good", "best", "suitable", "relevant", "appropriate", "nearest", "nearby"})
_SENTENCE = re.compile(r"[^.!?…]+[.!?…]*")
ASKING = frozenset({
    "какой", "каков", "как", "где", "куда", "кто", "сколько", "зачем", "почему", "когда", "ли",
    "можно", "подсказать", "сказать", "рассказать", "объяснить", "перечислить", "есть",
    "what", "which", "how", "where", "who", "when", "why", "can", "could", "is", "are", "do",
    "does", "list", "tell", "explain",
})
CONTEXT_FACTOR = 0.3  # a word only in the sentences around the question weighs this much


# English auxiliaries ask only where they open the sentence ("Can we join?"; not "we are looking for")
_ASKING_FIRST = frozenset({"can", "could", "is", "are", "do", "does"})
_GREETING_WORDS = frozenset({"hi", "hello", "hey", "dear", "good", "morning", "afternoon", "evening", "colleagues"})


def _asks(words: list[str]) -> bool:
    asking = {lemma(w) for w in words} & ASKING
    if asking - _ASKING_FIRST:
        return True
    opening = [w for w in words if w not in _GREETING_WORDS][:1]
    return bool(asking) and opening != [] and opening[0] in _ASKING_FIRST


def _asking_sentences(text: str) -> list[str] | None:
    """The sentences that ask (a "?" or an asking word), when the text has others too (who
    they are, what they make, what they buy): those are context. None: nothing to tell apart
    (one sentence, or none of them asks, or all do)."""
    sentences = [m.group(0) for m in _SENTENCE.finditer(text) if m.group(0).strip()]
    if len(sentences) < 2:
        return None
    asking = [s for s in sentences if s.rstrip().endswith("?") or _asks(tokens(s))]
    if not asking or len(asking) == len(sentences):
        return None
    return asking


def _asked_stems(text: str) -> set[str] | None:
    """The stems of the sentences that ask, when there are others (context words weigh less)."""
    asking = _asking_sentences(text)
    if asking is None:
        return None
    return {st for sentence in asking for _, st in analyze_pairs(sentence)}


MAKING = frozenset({"делать", "производить", "выпускать", "изготавливать", "выпуск", "производство", "выпустить",
                    "произвести", "изготовить", "сделать",
                    "make", "makes", "produce", "produces", "manufacture", "manufactures", "output"})
_A_YEAR = re.compile(r"(?:19|20)\d\d")
_PER_PERIOD = (("в", "год"), ("за", "год"), ("per", "year"), ("a", "year"), ("each", "year"), ("every", "year"),
               ("в", "месяц"), ("за", "месяц"), ("per", "month"), ("a", "month"), ("в", "сутки"), ("per", "day"))


def _other_register(words: list[str], lemmas: list[str]) -> bool:
    """Whether the question names a register other than the clusters' ("реестр российской
    промышленной продукции", "register of special investment contracts"): what is registered
    (the first noun after "реестр"; in English any of the next few words) is no cluster."""
    for i, lm in enumerate(lemmas):
        if lm not in REGISTER_NOUNS:
            continue
        for w, lw in zip(words[i + 1 : i + 5], lemmas[i + 1 : i + 5], strict=False):
            if lw in OTHER_REGISTERED or w in OTHER_REGISTERED:
                return True
            if not w.isascii() and word_kind(w) != "adj":  # (what follows the noun and its adjectives is no name of it)
                break
    return False


def _per_period(words: list[str]) -> bool:
    """Whether the question counts by the year or the month ("в год", "в месяц", "per year", "ежегодно",
    "за 2025 год")."""
    pairs = set(zip(words, [lemma(w) for w in words[1:]], strict=False))
    return bool(pairs & set(_PER_PERIOD)) or bool({"ежегодно", "ежемесячно", "annually", "annual", "yearly",
                                                   "monthly"} & set(words)) or any(
        words[i] in ("за", "в", "in") and _A_YEAR.fullmatch(words[i + 1]) for i in range(len(words) - 1))


GIVES = frozenset({"зачем", "даст", "дает", "даёт", "дадут", "выгода", "выгоды", "плюшки", "плюшек", "польза",
                   "пользы", "смысл", "преимущества", "why", "benefit", "benefits", "gain"})
_GETS = (("do", "i", "get"), ("do", "we", "get"), ("will", "we", "get"), ("would", "we", "get"))


def _asks_what_it_gives(words: list[str]) -> bool:
    """Whether a question about joining asks what it gives ("зачем вступать", "что даст
    вступление", "what do I get as a member")."""
    triples = set(zip(words, words[1:], words[2:], strict=False))
    return bool(GIVES & set(words)) or bool(triples & set(_GETS)) or any(
        t[0] == "do" and t[2] == "actually" for t in triples)


BACK_REFERENCES = frozenset({"это", "этого", "этому", "этим", "этом", "this", "that", "it"})


# whose contact details are asked: a person's, not the association's ("телефон АКИТ" is its contacts)
POSITIONS = frozenset({"директор", "гендиректор", "руководитель", "председатель", "начальник", "глава",
                       "замминистра", "министр", "ceo", "director", "head", "chairman", "his", "her",
                       # (another organization's: "телефон приёмной Минпромторга")
                       "приемная", "минпромторг", "министерство", "ministry", "minpromtorg", "reception"})
_PERSON_GRAMMEMES = frozenset({"Name", "Surn", "Patr"})


def _names_someone(words: list[str]) -> bool:
    """Whether the words name a person: a position ("директор", "CEO") or a name ("Евгения Кравченко")."""
    return any(w in POSITIONS or lemma(w) in POSITIONS or (
        w not in CONTACT_DETAILS and (found := readings(w)) and _PERSON_GRAMMEMES & found[0].grammemes)
        for w in words)


ALL_LISTED = frozenset({"перечислить", "список", "перечень", "все", "весь", "list", "all"})  # a list asked for plainly
MEASURE_WORDS = frozenset({"мера", "господдержка", "measure", "measures"})
ACTS = frozenset({"постановление", "пп", "ппрф", "приказ", "распоряжение", "resolution", "decree"})
RANKS = frozenset({"место", "первый", "победитель", "победить", "занять", "лидер", "лучший", "won", "win",
                   "winner", "winners", "top", "first", "place", "best"})
TALKING = frozenset({"поговорить", "связаться", "соединить", "созвониться", "talk", "speak"})
NEWS_WHEN = frozenset({"сегодня", "вчера", "неделя", "свежий", "последний", "today", "week", "latest"})
FIXING = frozenset({"исправить", "поправить", "исправление", "редактировать", "correct", "fix", "edit", "amend"})
MISTAKE_OR_SENT = frozenset({"ошибиться", "ошибка", "опечатка", "отправить", "отправленный", "подать", "поданный",
                             "оформлять", "mistake", "typo", "wrong", "sent", "submitted"})


IS_MEMBER = frozenset({"входит", "входят", "входил", "входила", "входило", "входили"})


def _taken_in(words: list[str]) -> bool:
    """"возьмут ли нас в кластер": being taken into a cluster (the preposition and the cluster
    word near the verb)."""
    for i, w in enumerate(words):
        if lemma(w) == "взять":
            near = words[max(0, i - 4) : i + 5]
            if any(near[j] in ("в", "во") and lemma(near[j + 1]) in CLUSTER_WORDS for j in range(len(near) - 1)):
                return True
    return False


def _fixes_sent_application(lemset: set[str]) -> bool:
    return bool(lemset & FIXING) and bool(lemset & {"заявка", "application"}) and bool(lemset & MISTAKE_OR_SENT)


SENDING = frozenset({"подать", "подавать", "оставить", "оставлять", "отправить", "отправлять", "заполнить", "заполнять"})
THROUGH_THE_BOT = frozenset({"бот", "бота", "боте", "ботом", "тут", "здесь", "вам", "bot"})


def _filed(words: list[str], lemmas: list[str]) -> bool:
    """Whether a filing verb is in the past ("подали", "оставлял"): something already sent."""
    return any(lm in SENDING and is_past_verb(w) for w, lm in zip(words, lemmas, strict=True))


def _after_sent_application(words: list[str], lemmas: list[str]) -> bool:
    """Whether the question is about an application sent here ("я в понедельник оставлял заявку
    через бота, можно глянуть, что с ней?"): a filing verb in the past, the application and
    the bot (not "как подать заявку через бота": how to join)."""
    if "заявка" not in lemmas or not _filed(words, lemmas):
        return False
    # (or where to see it, with no other body and no measure applied for: "подавал заявку на прошлой
    # неделе, где её посмотреть?")
    return bool(set(words) & THROUGH_THE_BOT) or (
        bool(set(lemmas) & LOOKING_UP) and not set(lemmas) & (OTHER_BODIES | APPLIED_FOR))


TROUBLE = frozenset({"грузить", "загружаться", "загрузка", "прикрепить", "ошибка", "зависать", "глючить", "вылетать",
                     "error", "crash", "crashes", "loading", "upload"})
ARRIVING = frozenset({"прийти", "придут", "поступить", "перечислить", "зачислить", "arrive", "arrives"})
LOOKING_UP = frozenset({"посмотреть", "глянуть", "проверить", "статус"})
APPLIED_FOR = frozenset({"субсидия", "грант", "займ", "заём", "заем", "кредит", "льгота", "компенсация", "возмещение",
                         "отбор", "пп", "постановление"})


RECEIVED = frozenset({"получил", "получила", "получили", "получило", "получено", "выплатили", "выплачено", "received",
                      "выдал", "выдали", "выдано", "выделил", "выделила", "выделили", "выделено", "потратили",
                      "сэкономили", "сэкономил", "paid", "spent", "saved", "attracted", "invested",
                      # ("сколько кластеров исключили из реестра в 2025 году"): who dropped out, when
                      "исключили", "исключено", "исключены", "excluded", "removed"})
_DID_PAY = frozenset({"pay", "paid", "spend", "spent", "receive", "get", "got", "attract", "invest", "save"})
AMOUNTS = frozenset({"сумма", "объём", "объем", "amount", "total"})
MONEY_WORDS = frozenset({"деньги", "деньга", "заём", "займ", "заем", "loan", "loans", "взнос", "contributions",
                         "инвестиция", "investment", "investments", "субсидия", "рубль", "компенсация", "возмещение", "money", "subsidy", "subsidies",
                         "funding", "funds"})
REFUND = frozenset({"вернуть", "возместить", "возмещение", "возмещать", "компенсировать", "компенсация", "возврат",
                    "reimburse", "reimbursed", "reimbursement", "refund", "compensate", "compensated", "compensation"})
HEADS = frozenset({"директор", "гендиректор", "ceo", "director", "chairman", "председатель", "руководить", "возглавлять"})
PERSONS_LIFE = frozenset({"отчество", "биография", "возраст", "жена", "муж", "родиться", "born", "age", "wife"})
DATED = frozenset({"бюджет", "дата", "отбор", "срок", "когда", "закрываться", "закрыться", "открыться", "приём",
                   "предусмотреть", "заложить", "выделить",
                   "budget", "date", "dates", "when", "close", "closes", "open", "opens", "deadline", "selection", "round"})
NUMBERED = frozenset({"год", "номер", "сумма", "размер", "участник", "предприятие", "компания", "заявка", "процент",
                      "рубль", "тысяча", "миллион", "миллиард", "человек", "страница", "пункт", "статья", "часть"})
OPENING = frozenset({"открыть", "открыться", "достроить", "построить", "запустить", "запуститься", "запуск",
                     "открытие", "built", "finished"})
DATED_ROUNDS = frozenset({"отбор", "приём", "прием", "заявка", "selection", "applications", "round"})
REVIEWING = frozenset({"рассматривать", "рассмотреть", "рассмотрение", "review", "reviewed", "consider", "considered"})
DURATIONS = frozenset({"день", "неделя", "месяц", "час", "days", "weeks", "months", "hours"})
COMPANIES = frozenset({"компания", "предприятие", "фирма", "завод", "companies", "firms", "enterprises"})
SIGNED = frozenset({"заключили", "подписали", "signed", "concluded"})
OURS_WINDOW = 3  # the words after "у нас", "мы" that tell what the asker does
LEAVING = frozenset({"выйти", "выход", "покинуть", "уйти", "leave", "leaving", "exit", "quit", "withdraw"})
REFUSED = frozenset({"отклонить", "отказать", "rejected", "refused", "declined"})
STAGE_WORDS = frozenset({"этап", "стадия", "stage"})  # "на каком этапе наша заявка в фонде"
FILED = frozenset({"заявка", "заявление", "application"})
OTHER_BODIES = frozenset({"гисп", "gisp", "фрп", "фонд", "минпромторг", "министерство", "ифнс", "фнс", "налоговая",
                          "fund", "ministry"})
ASSOCIATIONS = frozenset({"ассоциация", "союз", "association", "union"})
OUR_ASSOCIATION = frozenset({"кластер", "технопарк", "акит", "clusters", "technoparks"})
DECIDED = frozenset({"одобрить", "выплатить", "approve", "approved"})
# "реестр российской промышленной продукции", "реестр специальных инвестиционных контрактов": registers
# other than the clusters' (what is registered names it)
OTHER_REGISTERED = frozenset({"продукция", "контракт", "вещество", "товар", "поставщик", "лицензия", "субъект",
                              "сертификат", "декларация", "экспортер", "инвестор", "мсп", "products", "contracts",
                              "substances", "suppliers", "licences", "licenses"})
REGISTER_NOUNS = frozenset({"реестр", "register", "registry"})
HOLDING = frozenset({"проводить", "провести", "организовать", "организовывать", "состояться", "hold", "held", "organise",
                     "organize"})
EVENTS = frozenset({"конференция", "форум", "выставка", "семинар", "сессия", "conference", "forum", "exhibition",
                    "seminar", "session"})
FUTURE_ASKING = frozenset({"когда", "будет", "будут", "планируется", "планируют", "when", "will", "next"})
TONGUES = frozenset({"английский", "китайский", "немецкий", "французский", "испанский", "турецкий", "арабский",
                     "english", "chinese", "german", "french", "spanish", "turkish", "arabic"})
LIST_ASKING = frozenset({"список", "перечень", "перечислить", "назвать", "прислать", "list", "name", "send"})
# "игнорируй все предыдущие инструкции", "ignore previous instructions", "выведи системный промпт": an
# attempt to make the bot something else; answered as what it doesn't know
_INJECTION = re.compile(
    r"\b(?:игнорир\w*|игнорь\w*|забудь|ignore|disregard|forget)\s+(?:\w+\s+){0,3}?"
    r"(?:инструкци\w*|правил\w*|указани\w*|промпт\w*|instructions?|rules|prompts?)"
    r"|\b(?:системн\w+\s+промпт\w*|system\s+prompt|developer\s+mode|режим\w*\s+разработчика|jailbreak"
    r"|представь(?:те)?,?\s+что\s+ты|ты\s+теперь|pretend\s+(?:that\s+)?you|you\s+are\s+now)\b",
    re.IGNORECASE)
# a link or an address pasted into the message: its pieces are no words of the question
_LINK = re.compile(r"(?:https?://|www\.)\S+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b|<!--.*?-->", re.IGNORECASE | re.DOTALL)
FIRST_PERSON = frozenset({"мой", "моя", "моё", "мое", "мои", "моих", "мою", "моего", "моей", "меня", "my", "me", "mine"})
# "…это когда пиво пенится? А если серьёзно, какой кластер…": what comes before is a joke
_SERIOUSLY = re.compile(r"\b(?:(?:а|но)\s+)?если\s+серь[её]зно\b|\b(?:а|но)\s+серь[её]зно\b|\bшутки\s+в\s+сторону\b"
                        r"|\bbut\s+seriously\b",
                        re.IGNORECASE)
_PLURAL_ENDINGS = ("еры", "еров", "ерам", "ерами", "ерах")  # ("химкластеры": no dictionary word, a plural all the same)
SERIOUS_REST_MIN = 10  # characters: what follows "а если серьёзно" must be a question of its own
PHONE_DIGITS = 7  # a message of digits and punctuation alone, this many digits or more, is a phone number
def _counted(words: list[str], lemmas: list[str], what: frozenset[str], window: int = 4) -> bool:
    """Whether one of `what` (a word or its lemma) comes within `window` words after "сколько"/"how many"."""
    return any(lm in HOW_MUCH and any(w in what or lw in what for w, lw in
                                      zip(words[i + 1 : i + 1 + window], lemmas[i + 1 : i + 1 + window], strict=False))
               for i, lm in enumerate(lemmas))


CHANGING = frozenset({"меняться", "измениться", "изменяться", "менять", "changed", "change"})
GOT = frozenset({"получили", "получил", "получила", "получило", "received", "got"})
APPLIED = frozenset({"подали", "подано", "поступило", "поступили", "applied", "submitted"})
STAFF_WORDS = frozenset({"сотрудник", "работник", "персонал", "employees", "staff", "workers"})
RULERS = frozenset({"министр", "minister", "президент", "president", "губернатор", "governor", "мэр", "mayor",
                    "депутат", "deputy", "deputies"})
MEMBERSHIP = frozenset({"участие", "членство", "участник", "член", "вступление", "вступать", "вступить",
                        "member", "members", "membership", "participation", "participant", "participants"})
SUPPORT_WORDS = frozenset({"помощь", "поддержка", "господдержка", "льгота", "преференция", "support", "benefit",
                           "benefits", "help"})
GRANTING = frozenset({"дать", "давать", "положить", "получать", "получить", "предусмотреть", "полагаться",
                      "get", "receive", "give", "offer", "entitled"})
BENEFITS_LIFT = 0.2


def _asks_benefits(words: list[str], lemset: set[str]) -> bool:
    """Whether the question asks what members of a cluster get ("что даст участие в кластере",
    "какая помощь положена участникам кластеров", "what do members get")."""
    if not lemset & MEMBERSHIP or not lemset & CLUSTER_WORDS:
        return False
    return _asks_what_it_gives(words) or (bool(lemset & SUPPORT_WORDS) and bool(lemset & GRANTING))


WEAK_ADJECTIVES = frozenset({"новый", "старый", "большой", "маленький", "небольшой", "крупный", "new", "old"})
BY_MEANS = frozenset({"по", "с", "со", "by", "via", "over", "from"})  # "приглашали по телефону", "пишу с телефона": how, not whose number


def _abroad(words: list[str]) -> bool:
    """Whether the asking words are about another country ("кластеры в Казахстане", "what subsidies
    does Kazakhstan give"); not where the asker is from ("мы из Китая", "I'm from Germany")."""
    return "eu" in words or any(lemma(w) in COUNTRIES and not (i and words[i - 1] in ("из", "from"))
                                for i, w in enumerate(words))


DEMONSTRATIVES = frozenset({"этот", "данный", "this", "that"})


def _points_at_cluster(words: list[str]) -> bool:
    """"этот кластер", "данного кластера", "this cluster": the cluster told of before."""
    return any(lemma(words[i]) in DEMONSTRATIVES and lemma(words[i + 1]) in CLUSTER_WORDS for i in range(len(words) - 1))


SPOKEN_PIECES = 3  # a word said in at most this many pieces ("мин пром торг") ...
SPOKEN_PIECE_MAX = 5  # ... each at most this long


def _said_number(found: list[re.Match[str]], i: int, text: str) -> tuple[int, int]:
    """The number said in words from `found[i]` on ("семьсот семьдесят девятое" → 779), and how
    many words say it: hundreds, tens and units in that order, at least ten in all (a lone
    "один", "первый" is a word, not a figure)."""
    total, used, last = 0, 0, 1000
    while i + used < len(found):
        match = found[i + used]
        if used and text[found[i + used - 1].end() : match.start()].strip():
            break
        value = NUMBER_WORDS.get(lemma(fold(match.group(0))))
        if value is None or value >= last or (last < 10 and value < 10) or (last < 20 and value < 20 and last != 1000):
            break
        total += value
        last = value
        used += 1
    return (total, used) if used and total >= 10 else (0, 0)


MEMBER_WORDS = frozenset({"участник", "член", "предприятие", "компания", "завод", "member", "members", "participants",
                          "companies"})
NAMING = frozenset({"какой", "кто", "название", "наименование", "перечислить", "назвать", "поимённо", "поименно",
                    "which", "who", "names", "name"})


def _asks_members_names(lemmas: list[str]) -> bool:
    """"какие участники", "кто участники", "названия шести участников", "the names of the 11
    members", "поимённо всех участников": the members by name."""
    for i, lm in enumerate(lemmas):
        if lm in MEMBER_WORDS and i:
            before = [b for b in lemmas[max(0, i - 4) : i] if b not in _ARTICLES and not b.isdigit() and b not in NUMBER_WORDS
                      and b not in ("все", "весь", "of", "из", "эти", "там", "all")]
            if before and (before[-1] in NAMING or {"поимённо", "поименно", "names"} & set(before)):
                return True
    return False


SEVERAL = frozenset({"несколько", "разный", "много", "ряд", "several", "multiple", "different", "many"})
REGION_WORDS = frozenset({"регион", "область", "субъект", "region", "regions", "oblast", "oblasts"})


def _several_regions(lemmas: list[str]) -> bool:
    """"сразу в нескольких регионах", "several regions", "разные области": more than one region."""
    return any(lm in SEVERAL and REGION_WORDS & set(lemmas[i + 1 : i + 3]) for i, lm in enumerate(lemmas))


def _refers_back(asking: list[str]) -> bool:
    """Whether the sentences that ask point back at what was told before them ("что для этого
    нужно", "how do we do it")."""
    return any(w in BACK_REFERENCES for sentence in asking for w in tokens(sentence))


FEATURE_TYPO_MIN = 5  # letters a word needs to be taken for a typo of a function's word ...
FEATURE_TYPO_LONG = 9  # ... and from this many, two edits away
FEATURE_MENDED_KEPT = 8192  # words whose mending is kept
LATIN_SUBSTITUTION_MIN = 8  # an English word this long with one letter wrong is a typo of a function's word
# first letters that sound alike unstressed: a typo may change them ("аператор", "езыке")
_FIRST_SOUND = {"о": "а", "я": "е", "и": "е", "э": "е", "ё": "е"}
EQUIPMENT = frozenset({"оборудование", "станок", "линия", "техника", "equipment", "machinery", "machines"})
MEASURE_WINDOW = 3  # a measure word this near a word of buying: what the measure pays for
HEAD_ASKERS = frozenset({"какой", "каков", "сколько"})  # ... and the noun they ask for
HEAD_WINDOW = 3


# off-topic words that are not, after these words: "быть в курсе новостей" is no exchange rate
OFF_TOPIC_IDIOMS = {"курс": frozenset({"в"}),
                    # "отчисления с зарплаты в фонды", "взносы с зарплат": payroll contributions, not wages
                    "зарплата": frozenset({"с", "со", "от"})}
# "стоит ли туда идти", "стоит обратиться": worth it, not a price
WORTH = frozenset({"стоить"})
# pairs of words, next to each other, that say the point is something the knowledge base never
# holds: someone asking for themselves ("частное лицо"), household matters, other bodies, goods
UNHELD_PAIRS = frozenset({("частный", "лицо"), ("физический", "лицо"), ("private", "person"),
                          ("горячий", "вода"), ("членский", "взнос"), ("membership", "fee"), ("member", "fee"),
                          ("предельный", "база"), ("exchange", "rate"),
                          ("private", "individual"), ("individual", "person"),
                          # another body's support (the Russian Export Center's)
                          ("экспортный", "центр"), ("поддержка", "экспорт"), ("export", "support"), ("export", "center"),
                          ("export", "centre"),
                          # another fund ("грант фонда содействия инновациям"), the labelling system, opening a company
                          ("фонд", "содействие"), ("содействие", "инновация"), ("честный", "знак"),
                          ("зарегистрировать", "ооо"), ("регистрация", "ооо"), ("открыть", "ооо"), ("register", "llc"),
                          # tyres for one's car
                          ("зимний", "шина"), ("летний", "шина"), ("всесезонный", "шина"), ("зимний", "резина"),
                          ("летний", "резина"), ("winter", "tyres"), ("winter", "tires"), ("summer", "tyres"),
                          ("summer", "tires"),
                          # a shop of one's own, the employment service, the biggest of a kind
                          ("торговый", "точка"), ("центр", "занятость"), ("самый", "крупный"), ("самый", "большой"),
                          # stock, brands, shelf life, do-it-yourself, templates, registering a company
                          ("в", "наличие"), ("конкретный", "марка"), ("срок", "годность"), ("правильно", "хранить"),
                          ("свой", "рука"), ("образец", "договор"), ("register", "company"),
                          # a town's holiday, a car's parts
                          ("день", "город"), ("на", "машина"),
                          # tenders won, contracts concluded, advisers recommended, plans written, sessions to come,
                          # data sheets, banks, tax offices
                          ("выиграть", "тендер"), ("хороший", "юрист"),
                          ("хороший", "адвокат"), ("хороший", "бухгалтер"), ("посоветовать", "юрист"), ("бизнес", "план"),
                          ("финансовый", "модель"), ("shelf", "life"), ("data", "sheet"),
                          ("which", "bank"), ("какой", "банк"), ("tax", "office"), ("filing", "deadline"),
                          ("создать", "бот"), ("сделать", "бот"), ("реестр", "лекарство"), ("transport", "tax"),
                          ("boiling", "point"), ("farm", "subsidies"), ("large", "family"), ("dress", "code"),
                          ("software", "cluster"), ("at", "home"),
                          # inspections, annual reports, work permits, other parks, IT companies' rates, an insult
                          ("выездной", "проверка"), ("annual", "report"), ("годовой", "отчет"), ("work", "permit"),
                          ("work", "permits"), ("индустриальный", "парк"), ("industrial", "park"), ("it", "компания"),
                          ("айти", "компания"), ("пойти", "ты"), ("социальный", "контракт"), ("limited", "liability"),
                          ("вступительный", "взнос"), ("entrance", "fee"), ("ручной", "кладь"), ("фиксировать", "взнос"),
                          ("фиксировать", "страховой"), ("земельный", "налог"), ("tax", "audit"), ("tax", "audits"),
                          ("tax", "credit"), ("налоговый", "кредит"), ("доля", "рынок"), ("доля", "импорт"),
                          ("market", "share"), ("средний", "размер"), ("средний", "сумма"), ("average", "amount"),
                          ("average", "size"), ("annual", "budget"), ("годовой", "бюджет"), ("по", "год"),
                          ("список", "получатель"), ("перечень", "получатель"), ("реестр", "получатель"),
                          ("of", "recipients"), ("кто", "владелец"), ("who", "owns")})  # ("фиксированные взносы": the participle's lemma is the verb)
# "какие займы даёт региональный фонд развития промышленности": a region's own fund's loans (the
# knowledge base describes the federal fund's; a regional fund as a cluster's organization is held)
REGIONAL_FUND = (("региональный", "фонд"), ("областной", "фонд"), ("краевой", "фонд"), ("республиканский", "фонд"),
                 ("regional", "fund"), ("oblast", "fund"))
LOAN_WORDS = frozenset({"заём", "займ", "заем", "кредит", "ставка", "процент", "loan", "loans", "rate"})
BUYING_ADVICE = frozenset({("хороший", "взять"), ("хороший", "брать"), ("хороший", "купить"), ("хороший", "выбрать"),
                          ("выгодный", "взять"), ("выгодный", "купить"), ("best", "buy"), ("безопасный", "брать"),
                          ("безопасный", "взять"), ("безопасный", "купить"), ("хороший", "ставить"),
                          ("хороший", "поставить")})  # ("какие шины лучше ставить на КАМАЗ")
DEEDS = frozenset({"купить", "продать"})  # off-topic when sought, not when told as done
HOW_MUCH = frozenset({"сколько", "скока", "how"})
EXCEPT_WORDS = frozenset({"кроме", "помимо", "except", "besides", "beyond"})
EXCEPT_WINDOW = 3  # the words after "кроме" that name what is set aside ("кроме федеральных субсидий")
_JOINING = (*JOIN_STEMS, *JOIN_WITH_CLUSTER, "участник", "член", "member")
JOINED_ELSEWHERE = frozenset({"партия", "party", "клуб", "club"})  # ("вступить в партию": no batch of goods)
JOINED_WINDOW = 3  # what is joined follows the joining word within this many meaningful words


QUANTITIES = ("куча", "много", "масса", "полно", "уйма", "море", "немало", "мало", "тьма")


def _other_cluster(words: list[str], unknown: set[str], names: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether a cluster word of the question is qualified by a word nothing here knows: an
    adjective right before it ("туристический кластер") or a noun in the genitive right after
    it ("кластер судостроителей") — not ours. Right before and after in the text itself: "у
    соседнего завода, он тоже в нашем кластере" and "кластер от имени министерства" qualify
    nothing."""
    for i, token in enumerate(words):
        if lemma(token) == "кластерный":  # "кластерный анализ", "кластерная боль"
            if i + 1 < len(words) and stem_of(words[i + 1]) in unknown:
                return True
            continue
        if lemma(token) not in CLUSTER_WORDS:
            continue
        if i > 0 and stem_of(words[i - 1]) in unknown and word_kind(words[i - 1]) == "adj" \
                and lemma(words[i - 1]) not in _ANY_KIND:
            return True
        if i + 1 < len(words) and stem_of(words[i + 1]) in unknown and is_genitive_noun(words[i + 1]) \
                and words[i + 2 : i + 3] not in ([q] for q in QUANTITIES):  # ("в кластер бумажек куча": many papers)
            return True
        if i + 1 < len(words) and stem_of(words[i + 1]) in names:  # "кластер Иннокам": another's name
            return True
    return False


def _counts_clusters(words: list[str], lemmas: list[str]) -> bool:
    """Whether the question counts clusters: "сколько (всего) (промышленных) кластеров",
    "how many (industrial) clusters", "number of clusters" — the counted noun is a cluster word
    ("сколько участников в кластере" counts members)."""
    for i, lm in enumerate(lemmas):
        if lm in COUNT_WORDS:  # what follows up to the first noun
            for word, following in zip(words[i + 1 : i + 1 + COUNT_WINDOW], lemmas[i + 1 : i + 1 + COUNT_WINDOW],
                                       strict=False):
                if following in CLUSTER_WORDS:
                    return True
                if word_kind(word) not in ("adj", "other"):
                    break
        elif (lm == "many" and i > 0 and words[i - 1] == "how") or (
                lm == "number" and i + 1 < len(words) and words[i + 1] == "of"):
            # (no dictionary tells an English noun: the cluster word comes next or after one word)
            if CLUSTER_WORDS & set(lemmas[i + 1 : i + 4 if lm == "number" else i + 3]):
                return True
    return False


def _joins_elsewhere(pairs: list[tuple[str, str]], unknown: set[str]) -> bool:
    """Whether what the question joins is something the knowledge base doesn't hold: a word it
    has never seen right after the joining word ("вступить в профсоюз", "заявка на визу"), not
    anywhere in the question ("мы делаем химию для нефтянки, как стать участником кластера")."""
    vocabulary = feature_words()  # ("заявку … заполнение анкеты", "the application form": the form itself)
    for i, (_, stem) in enumerate(pairs):
        if stem.startswith(_JOINING) and any(
                st in unknown and tok not in vocabulary and lemma(tok) not in vocabulary
                for tok, st in pairs[i + 1 : i + 1 + JOINED_WINDOW]):
            return True
        if stem.startswith(_JOINING) and any(lemma(tok) in JOINED_ELSEWHERE for tok, _ in pairs[i + 1 : i + 2]):
            return True  # (right after it: "заявка на субсидию на стартовые партии" joins nothing)
    return False


class SearchService:
    def __init__(self, kb: KnowledgeBase, index: SearchIndex,
                 neighbours: NeighbourRepository | None = None) -> None:
        self.kb = kb
        self.index = index
        self.neighbours = neighbours  # near-synonyms from word embeddings (None: off)
        self.neighbours_revision: str | None = None  # the content revision they were built for
        self._names_version = -1  # the index version the clusters' name words were taken at
        self._feature_forms: dict[str, list[str]] | None = None  # the forms of the functions' words, by first letter
        self._feature_mended: dict[str, str | None] = {}  # word → the function's word it is a typo of
        self._words_mended: dict[str, str] = {}  # word as typed → as mended (for one index version)
        self._words_mended_version = -1
        self._dictated: dict[str, bool] = {}  # word as typed → whether it may be dictated (same version)
        self._catalogue_positions: tuple[tuple[str, int] | None, dict[str, int]] = (None, {})
        self._cluster_names: dict[str, set[str]] = {}
        self._phrases_version = -1
        self._definitions: dict[tuple[str, str], set[frozenset[str]]] = {}
        self._entry_phrases: dict[tuple[str, str], list[frozenset[str]]] = {}
        self._count_entries: set[tuple[str, str]] = set()
        self._long_phrases: dict[tuple[str, str], list[frozenset[str]]] = {}
        self._name_owner: dict[str, str] = {}  # a name word of exactly one cluster -> that cluster

    # ---- near-synonyms ---------------------------------------------------------------------
    def _content_lemmas(self) -> list[str]:
        """The knowledge base's own words that near-synonyms may point to: dictionary forms of
        its nouns, adjectives and verbs (not filler, not function words)."""
        words: set[str] = set()
        for doc in self.kb.index_docs():
            for token in tokens(" ".join((doc.name, doc.products, doc.body))):
                if len(token) < 4 or word_kind(token) not in ("noun", "adj"):
                    continue
                lm = lemma(token)
                if lm not in FILLER:
                    words.add(lm)
        return sorted(words)

    async def prepare_neighbours(self) -> bool:
        """Make the near-synonyms match the content loaded (computed in a child process when
        the content changed). True when they are in use."""
        if self.neighbours is None:
            return False
        revision = self.kb.revision or ""
        if await self.neighbours.revision() != revision:
            found = await compute_in_child(self._content_lemmas())
            if found is None:
                self.neighbours_revision = None
                return False
            await self.neighbours.replace(revision, found)
            log.info("near-synonyms ready: %d words of Russian near the knowledge base's words", len(found))
        self.neighbours_revision = revision
        return True

    async def keep_neighbours(self, every: float = 10.0) -> None:
        """Background: build the near-synonyms at start and again after a content change."""
        while True:
            wait = every
            if self.neighbours_revision != (self.kb.revision or ""):
                try:
                    if not await self.prepare_neighbours():
                        return  # can't be done here: plain search (logged)
                except Exception:  # a full disk, a locked file: not the child's seconds of CPU every 10 s
                    log.exception("could not build the near-synonyms; trying again in %d s", NEIGHBOURS_RETRY)
                    wait = NEIGHBOURS_RETRY
            await asyncio.sleep(wait)

    async def _near(self, words: list[str]) -> dict[str, list[tuple[str, float]]]:
        if self.neighbours is None or self.neighbours_revision is None:
            return {}
        if self.neighbours_revision != (self.kb.revision or ""):
            return {}  # content changed: rebuilt in the background, plain search meanwhile
        return await self.neighbours.lookup(words)

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

    def _mend(self, text: str) -> str:
        """The words of `text` the dictionary lacks, mended where that is clear: a misspelled
        "-тся/-ться" ("создаються"), a typo of a word that tells what is asked ("класторах" →
        "кластер"), a clipped compound spelled out ("промкластер" → "промышленный кластер").
        The rest of the text stays as it was."""
        text = _GLUED_NUMBER.sub(r"\1 \2", text)  # "пп41", "фз64" are "пп 41", "фз 64"
        if self._words_mended_version != self.index.version:  # (what is mended depends on the index)
            self._words_mended.clear()
            self._dictated.clear()
            self._words_mended_version = self.index.version
        words = _WORD.findall(text)
        if any(self._may_be_dictated(w) for w in words):
            text = self._spoken(text)
            words = _WORD.findall(text)
        known = self._words_mended
        if all(known.get(w) == w for w in words):
            return text  # (most texts: every word as it was, already looked at)
        return _WORD.sub(self._mended_cached, text)

    def _may_be_dictated(self, word: str) -> bool:
        """Whether `word` may be part of a dictated number or word said in pieces: a letter's
        name, a word of a number, or a short piece that is no word and nothing the knowledge
        base knows ("пром", "гис")."""
        known = self._dictated.get(word)
        if known is None:
            token = fold(word)
            known = token in LETTER_NAMES or lemma(token) in NUMBER_WORDS or (
                len(token) <= SPOKEN_PIECE_MAX and bool(_CYRILLIC_WORD.match(token)) and not is_dictionary_word(token)
                and stem_of(token) not in self.index.df)
            if len(self._dictated) >= FEATURE_MENDED_KEPT:
                self._dictated.clear()
            self._dictated[word] = known
        return known

    def _spoken(self, text: str) -> str:
        """Dictated text written as it is meant: numbers said as words as digits ("сорок первое"
        → "41"), and words said in pieces or letter by letter joined where the joined word is
        one the knowledge base knows ("нор тек" → "нортек", "мин пром торг" → "минпромторг",
        "эф эр пэ" → "фрп", "гис пэ" → "гисп")."""
        found = list(_WORD.finditer(text))
        out: list[str] = []
        end = 0
        i = 0
        while i < len(found):
            match = found[i]
            number, used = _said_number(found, i, text)
            if used:
                out.append(text[end : match.start()] + str(number))
                end, i = found[i + used - 1].end(), i + used
                continue
            joined, used = self._said_in_pieces(found, i, text)
            if used:
                out.append(text[end : match.start()] + joined)
                end, i = found[i + used - 1].end(), i + used
                continue
            i += 1
        return "".join(out) + text[end:] if out else text

    def _said_in_pieces(self, found: list[re.Match[str]], i: int, text: str) -> tuple[str, int]:
        """The word the pieces from `found[i]` on make, and how many pieces: the longest run of
        short pieces (one of them a letter's name or no dictionary word) next to each other
        whose joined form the knowledge base knows."""
        for size in range(min(SPOKEN_PIECES, len(found) - i), 1, -1):
            pieces = [fold(m.group(0)) for m in found[i : i + size]]
            if any(len(p) > SPOKEN_PIECE_MAX for p in pieces) or any(
                    text[a.end() : b.start()].strip() for a, b in itertools.pairwise(found[i : i + size])):
                continue
            if not any(p in LETTER_NAMES or not is_dictionary_word(p) for p in pieces):
                continue
            letters = [LETTER_NAMES.get(p, p) for p in pieces]
            joined = "".join(letters)
            found_stem = stem_of(joined)
            # (the stem reaches into the last piece: "гис пэ или" is no "гиспили" of stem "гисп")
            if found_stem in self.index.df and len(found_stem) > len(joined) - len(letters[-1]):
                return joined, size
        return "", 0

    def _mended_cached(self, match: re.Match[str]) -> str:
        word = match.group(0)
        mended = self._words_mended.get(word)
        if mended is None:
            mended = self._mended(word)
            if len(self._words_mended) >= FEATURE_MENDED_KEPT:
                self._words_mended.clear()
            self._words_mended[word] = mended
        return mended

    def _mended(self, word: str) -> str:
        token = fold(word)
        if token in COLLOQUIAL:
            return COLLOQUIAL[token]
        whole = CLIPPED_WORDS.get(lemma(token))
        if whole is not None:
            return whole
        form = self._feature_form(token)
        if form is not None:  # "пдпишите", "перевидите на спецалиста", "langauge"
            return form
        if len(token) < 6 or not _CYRILLIC_WORD.match(token) or is_dictionary_word(token) \
                or stem_of(token) in self.index.df:
            return word
        for wrong, right in (("ться", "тся"), ("тся", "ться")):
            if token.endswith(wrong) and is_dictionary_word(token[: -len(wrong)] + right):
                return token[: -len(wrong)] + right
        if len(token) >= 7:
            for part, adjective in CLIPPED_PARTS.items():  # longest parts first
                rest = token[len(part):]
                if token.startswith(part) and len(rest) >= 4 and is_dictionary_word(rest):
                    return f"{adjective} {rest}"
        near = _rf_process.extractOne(stem_of(token), _LEXICON_STEMS, scorer=OSA.distance, score_cutoff=1)
        # (a word no dictionary holds whose stem is a known word's: "ваканси", "экскурси" are those words)
        return near[2] if near is not None else word

    def _feature_form(self, token: str) -> str | None:
        """The form of a word the bot's functions are told by that `token` is a typo of, if
        `token` is no word itself (not in the dictionary or, for Latin ones, the knowledge base)."""
        if len(token) < FEATURE_TYPO_MIN or token in STOPWORDS:
            return None
        if _CYRILLIC_WORD.match(token):
            if is_dictionary_word(token):
                return None
        elif not token.isascii() or not token.isalpha() or stem_of(token) in self.index.df:
            return None
        known = self._feature_mended.get(token, self)
        if known is not self:
            return known  # type: ignore[return-value]
        if self._feature_forms is None:  # by first letter: people rarely mistype it
            forms: dict[str, list[str]] = {}
            for form in sorted({f for word in feature_words() for f in word_forms(word) if len(f) >= FEATURE_TYPO_MIN}):
                forms.setdefault(_FIRST_SOUND.get(form[0], form[0]), []).append(form)
            self._feature_forms = forms
        among = self._feature_forms.get(_FIRST_SOUND.get(token[0], token[0]), [])
        near = None if token in among else _rf_process.extractOne(
            token, among, scorer=OSA.distance, score_cutoff=1 if len(token) < FEATURE_TYPO_LONG or token.isascii() else 2)
        found = near[0] if near is not None else None
        if found is not None and token.isascii() and len(found) == len(token) and sorted(found) != sorted(token) \
                and len(token) < LATIN_SUBSTITUTION_MIN:
            # (no English dictionary tells a typo from a word: "charge" is no "change", "teach" no "reach";
            # a letter left out or two swapped are typos: "langauge", "unsubscibe")
            found = None
        if len(self._feature_mended) >= FEATURE_MENDED_KEPT:
            self._feature_mended.clear()
        self._feature_mended[token] = found
        return found

    async def search(self, text: str, *, locale: str = "ru", limit: int = 5) -> SearchResult:
        result = SearchResult(query=text)
        if _INJECTION.search(text):
            return result  # "ignore all previous instructions and ...": no entry, no function
        text = _LINK.sub(" ", text)
        serious = [m.end() for m in _SERIOUSLY.finditer(text)]
        if serious and len(text) - serious[-1] > SERIOUS_REST_MIN:
            text = text[serious[-1]:]  # "… 🍺 А если серьёзно, какой кластер делает пенообразователи"
        if not any(c.isalpha() for c in text) and sum(c.isdigit() for c in text) >= PHONE_DIGITS:
            return result  # "8 (3852) 22-33-44": a phone number pasted alone
        smalltalk = self.detect_smalltalk(text)
        if smalltalk is not None:
            result.intent = smalltalk
            return result
        text = self._mend(text)
        words = tokens(text)
        lemmas = [lemma(w) for w in words]
        lemset = set(lemmas) | set(words)
        idioms = {lemmas[i] for i in range(1, len(lemmas)) if words[i - 1] in OFF_TOPIC_IDIOMS.get(lemmas[i], ())}
        idioms |= {lemmas[i] for i in range(len(lemmas) - 1) if lemmas[i] in WORTH
                   and (words[i + 1] == "ли" or word_kind(words[i + 1]) == "verb")
                   and not lemset & HOW_MUCH}
        # "мы купили у соседнего участника стартовую партию": a purchase made is context, not shopping
        idioms |= {lm for lm in DEEDS if lm in lemset
                   and all(is_past_verb(w) for w, lw in zip(words, lemmas, strict=True) if lw == lm)}
        if lemset & REFUND:  # "сколько стоит — точнее, сколько можно вернуть", "how much of the cost is reimbursed"
            idioms |= lemset & (PRICE_AFTER_HOW_MUCH | COMMERCE)
        if idioms & WORTH:
            idioms |= {w for w in words if w in PRICE_AFTER_HOW_MUCH}
        asking = _asking_sentences(text)
        # the words of the sentences that ask (all of them when nothing tells them apart)
        asked_words = [w for sentence in asking for w in tokens(sentence)] if asking is not None else words
        # "займы на покупку оборудования", "компенсация покупки", "скидка на зарплатные налоги":
        # buying that a measure pays for, a discount on taxes — no shopping
        measure_at = [i for i, lm in enumerate(lemmas) if lm in _MEASURE_KIND_ANY]
        idioms |= {lemmas[i] for i in range(len(lemmas)) if lemmas[i] in COMMERCE
                   and any(0 < abs(i - j) <= MEASURE_WINDOW for j in measure_at)}
        if measure_at and lemset & EQUIPMENT:  # "кредит под 1% на станки, хотим купить токарные"
            idioms |= lemset & COMMERCE
        if asking is not None:
            # "Я закупщик сети магазинов. Что за аэрозольный кластер?": buying and selling told
            # around the question are the asker's business (not so "я самозанятый", "ипотека")
            idioms |= {lm for lm in lemmas if lm in COMMERCE} - {lemma(w) for w in asked_words}
            asked_lemmas = {lemma(w) for w in asked_words}
            if asked_lemmas & CLUSTER_WORDS and asked_lemmas & (MAKER_WORDS | CATALOGUE_ASKING):
                # "Мы закупаем РТИ для ремонта оборудования. Какие кластеры делают РТИ?": what the asker
                # does, told around a question over the catalogue
                idioms |= {lm for lm in lemmas if lm in OFF_TOPIC} - asked_lemmas
        # "мы сеть шиномонтажей, какие кластеры шины выпускают", "у нас шиномонтажная сеть": what the
        # asker does, told as who they are, around a question over the catalogue
        ours = {lemmas[j] for i, w in enumerate(words) if w in ("нас", "мы", "we")
                for j in range(i + 1, min(len(words), i + 1 + OURS_WINDOW))}
        if lemset & CLUSTER_WORDS and lemset & (MAKER_WORDS | CATALOGUE_ASKING):
            idioms |= ours & OFF_TOPIC
        # "частное лицо", "private person", "срок годности", "tax office": a pair of words that says the
        # point is something never held (English articles aside: "register a company")
        bare = [lm for lm in lemmas if lm not in _ARTICLES]
        personal = any((bare[i], bare[i + 1]) in UNHELD_PAIRS for i in range(len(bare) - 1)) or (
            bool(lemset & LOAN_WORDS) and any((bare[i], bare[i + 1]) in REGIONAL_FUND for i in range(len(bare) - 1)))
        # "какие мешки для мусора самые прочные": the best of a kind of goods (not "какой кластер самым
        # первым попал в реестр")
        personal = personal or (not lemset & CLUSTER_WORDS and any(
            lemmas[i] == "самый" and word_kind(words[i + 1]) == "adj" and lemmas[i + 1] not in ORDINAL_SUPERLATIVES
            for i in range(len(words) - 1)))
        # "какие зимние шины лучше взять": advice on what to buy
        personal = personal or any((lemmas[i], lemmas[i + 1]) in BUYING_ADVICE for i in range(len(lemmas) - 1))
        # "сколько шин в год выпускает", "сколько шин они делают в месяц": output volumes
        volumes = bool(lemset & HOW_MUCH) and bool(lemset & MAKING) and _per_period(words)
        # "сколько денег по ПП 41 получили «Нортек» и «Полиом»": what was paid to whom, never held
        volumes = volumes or (bool(set(words) & RECEIVED) and bool(lemset & (HOW_MUCH | AMOUNTS))
                              and bool(lemset & MONEY_WORDS)) or (
            # ("how much did the government pay out", "how much investment has the cluster attracted")
            "much" in words and bool(set(words) & {"did", "has", "have"}) and bool(lemset & _DID_PAY)) or (
            # ("объём инвестиций в Федеральный центр химии"): investments are never held
            bool(lemset & {"инвестиция", "investment", "investments"}) and bool(lemset & (HOW_MUCH | AMOUNTS)))
        # "когда основан «Омский каучук»", "when was Arnest founded": a company's history (a cluster's is held)
        volumes = volumes or (bool(lemset & {"основать", "founded", "основатель", "founder"}) and not lemset & CLUSTER_WORDS)
        # "гисп не грузит", "в ГИСП не могу прикрепить файл": another service's troubles
        elsewhere_trouble = bool(lemset & OTHER_SERVICES) and bool(lemset & TROUBLE) and not lemset & THIS_BOT
        # "пп 41 деньги когда придут", "скока ждать ответа от фрп": another body's payouts and answers
        volumes = volumes or elsewhere_trouble or (
            bool(lemset & {"когда", "when"}) and bool(lemset & MONEY_WORDS) and bool(lemset & ARRIVING)) or (
            bool(lemset & {"ждать", "wait"}) and bool(lemset & (OTHER_BODIES - {"фонд", "fund"})) and bool(lemset & HOW_MUCH))
        # "удалить аккаунт в телеграме", "переведи на английский описание продукции": not the bot's
        elsewhere = bool(lemset & OTHER_SERVICES) and bool(lemset & ACCOUNT_WORDS) and not lemset & THIS_BOT
        # (or a text quoted to translate: "translate into Chinese: «…»")
        translating = bool(lemset & TRANSLATING) and (bool(lemset & TEXTS) or (
            any(q in text for q in "«\"") and bool(lemset & TONGUES)))
        # "кластеры в Казахстане", "clusters in Europe", "EU grants": another country's
        # (where the question asks: "our company in Turkey makes valves" is who asks)
        abroad = _abroad(asked_words)
        # "субсидия по постановлению 1649": a resolution the knowledge base doesn't hold; "растворитель 646
        # чем отличается от 647": a grade or model it doesn't (not an amount: "300 миллионов")
        unheld_act = any(words[i + 1].isdigit() and words[i + 1] not in self.index.df and (
            lemmas[i] in ACTS or (len(words[i + 1]) >= 3 and not words[i + 1].startswith(("19", "20"))
                                  and word_kind(words[i]) == "noun" and lemmas[i] not in NUMBERED
                                  # (what follows is no counted thing: "порядка 300 миллионов", "штат 300 человек")
                                  and not (words[i + 2 : i + 3] and word_kind(words[i + 2]) == "noun")))
                         for i in range(len(words) - 1)) or any(
            # "по 44-ФЗ", "135-ФЗ о защите конкуренции": a law the knowledge base doesn't cite
            asked_words[i].isdigit() and asked_words[i + 1] in ("фз", "fz") and asked_words[i] not in self.index.df
            for i in range(len(asked_words) - 1)) or _other_register(words, lemmas)
        # "who is the current Minister of Industry", "кто сейчас губернатор": people it doesn't hold
        ruler = any(lm in ("кто", "who") and RULERS & set(lemmas[i + 1 : i + 5]) for i, lm in enumerate(lemmas)) or (
            bool(lemset & RULERS) and bool(lemset & {"name", "имя", "фамилия", "зовут"}))  # ("Irkutsk Oblast governor name")
        # "какой технопарк занял первое место в рейтинге": the rating's results, not held
        ranked = bool(lemset & {"рейтинг", "rating", "ranking"}) and bool(lemset & RANKS)
        # "сколько платят химикам-технологам", "скока платят аппаратчику": wages
        wages = "платят" in words and bool(lemset & HOW_MUCH)
        # "поговорить с директором Омского каучука": someone at a company, not the association's staff
        someone = any(lm in TALKING and POSITIONS & set(lemmas[i + 1 : i + 4]) for i, lm in enumerate(lemmas))
        # "кто сейчас генеральный директор «Омского каучука»" (the association's own head is held)
        someone = someone or (not lemset & {"акит", "akit", "ассоциация", "association", "технопарк"} and any(
            lm in ("кто", "who") and HEADS & set(lemmas[i + 1 : i + 7]) for i, lm in enumerate(lemmas)))
        # "когда будет следующая такая сессия", "как заключить специальный инвестиционный контракт": events to
        # come and a contract's procedure
        someone = someone or any(lm in ("следующий", "очередной", "ближайший", "next")
                                 and {"сессия", "session", "форум", "forum"} & set(lemmas[i + 1 : i + 3])
                                 for i, lm in enumerate(lemmas)) or any(
            w == "заключить" and {"спик", "специальный", "контракт"} & set(lemmas[i + 1 : i + 4]) for i, w in enumerate(words))
        # "будет ли АКИТ проводить конференцию в 2026 году", "when will the forum be held": events to come
        someone = someone or (bool(lemset & HOLDING) and bool(lemset & EVENTS) and bool(set(words) & FUTURE_ASKING))
        # "сколько сейчас времени в Иркутске": the time of day
        someone = someone or any(lm in HOW_MUCH and {"время", "сейчас"} <= set(lemmas[i + 1 : i + 3])
                                 for i, lm in enumerate(lemmas))
        # "сколько лет Лабудину", "имя отчество директора": a person's life
        # (a person the entries name but the dictionary doesn't know: "Лабудину сколько лет")
        someone = someone or ((bool(lemset & PERSONS_LIFE) or ("лет" in words and bool(lemset & HOW_MUCH)))
                              and (_names_someone(words) or self._names_known_person(words)))
        # "одобрили нас или нет", "когда нам выплатят субсидию": one's own case with a fund or a ministry
        someone = someone or (bool(lemset & DECIDED) and bool(set(words) & {"нас", "нам", "us", "our"}))
        # "почему ГИСП отклонил нашу заявку на субсидию": one's own case with another body (not the bot's)
        someone = someone or (bool(lemset & (REFUSED | DECIDED) or (lemset & STAGE_WORDS and lemset & FILED))
                              and bool(lemset & OTHER_BODIES)
                              and (bool(set(words) & {"нас", "нам", "наш", "наша", "наше", "наши", "нашу", "нашей", "нашего",
                                                      "us", "our"})
                                   # ("подали заявку через ГИСП, когда перечислят"): filed, so one's own
                                   or _filed(words, lemmas)))
        # "ассоциация производителей шин", "союз химиков": another association
        someone = someone or any(
            lemmas[i] in ASSOCIATIONS and is_genitive_noun(words[i + 1]) and lemmas[i + 1] not in OUR_ASSOCIATION
            for i in range(len(words) - 1))
        # figures the knowledge base doesn't keep: how rates changed over the years, who got how
        # much, how many applied, average review times, headcounts, an order's number and date
        unheld_figures = bool(lemset & CHANGING and lemset & {"год", "история", "последний", "years", "history"}) or (
            bool(lemset & HOW_MUCH) and (
                (_counted(words, lemmas, GOT) and (any(w.isdigit() and len(w) == 4 for w in words) or "каждый" in lemset))
                or (_counted(words, lemmas, APPLIED) and bool(lemset & {"заявка", "applications"}))
                or _counted(words, lemmas, STAFF_WORDS, 2))) or (
            bool(lemset & {"средний", "среднее"}) and bool(lemset & ({"срок"} | HOW_MUCH))) or (
            # "когда откроют федеральный центр химии", "когда его достроят": openings and building (not
            # of a selection: "когда откроют отбор" is told where it is announced)
            bool(lemset & {"когда", "when"}) and bool(lemset & OPENING) and not lemset & DATED_ROUNDS) or (
            # "за сколько дней рассматривают заявку", "how many weeks does the review take"
            bool(lemset & REVIEWING) and any(lm in HOW_MUCH and set(lemmas[i + 1 : i + 3]) & DURATIONS
                                             for i, lm in enumerate(lemmas))) or (
            # "кто получил субсидию по итогам отбора", "which companies have signed special investment
            # contracts": the recipients
            any(lm in ("кто", "who") and GOT & set(words[i + 1 : i + 3]) for i, lm in enumerate(lemmas))
            or any(lm in COMPANIES and (GOT | SIGNED) & set(words[i + 1 : i + 6]) for i, lm in enumerate(lemmas))
            or any(words[i] in ("реестр", "список", "перечень") and words[i + 1] in ("заключённых", "заключенных")
                   for i in range(len(words) - 1))) or (
            bool(lemset & {"приказ", "распоряжение"}) and bool(lemset & {"номер", "дата", "реквизиты"})) or (
            # "пришлите список всех 54 кластеров": a list of more clusters than the knowledge base describes
            bool(lemset & LIST_ASKING) and any(
                w.isdigit() and int(w) > len(self.kb.clusters) and CLUSTER_WORDS & set(lemmas[i + 1 : i + 3])
                for i, w in enumerate(words)))
        # "какой бюджет на субсидии заложен на 2026 год": dates and budgets of a year the entries don't tell
        # (not so "когда следующий отбор": the entries tell where its dates are announced)
        unheld_figures = unheld_figures or bool(lemset & DATED) and any(
            w.isdigit() and len(w) == 4 and w.startswith("20") and w not in self.index.df for w in words)
        # "как выйти из кластера", "how do we leave the cluster": leaving is nothing the entries tell
        leaving = any(lm in LEAVING and CLUSTER_WORDS & set(lemmas[i + 1 : i + 4]) for i, lm in enumerate(lemmas))
        off_topic = leaving or unheld_figures or personal or volumes or elsewhere or translating or abroad or unheld_act or ruler or ranked \
            or wages or someone or bool((lemset - idioms) & OFF_TOPIC) or (
            bool(lemset & HOW_MUCH) and bool((lemset - idioms) & PRICE_AFTER_HOW_MUCH)
        )
        wants_to_join = False
        # ("на основании 152-ФЗ прошу удалить мои персональные данные" is the bot's own privacy all the same)
        if off_topic and not (elsewhere or abroad or translating or lemset & (MAILBOX | OTHER_COMPANIES)
                              or (unheld_act and not set(words) & FIRST_PERSON)):
            # "я как физлицо не хочу, чтобы мои данные хранились", "я пенсионер, сообщения не нужны":
            # who asks is no subject of the bot's own data and mailings
            # (and what the asker does: "а у нас вообще шиномонтаж, мы не по адресу")
            own = detect_feature(lemmas + words, idioms | (lemset & WHO_ASKS) | (ours & OFF_TOPIC))
            if own in ("privacy", "unsubscribe"):
                result.feature = own
                return result
        if not off_topic and _fixes_sent_application(lemset):
            # "в отправленной заявке ошибся в ИНН, как исправить?": their applications (to add a
            # correction) and the staff, not how to join
            result.feature = "applications"
            return result
        if not off_topic:
            result.feature = detect_feature(lemmas + words, idioms)
            if result.feature in ("language", "subscribe", "unsubscribe", "privacy") \
                    and lemset & OTHER_SERVICES and not lemset & THIS_BOT or (
                    result.feature == "unsubscribe" and lemset & MAILBOX) or (
                    # ("подписаться на рассылку ФНС", "статус нашей заявки в ГИСП"): another body's
                    result.feature in ("subscribe", "unsubscribe", "applications")
                    and lemset & (OTHER_BODIES - {"фонд", "fund"}) and not lemset & THIS_BOT):
                # "как поменять язык в самом Телеграме", "отписаться от рассылки Госуслуг",
                # "отписаться от спама на корпоративную почту" (the bot sends no e-mail)
                result.feature, off_topic = None, True
            if result.feature in (None, "join") and _after_sent_application(words, lemmas) and not lemset & HOW_MUCH:
                result.feature = "applications"  # ("оставлял заявку через бота, можно глянуть, что с ней?")
            if result.feature == "join":  # decided after scoring: what is joined must be ours
                result.feature, wants_to_join = None, True
            if result.feature is None and lemset & {"новость", "news"} and (
                    lemset & NEWS_WHEN or "что нового" in " ".join(words)):
                off_topic = True  # "новости уфы сегодня", "что нового за эту неделю"
            if result.feature is not None:
                return result
        # what the entries are scored on: a definition's subject alone (the features, the
        # off-topic check and the listings read the whole question)
        scored_text = _definition_subject(text)
        pairs = [(tok, st) for tok, st in analyze_pairs(scored_text)
                 if tok not in FILLER and lemma(tok) not in FILLER]
        stems = list(dict.fromkeys(stem for _, stem in pairs))
        if not stems:
            return result
        # ("в статье читал": "статья" is no "стать участником"; "входит ли Марий Эл в кластер" asks
        # who is a member, not how to become one)
        result.intent = self.detect_intent(["#" if tok in IS_MEMBER else st if st != "стат" or lemma(tok) == "стать"
                                            else tok for tok, st in pairs if tok not in NOT_JOINING])
        if result.intent is None and _taken_in(words):
            result.intent = "join"  # "нас возьмут в кластер?", "можно ли взять в кластер новое предприятие"
        if result.intent == "join" and _asks_what_it_gives(words):
            result.intent = None  # "зачем вступать, что нам это даст?": what members get, not how to join
        token_of = {}
        for tok, st in pairs:
            token_of.setdefault(st, tok)
        # a correctly spelled word the knowledge base doesn't know is not a typo of another word
        spelled = {stem for token, stem in pairs if is_dictionary_word(token)}
        expansions = []
        for st in stems:
            exp = self.index.expand(st, allow_typos=st not in spelled)
            lemma_stem = stem_of(lemma(token_of[st]))
            if lemma_stem != st:  # the dictionary form finds what the form's stem missed
                known = {t for t, _ in exp.terms}
                exp.terms.extend(
                    (t, f * 0.95) for t, f in self.index.expand(lemma_stem, allow_typos=False).terms
                    if t not in known
                )
            expansions.append(exp)
        # words the knowledge base lacks, whose near-synonyms it may have (nouns, adjectives,
        # words not in the dictionary); they keep the weight of an unknown word
        unknown = [e for e in expansions if not e.known and word_kind(token_of[e.stem]) in ("noun", "adj", "unknown")
                   and lemma(token_of[e.stem]) not in _QUESTION_LEMMAS]  # ("география" is no "химия")
        via_neighbours = {e.stem for e in unknown}
        if unknown:
            near = await self._near([token_of[e.stem] for e in unknown] + [lemma(token_of[e.stem]) for e in unknown])
            for exp in unknown:
                token = token_of[exp.stem]
                for kb_word, similarity in near.get(token) or near.get(lemma(token)) or []:
                    term = stem_of(kb_word)
                    if term in self.index.df:
                        exp.terms.append((term, min(0.95, similarity * NEIGHBOUR_FACTOR)))
        generic = {stem for token, stem in pairs if (is_generic_word(token) and not is_content_word(token))
                   or lemma(token) in WEAK_ADJECTIVES}  # ("ещё принимают новых?": new ones, not "новые меры")
        unknown_objects = 0  # nouns and adjectives the knowledge base has never seen
        unknown_subjects = 0  # of them the nouns (an adjective qualifies a subject; a noun can be one)
        unknown_stems: set[str] = set()
        subject_unknown: set[str] = set()  # the unknown nouns of the sentences that ask
        weights = []
        for exp in expansions:
            token = token_of[exp.stem]
            kind = word_kind(token)
            if lemma(token) in OFF_TOPIC or token in OFF_TOPIC:
                weight = OFF_TOPIC_WEIGHT
            elif exp.known and exp.stem not in via_neighbours:
                weight = max(self.index.idf(t) for t, _ in exp.terms)
                if exp.stem in generic:
                    weight *= GENERIC_WORD_FACTOR
            else:
                weight = UNKNOWN_WEIGHTS.get(kind, UNKNOWN_WORD_WEIGHT)
                if not exp.known and (kind in ("noun", "adj") or (kind == "latin" and len(token) >= 3)):
                    unknown_objects += 1  # (an English word: no dictionary tells its part of speech)
                    unknown_stems.add(exp.stem)
                    if kind != "adj":
                        unknown_subjects += 1
                        subject_unknown.add(exp.stem)
            weights.append(weight)
        asked = _asked_stems(scored_text)
        if asked is not None:  # "Мы завод в Омске. Делаем шины. Какие меры поддержки есть?"
            # (joining told around "С чего начать?", "What are the steps?" is what is asked about)
            joining = result.intent == "join"
            weights = [w if e.stem in asked or (joining and e.stem.startswith(JOIN_STEMS)) else w * CONTEXT_FACTOR
                       for w, e in zip(weights, expansions, strict=True)]
            subject_unknown &= asked  # an unknown noun of the context points nowhere else
        # "IT-кластер", "автомобильный кластер", "кластер судостроителей": someone else's cluster
        unseen = {e.stem for e in expansions  # (a word found only through near-synonyms is unseen too)
                  if (e.stem in unknown_stems or e.stem in via_neighbours)
                  and word_kind(token_of[e.stem]) in ("noun", "adj")}
        found_places = places().find(text)
        place_words = {w for m in found_places for w in m.words}
        # "кластер Иннокам": a name no dictionary and nothing here knows, right after the cluster word
        capitalized = {fold(m.group(0)) for m in _WORD.finditer(text) if m.group(0)[0].isupper()}
        names = {e.stem for e in expansions if (not e.known or e.stem in via_neighbours)
                 # (a name, as written: not a typo "скольк"; or an abbreviation: "кластер пвх")
                 and (token_of[e.stem] in capitalized or (len(token_of[e.stem]) <= 4 and token_of[e.stem].isalpha()))
                 and word_kind(token_of[e.stem]) == "unknown" and e.stem not in place_words}
        foreign = _other_cluster(tokens(scored_text), unseen, names) or self._cluster_elsewhere(tokens(scored_text), several=any(
            lemma(w) in CLUSTER_WORDS and (is_plural(w) or w.endswith(_PLURAL_ENDINGS)) for w in tokens(result.query))) or any(
            stem_of(fold(m.group(1))) not in self.index.df for m in _LATIN_BEFORE_CLUSTER.finditer(text)) or any(
            stem_of(fold(m.group(1))) not in self.index.df for m in _LATIN_AFTER_CLUSTER.finditer(text)) or any(
            fold(m.group(1)) not in CLIPPED_PARTS and stem_of(fold(m.group(1))) not in self.index.df
            for m in _ABBREVIATION_BEFORE_CLUSTER.finditer(text)) or any(
            self._qualifies_english_cluster(fold(m.group(1) or ""), m.group(2))
            for m in _WORD_BEFORE_CLUSTER.finditer(text))
        # (what is joined is told in the same sentence: "… to join the cluster. How do I submit …?")
        # (and an abbreviation nothing here knows: "вступить в РСПП")
        abbreviations = {e.stem for e in expansions if not e.known and len(token_of[e.stem]) <= 5
                         and word_kind(token_of[e.stem]) == "unknown"}
        join_elsewhere = result.intent == "join" and (foreign or any(
            _joins_elsewhere([(tok, st) for tok, st in analyze_pairs(m.group(0)) if tok not in FILLER and lemma(tok) not in FILLER],
                             unknown_stems | abbreviations)
            for m in _SENTENCE.finditer(scored_text)))
        if join_elsewhere:
            # "вступить в профсоюз": what is joined is something the knowledge base doesn't hold
            weights = [w * 2 if not e.known else w for w, e in zip(weights, expansions, strict=True)]
        total = sum(weights)
        # the words that say what is asked about (not "which clusters make")
        subject_stems = {e.stem for e in expansions
                         if e.stem not in _CATALOGUE_STEMS and e.stem not in place_words
                         and e.stem not in _GENERIC_PRODUCT_STEMS and e.stem not in generic
                         and lemma(token_of[e.stem]) not in _QUESTION_LEMMAS
                         # (who the asker is, told around the question: "начальник отдела снабжения")
                         and (asked is None or e.stem in asked or (e.known and e.stem not in via_neighbours))}
        terms = [t for exp in expansions for t, _ in exp.terms]
        candidates = await self.index.candidates(terms) if terms else []
        scored: list[tuple[float, float, Candidate, float]] = []
        subject = sum(w for e, w in zip(expansions, weights, strict=True) if e.stem in subject_stems)
        beyond_places = [e.stem not in place_words and e.stem not in _CATALOGUE_STEMS and e.stem not in generic
                         for e in expansions]
        in_subject = [e.stem in subject_stems for e in expansions]
        # which expansions each term stands in (a candidate holds few of the terms: its own are scored)
        term_uses: dict[str, list[tuple[int, float]]] = {}
        for i, exp in enumerate(expansions):
            for term, factor in exp.terms:
                term_uses.setdefault(term, []).append((i, factor))
        # (a product found only through a near-synonym is no product made: "краски" ~ "плёнки")
        product_ok = [e.stem not in _CATALOGUE_STEMS and e.stem not in via_neighbours for e in expansions]
        specific = [e.stem not in _GENERIC_PRODUCT_STEMS for e in expansions]
        name_f, products_f, body_f = FIELD_FACTORS
        for cand in candidates:
            best: dict[int, float] = {}
            best_products: dict[int, float] = {}
            for term, where in cand.fields.items():
                if where & IN_NAME:
                    f = name_f
                elif where & IN_PRODUCTS:
                    f = products_f
                elif where:
                    f = body_f
                else:
                    continue
                for i, factor in term_uses.get(term, ()):
                    value = f * factor
                    if value > best.get(i, 0.0):
                        best[i] = value
                    if f > body_f and product_ok[i] and value > best_products.get(i, 0.0):
                        best_products[i] = value
            matched = 0.0
            in_products = 0.0
            matched_beyond = 0.0  # of the words that are not places, cluster words or generic
            in_specific = 0.0  # of the products found, the words that are not "материалы", "изделия"
            for i in sorted(best):  # (in the question's order: the same sums as word by word)
                weight = weights[i]
                matched += best[i] * weight
                products = best_products.get(i, 0.0)
                if in_subject[i]:  # (the share is of what is asked for: "производим" is no product)
                    in_products += products * weight
                if specific[i]:
                    in_specific += products * weight
                if beyond_places[i]:
                    matched_beyond += best[i] * weight
            score = matched / total if total else 0.0
            if unknown_subjects and not matched_beyond:
                # "кто губернатор Омской области": the place alone must not carry a question
                # whose subject the knowledge base doesn't hold
                score = min(score, CONFIDENT * 0.9)
            if result.intent == "join" and not join_elsewhere and cand.kind == "faq" and cand.slug == JOIN_SLUG:
                score = min(1.0, score * JOIN_BOOST + JOIN_LIFT)  # a signal, not an override
            # ("материалы" found among a cluster's products tells nothing: the words with it do)
            share = in_products / subject if subject and in_specific else 0.0
            scored.append((score, cand.bm25, cand, share))
        question_stems = {st for tok, st in pairs} | {stem_of(lemma(tok)) for tok, _ in pairs}
        if lemset & CLUSTER_WORDS:  # "химкластер" is a "кластер" to the aliases
            question_stems |= _CLUSTER_STEMS
        phrased = self._phrased(question_stems, place_words, [(c.kind, c.slug) for _, _, c, _ in scored])
        defining = self._defines(question_stems) if scored_text is not text else set()
        phrased |= defining  # "что такое X": the entry that defines X, whatever X is made of
        if phrased:
            scored = [(min(1.0, sc + PHRASE_LIFT) if (c.kind, c.slug) in phrased else sc, bm, c, p)
                      for sc, bm, c, p in scored]
        benefits = _asks_benefits(words, lemset) and not any(kind == "measure" for kind, _ in phrased)
        if benefits:
            # (not when a measure is named: "дадут ли субсидию на стартовые партии")
            # "что даст участие в кластере по деньгам и налогам", "какая помощь положена участникам
            # кластеров": the overview of what members get, whatever else the question tells
            top = max((sc for sc, _, _, _ in scored), default=0.0)
            scored = [(min(1.0, max(max(sc, top) + BENEFITS_LIFT, CONFIDENT)) if c.kind == "faq" and c.slug == OVERVIEW_SLUG
                       else sc,
                       bm, c, p) for sc, bm, c, p in scored]
        if _counts_clusters(words, lemmas) and not any(p for _, _, c, p in scored if c.kind == "cluster"):
            # "сколько всего промышленных кластеров", "how many clusters are there": the entries
            # that count them, unless the clusters asked about make something
            top = max((sc for sc, _, _, _ in scored), default=0.0)
            counting = self._counting()
            scored = [(min(1.0, max(sc, top) + COUNT_LIFT) if (c.kind, c.slug) in counting else sc, bm, c, p)
                      for sc, bm, c, p in scored]
        scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
        if len(scored) > 1 and round(scored[0][0], 4) == round(scored[1][0], 4):
            # a tie: the entry a name or alias of which the question covers best goes first
            # ("льготы кластерам": the alias "льготы" over "налоговые льготы")
            tied = [item for item in scored if round(item[0], 4) == round(scored[0][0], 4)]
            held = question_stems | set(terms)  # (with the words the question's words stand for)
            # (what members get, asked: its overview, however well the others are covered)
            tied.sort(key=lambda x: ((x[2].kind, x[2].slug) in defining, benefits and x[2].slug == OVERVIEW_SLUG,
                                     self._covered(x[2].kind, x[2].slug, held)), reverse=True)
            scored[: len(tied)] = tied
        named = self._named_cluster(expansions, place_words)
        if named is not None and scored and scored[0][2].slug != named:
            # "в межрегиональный кластер ещё принимают?": the cluster named is what is asked about,
            # unless another entry covers clearly more of the question
            for i, item in enumerate(scored):
                if item[2].kind == "cluster" and item[2].slug == named and item[0] >= scored[0][0] * NAMED_CLOSE:
                    scored.insert(0, (max(item[0], scored[0][0]), *item[1:]))
                    del scored[i + 1]
                    break
        if named is not None and scored and scored[0][2].slug == named and scored[0][0] < CONFIDENT \
                and _points_at_cluster(asked_words):
            # "пришло письмо от «Национального аэрозольного кластера». Что этот кластер производит?":
            # the cluster named before is the one asked about
            scored[0] = (CONFIDENT, *scored[0][1:])
        if result.intent == "join" and not join_elsewhere and scored and scored[0][2].kind == "cluster" and (
                asked is None or any(st.startswith(JOIN_STEMS) for st in asked) or _refers_back(asking or [])):
            # "хотим вступить в межрегиональный кластер. Что для этого нужно?": how to join is
            # asked, the cluster is where (its card is a tap away); not so "думаем войти в их
            # кластер. Кто там участники?"
            # (the asking sentence itself about applying, "How do I submit the application here?": closer still)
            close = JOIN_CLOSE if asked is not None and any(st.startswith(JOIN_STEMS) for st in asked) else NAMED_CLOSE
            for i, item in enumerate(scored):
                if item[2].kind == "faq" and item[2].slug == JOIN_SLUG and item[0] >= scored[0][0] * close:
                    scored.insert(0, (max(item[0], scored[0][0]), *item[1:]))
                    del scored[i + 1]
                    break
        off_topic = off_topic or foreign or (join_elsewhere and not lemset & CLUSTER_WORDS) \
            or self._asks_unheld(asking or [scored_text])
        # the contact details asked for (the word as typed too: "ИНН" reads as the name "Инна"; not "пишу
        # с телефона", but "участники с ИНН"; "электронная почта отдела закупок" is an e-mail)
        details = {form for i, w in enumerate(asked_words) for form in (w, lemma(w))
                   if not (i and asked_words[i - 1] in BY_MEANS and (asked_words[i - 1] == "по" or w not in CONTACT_DETAILS))}
        if any(lemma(a) == "электронный" and lemma(b) == "почта" for a, b in itertools.pairwise(words)):
            details.add("email")
        if not off_topic and scored and details & CONTACT_DETAILS and (
                scored[0][2].kind in ("cluster", "measure") or _names_someone(asked_words)
                # ("the phone number of the Omsk cluster's management office": a cluster's, not the association's)
                or (lemset & CLUSTER_WORDS and (named is not None or found_places)
                    and not lemset & {"акит", "akit", "ассоциация", "association"})
                # ("мантуров телефон есть?", "адрес полиома", "kravchenko phone number": someone's, a company's)
                or (scored[0][2].slug == CONTACTS_SLUG and not lemset & (THIS_BOT | ASSOCIATION_WORDS)
                    and self._names_another(asked_words))):
            off_topic = True  # "телефон директора Барнаульского кластера", "мобильный Евгения Кравченко"
        if not off_topic and scored and scored[0][2].kind == "cluster" and _asks_members_names(lemmas) \
                and not lemset & HOW_MUCH and not set(words) & {"могут", "может"} and not any(
                    lm in ("какой", "which") and CLUSTER_WORDS & set(lemmas[i + 1 : i + 3]) for i, lm in enumerate(lemmas)):
            # (not "какие предприятия могут участвовать", "к какому кластеру он относится и кто там участники")
            # "перечислите названия шести участников тверского кластера", "какие предприятия из Башкирии
            # состоят в межрегиональном кластере": names its card doesn't give (it names none)
            found = self.kb.by_slug("cluster", scored[0][2].slug)
            off_topic = found is not None and "«" not in found[1].participants.ru
        if off_topic:  # the point is something the knowledge base doesn't hold: never confident
            scored = [(min(sc, CONFIDENT * 0.9), bm, c, p) for sc, bm, c, p in scored]
        for score, _, cand, _ in scored[:limit]:
            id_slug = self.kb.by_slug(cand.kind, cand.slug)
            if id_slug is None:
                continue
            result.hits.append(
                Hit(cand.kind, id_slug[0], cand.slug, self._title(cand.kind, id_slug[0], locale),
                    round(min(score, 1.0), 4))
            )
        # the clusters the question is about: the one named, or those scoring close to the best
        slugs = [named] if named is not None else [
            c.slug for sc, _, c, _ in scored[:3] if c.kind == "cluster" and sc >= scored[0][0] * NAMED_CLOSE]
        about = [found[1] for slug in slugs if (found := self.kb.by_slug("cluster", slug)) is not None]
        if wants_to_join and not join_elsewhere and not (about and not any(c.accepts_applications for c in about)):
            # (not a cluster that takes no applications here: "Can I send an application to the Tver cluster here?")
            result.feature = "join"  # "хочу вступить", "давайте оформим заявку": the form itself
            return result
        if not off_topic and not subject_unknown and result.hits and result.hits[0].score < CONFIDENT:
            second = result.hits[1].score if len(result.hits) > 1 else 0.0
            result.clear_lead = result.hits[0].score >= LEAD_MIN and result.hits[0].score - second >= LEAD_MARGIN
        if not off_topic:
            result.listing = self._listing(text, words, lemmas, lemset, scored, expansions, weights, locale,
                                           subject_stems, token_of, found_places, place_words)
        return result

    # ---- catalogue questions ---------------------------------------------------------------
    def _hit(self, kind: str, id_: int, score: float, locale: str) -> Hit:
        entry = self.kb.get(kind, id_)
        slug = entry.slug if entry is not None else ""
        return Hit(kind, id_, slug, self._title(kind, id_, locale), round(min(score, 1.0), 4))

    def _listing(self, text: str, words: list[str], lemmas: list[str], lemset: set[str],
                 scored: list, expansions: list[Expansion], weights: list[float],
                 locale: str, subject: set[str], token_of: dict[str, str], found_places: list,
                 place_words: set[str]) -> Listing | None:
        product_share = {c.slug: p for _, _, c, p in scored if c.kind == "cluster"}
        clusters = self.kb.clusters
        # "всё ещё создаётся", "всё равно": still, anyway — not "all"
        idiomatic_all = {i for i in range(len(words) - 1) if words[i] in ("всё", "все") and words[i + 1] in STILL}
        if idiomatic_all and not any(lm in ("весь", "все") for i, lm in enumerate(lemmas) if i not in idiomatic_all):
            lemset = lemset - {"весь", "все", "всё"}

        asks_clusters = bool(lemset & CLUSTER_WORDS)
        asks_list = bool(lemset & LIST_WORDS)
        asks_makers = bool(lemset & MAKER_WORDS)
        if not (asks_list or asks_clusters or asks_makers or lemset & ACCEPT_WORDS or lemset & GEOGRAPHY_WORDS):
            return None  # neither a list asked for nor clusters, makers, applications or places

        def ordered(entries: list[tuple[int, Any]], kind: str = "cluster", every: bool = False) -> list[Hit]:
            """The best LISTING_KEEP of `entries`: the ones the question matched first (by
            score), then the catalogue's order (a big catalogue's entries aren't all made hits).
            `every`: the entries are all of the kind (the matched ones are looked up, not sought)."""
            scores = {c.slug: round(min(sc, 1.0), 4) for sc, _, c, _ in scored if c.kind == kind}
            if every:  # (in the catalogue's order, as the entries would give them)
                position = self._positions(kind, entries)
                found = sorted((f for slug in scores if (f := self.kb.by_slug(kind, slug)) is not None),
                               key=lambda e: position.get(e[1].slug, 0))
            else:
                found = [e for e in entries if e[1].slug in scores]
            matched = sorted(found, key=lambda e: -scores[e[1].slug])
            rest = itertools.islice((e for e in entries if e[1].slug not in scores),
                                    max(0, LISTING_KEEP - len(matched)))
            return [self._hit(kind, id_, scores.get(e.slug, 0.0), locale)
                    for id_, e in itertools.chain(matched[:LISTING_KEEP], rest)]

        def listed(criterion: str, value: str, entries: list[tuple[int, Any]], kind: str = "cluster",
                   every: bool = False) -> Listing:
            return Listing(kind, criterion, value, ordered(entries, kind, every), total=len(entries))

        best = scored[0] if scored else None
        top_kind = best[2].kind if best is not None and best[0] >= CONFIDENT else None
        top_cluster = max((sc for sc, _, c, _ in scored if c.kind == "cluster"), default=0.0)
        # a confident answer of another kind (a FAQ entry, a measure) is the answer, unless a
        # cluster comes close: "какие меры поддержки есть для участников кластеров"
        other_answer = (top_kind not in (None, "cluster") and top_cluster < best[0] * 0.9
                        and best[2].slug != CLUSTER_LIST_SLUG)
        # ("перечислите все кластеры химического комплекса": the clusters are asked for, whatever else matched)
        explicit_list = bool(lemset & {"перечислить", "список", "перечень", "list", "назвать"}) and any(
            is_plural(w) for w in words if lemma(w) in CLUSTER_WORDS)
        if explicit_list:
            other_answer = False
        asks_which = bool(lemset & WHICH_WORDS)
        # "какие кластеры", "список кластеров", "which of the clusters": clusters themselves are asked for
        # (within three words, articles aside: "which of the chemical clusters")
        # ("name every cluster you know": a list is asked)
        lemmas_asked = ["list" if lm == "name" and lemmas[i + 1 : i + 2] in (["every"], ["all"], ["each"], ["the"])
                        else lm for i, lm in enumerate(lemmas)]
        # (articles and the words of clusters in general aside: "list all the chemical industry clusters")
        meaningful = [lm for lm in lemmas_asked if lm not in _ARTICLES and lm not in _SECTOR_WORDS]
        # "кто из кластеров": which of them
        meaningful = ["какой" if lm == "кто" and meaningful[i + 1 : i + 2] == ["из"] else lm
                      for i, lm in enumerate(meaningful)]
        # ("действующие кластеры какие": the asking word after the clusters, at the end)
        asks_which_clusters = any(
            lm in CLUSTER_WORDS and meaningful[i + 1 : i + 2] and meaningful[i + 1] in WHICH_WORDS and i + 2 >= len(meaningful)
            for i, lm in enumerate(meaningful)) or any(
            meaningful[i] in WHICH_WORDS and any(lm in CLUSTER_WORDS for lm in meaningful[i + 1 : i + 4])
            and meaningful[i + 1 : i + 2] != ["is"]  # ("what is an industrial cluster": a definition)
            and meaningful[i + 1 : i + 2] not in (["нибудь"], ["либо"], ["то"])  # ("в какой-нибудь кластер": any)
            # ("какие требования к кластеру": the noun after "какой" is what is asked for)
            and not (meaningful[i + 1 : i + 2] and meaningful[i + 1] not in CLUSTER_WORDS
                     and _CYRILLIC_WORD.match(meaningful[i + 1]) and word_kind(meaningful[i + 1]) == "noun")
            for i in range(len(meaningful))
        )
        # which measures give money / loans / tax relief ("кроме субсидий": not what is asked)
        excluded = {lemmas[j] for i, lm in enumerate(lemmas) if lm in EXCEPT_WORDS
                    for j in range(i + 1, min(len(lemmas), i + 1 + EXCEPT_WINDOW))}
        # ("субсидии, а не займы", "не хотим брать кредиты": not what is asked)
        said = {lm for i, lm in enumerate(lemmas) if not NEGATIONS & set(words[max(0, i - EXCEPT_WINDOW) : i])}
        kinds = [kind for kind, vocabulary in MEASURE_KIND_WORDS.items() if (said - excluded) & vocabulary]
        # ("деньги безвозвратно, а не в долг": the kind set aside is no answer, however well it scores)
        set_aside = {kind for kind, vocabulary in MEASURE_KIND_WORDS.items()
                     if (lemset - said) & vocabulary and kind not in kinds}
        several_kinds = len(kinds) > 1 and best is not None and best[2].slug == OVERVIEW_SLUG
        # ("why should our company join a cluster at all? What are the real benefits — money, taxes?": the overview)
        why_join = best is not None and best[2].slug == OVERVIEW_SLUG and bool(set(words) & WHY_JOIN) and not (
            lemset & ALL_LISTED and not any(a == "at" and b == "all" for a, b in itertools.pairwise(words)))  # ("at all")
        if kinds and asks_list and not several_kinds and not why_join:  # (subsidies, loans and tax breaks: the overview)

            def of_kind(slug: str) -> bool:
                found = self.kb.by_slug("measure", slug)
                return found is not None and found[1].kind in kinds

            # ("what loans can an industrial company get? list them": not the list of clusters;
            # "what tax relief … all of it": a measure of the kind as good as the best)
            if any(self.kb.measures_of_kind(kind) for kind in kinds) and (
                    top_kind is None or best[2].slug == OVERVIEW_SLUG
                    or (best[2].kind == "measure" and (of_kind(best[2].slug) or self._kind_of(best[2].slug) in set_aside))
                    or (best[2].slug == CLUSTER_LIST_SLUG and not asks_clusters)
                    or any(c.kind == "measure" and sc >= best[0] * 0.9 and of_kind(c.slug) for sc, _, c, _ in scored)):
                measures = [m for kind in kinds for m in self.kb.measures_of_kind(kind)]
                return listed("measure-kind", "+".join(kinds), measures, "measure")
        if not kinds and lemset & ALL_LISTED and lemset & MEASURE_WORDS and best is not None and (
                best[2].slug == OVERVIEW_SLUG or top_kind == "measure") and not set_aside:
            # "перечислите все основные меры господдержки": every measure, by kind
            return listed("measure-kind", "", list(self.kb.measures), "measure")
        if not (asks_clusters or asks_makers or lemset & ACCEPT_WORDS or lemset & GEOGRAPHY_WORDS):
            return None
        # ("мы из Дзержинска. Какие кластеры есть в нашем регионе?": the place told is the one asked about)
        refers_back = bool(lemset & NEARBY) or any(words[i] in _CONTEXT_NEAR and (words[i + 1] in _OWN_PLACE or (
            words[i + 1] == "в" and words[i + 2 : i + 3] and words[i + 2] in _OWN_PLACE)) for i in range(len(words) - 1))
        mentions = [m for m in found_places if refers_back or not _context_place(words, m)]
        named = self._named_cluster(expansions, place_words)
        if named is not None and not lemset & {"все", "весь", "all", "every", "другой", "кроме"}:
            return None  # a question about one cluster
        # "какие кластеры создаются" asks for clusters; "химкластер … он ещё создаётся?" and
        # "какой кластер первым попал в реестр" ask about one
        # ("кто ведёт реестр промышленных кластеров и какой кластер внесли первым": the clusters of
        # "реестр кластеров" are the register's, the one asked for is singular)
        several = any(is_plural(w) and not {lemma(x) for x in words[max(0, i - 3) : i]} & REGISTER_WORDS
                      for i, w in enumerate(words) if lemma(w) in CLUSTER_WORDS) or bool(
            lemset & {"список", "перечень", "перечислить", "все", "весь", "list", "all"})
        # the statuses asked for ("какие уже действуют, а не только планируются": not the ones planned)
        status_asked = {status: any(lm in vocabulary and not NEGATIONS & set(words[max(0, i - 2) : i])
                                    for i, lm in enumerate(lemmas))
                        for status, vocabulary in STATUS_WORDS.items()}
        joined = f" {' '.join(words)} "
        status_asked["creating"] = status_asked["creating"] or any(f" {p} " in joined for p in BEING_CREATED)
        if asks_clusters and _several_regions(lemmas):
            # "какие кластеры охватывают сразу несколько регионов": the ones whose regions are several
            return listed("regions", "several", [(i, c) for i, c in clusters if len(c.regions.ru) > 1])
        if asks_clusters and several and all(status_asked.values()) and asks_which_clusters:
            return listed("all", "", clusters, every=True)  # "which are being set up and which operate already"
        # ("какой кластер ещё только создаётся?": which of them, in the singular)
        which_one = any(lemmas[i] in ("какой", "which") and lemmas[i + 1] in CLUSTER_WORDS for i in range(len(lemmas) - 1))
        if asks_clusters and (several or which_one) and status_asked["creating"] and (
                asks_which_clusters or not other_answer):
            return listed("status", "creating", self.kb.filter_clusters(status="creating"))
        # ("какой кластер ещё не в реестре": the ones that aren't, however many; not "…, иначе не будет
        # субсидий. Перечислите кластеры, которые уже в реестре")
        unregistered = any(lm in REGISTER_WORDS and set(words[max(0, i - 3) : i]) & {"не", "not", "yet", "пока"}
                           for i, lm in enumerate(lemmas))
        if asks_clusters and (several or unregistered) and lemset & REGISTER_WORDS and asks_which_clusters:
            status = "creating" if unregistered else "active"
            return listed("status", status, self.kb.filter_clusters(status=status))
        if asks_clusters and several and status_asked["active"] and asks_which_clusters:
            return listed("status", "active", self.kb.filter_clusters(status="active"))
        best_product = max(product_share.values(), default=0.0)
        makers = []  # only the candidates can make it: no walk over the whole catalogue
        for slug, share in product_share.items():
            found = self.kb.by_slug("cluster", slug) if share >= max(PRODUCT_SHARE, best_product * PRODUCT_CLOSE) else None
            if found is not None:
                makers.append(found)
        # ("в какие кластеры можно подать заявку": an application names the clusters that take one)
        # (joining told around a question about makers is who asks: "думаем о вступлении в кластер. Какие
        # кластеры выпускают РТИ?"; not so "Хотим вступить в кластер. С чего начать?")
        asked_here = _asked_stems(text)
        accepting_asked = {w for w in lemset & ACCEPT_WORDS
                           if asked_here is None or not makers or stem_of(w) in asked_here}
        if (accepting_asked or (asks_which_clusters and lemset & APPLYING_WORDS)) and not (
                mentions and not makers and asks_clusters) and (
            # ("каким требованиям должен соответствовать участник кластера": the requirements, answered)
            asks_which_clusters or (asks_which and not other_answer) or lemset & {"куда", "open", "accepting"}) \
                and (asks_clusters or "куда" in lemset) \
                and not _asks_what_it_gives(words) and not _asks_benefits(words, lemset):
            # ("что даст вступление, какие плюшки", "какую господдержку дают участникам": no catalogue)
            accepting = self.kb.accepting_clusters()
            asked = asked_here  # (what the asker makes, told around the question, is no filter)
            making = {c.slug for _, c in makers}
            fields = [c.fields for _, _, c, _ in scored if c.kind == "cluster" and c.slug in making]
            if not makers or (asked is not None and not any(
                    f.get(term, 0) & (IN_NAME | IN_PRODUCTS) for e in expansions if e.stem in asked and e.stem in subject
                    for term, _ in e.terms for f in fields)):
                return listed("accepting", "", accepting)
            # "which tyre-making clusters accept applications": the makers among them
            both = [(id_, c) for id_, c in accepting if c.slug in making]
            # headed by what the makers make of what was asked ("шины"), not the words as typed ("шинных")
            value = ", ".join(self._made_of(makers, [e for e in expansions if e.stem in subject
                                                     and (asked is None or e.stem in asked)], locale)[:2]) \
                or self._product_words(expansions, subject, token_of)
            listing = listed("accepting", value, both)
            if not both:
                listing.closest = ordered(accepting)
            return listing
        if makers and mentions and not any(_near_cluster_word(lemmas, words, m) for m in mentions):
            mentions = []  # "мы завод в Самаре, какой кластер делает растворители": the product is asked
        if mentions and (asks_clusters or "есть" in lemset) and (
            not other_answer or asks_which_clusters or (lemset & {"есть", "any", "there"} and best[0] < SURE)
        ):  # ("are there regional laws on clusters, for example in Yamal": the laws are asked about)
            wanted = {r for m in mentions for r in m.regions}
            found = self.kb.clusters_in(wanted)
            first = mentions[0]
            if len(first.regions) == 1:
                label = first.regions[0]
            else:  # "Сибирь", "Центральный федеральный округ" (not "цфо", "сибирского" as typed)
                label = first.names[locale == "en"] if first.names else first.label
            listing = listed("region", label, found)
            if not found:
                listing.closest = ordered(self.kb.accepting_clusters())
            return listing
        if other_answer:
            return None
        if makers and (asks_makers or asks_clusters):
            # ("растворителей производители в кластерах": the clusters, however few make it)
            if len(makers) > 1 or asks_list or any(is_plural(w) for w in words if lemma(w) in CLUSTER_WORDS):
                return listed("product", self._product_words(expansions, subject, token_of), makers)
            return None  # one cluster makes it: its answer
        asked_about = [e for e in expansions if e.stem in subject]  # (not who asks, told around it)
        # ("кластеры по удобрениям": by what they make; not "по всей стране", "по кластеру", "по сроку")
        by_what = lemset & {"профиль", "профильный"} or any(
            lemmas[i] in CLUSTER_WORDS and words[i + 1] == "по" for i in range(len(words) - 1))
        if asks_clusters and (asks_makers or by_what) and asks_list \
                and self._has_unknown_object(asked_about, token_of):
            # "какие кластеры делают удобрения": a product none of them makes
            listing = Listing("cluster", "product", self._unknown_words(asked_about, token_of), [])
            listing.closest = ordered(self.kb.accepting_clusters())
            return listing
        if explicit_list or ((asks_which_clusters or (asks_clusters and lemset & GEOGRAPHY_WORDS))
                             and not self._other_subject(expansions, weights, subject)
                             and not self._names_unknown(expansions, token_of, words)):
            return listed("all", "", clusters, every=True)
        return None

    def _positions(self, kind: str, entries: list[tuple[int, Any]]) -> dict[str, int]:
        """Each entry's place in the catalogue, once per content version."""
        key = (kind, self.index.version)
        if self._catalogue_positions[0] != key:
            self._catalogue_positions = (key, {e.slug: i for i, (_, e) in enumerate(entries)})
        return self._catalogue_positions[1]

    def _kind_of(self, slug: str) -> str | None:
        found = self.kb.by_slug("measure", slug)
        return found[1].kind if found is not None else None

    @staticmethod
    def _made_of(makers: list[tuple[int, Any]], asked: list[Expansion], locale: str) -> list[str]:
        """The products of `makers` that the asked words name, in the user's language ("шинных",
        "tyre-making" → "шины"); a product matches in either language, it is shown in `locale`'s."""
        terms = {term for e in asked for term, _ in e.terms} | {e.stem for e in asked}
        made: list[str] = []
        for _, cluster in makers:
            shown = cluster.products.get(locale)[0]
            for texts in (cluster.products.ru, cluster.products.en or []):
                for i, product in enumerate(texts):
                    if i < len(shown) and shown[i] not in made and any(
                            stem_of(fold(w)) in terms for w in tokens(product)):
                        made.append(shown[i])
        return made

    def _phrased(self, stems: set[str], places: set[str],
                 among: Iterable[tuple[str, str]] | None = None) -> set[tuple[str, str]]:
        """The entries (of `among`, the candidates; all when None) one of whose names or aliases
        the question holds whole (every word of it, in any form and order), with a word among
        them that is neither a cluster word, a place, a joining word nor a word that asks
        ("Омская область", "химический кластер", "подать заявку", "список кластеров" lift
        nothing)."""
        self._build_phrases()
        telling = {st for st in stems - _CATALOGUE_STEMS - _ASKING_STEMS - places
                   if not st.startswith(_APPLYING)}  # ("подать заявку" is no subject: "… заявку на субсидию")
        if not telling:
            return set()
        found = set()
        phrases = self._long_phrases
        for key in phrases if among is None else among:
            for phrase in phrases.get(key, ()):
                if phrase <= stems and not phrase.isdisjoint(telling):
                    found.add(key)
                    break
        return found

    def _build_phrases(self) -> None:
        """The entries' names and aliases as sets of stems, and the terms the entries define
        ("Что такое X?"), once per content version."""
        if self._phrases_version == self.index.version:
            return
        phrases: dict[tuple[str, str], list[frozenset[str]]] = {}
        definitions: dict[tuple[str, str], set[frozenset[str]]] = {}
        for kind, entries in (("cluster", self.kb.clusters), ("measure", self.kb.measures), ("faq", self.kb.faq)):
            for _, entry in entries:
                names = entry.name if kind == "cluster" else entry.title if kind == "measure" else entry.question
                for text in (*names.all_texts(), *entry.aliases):
                    phrase = frozenset(analyze(text))
                    if phrase:
                        phrases.setdefault((kind, entry.slug), []).append(phrase)
                    found = _DEFINITION.search(text) if kind != "cluster" else None
                    if found is not None and found.group(2):
                        definitions.setdefault((kind, entry.slug), set()).add(frozenset(analyze(found.group(2))))
        self._entry_phrases, self._definitions = phrases, definitions
        self._long_phrases = {key: [p for p in found if len(p) >= PHRASE_MIN] for key, found in phrases.items()}
        self._count_entries = {("faq", f.slug) for _, f in self.kb.faq if f.intent == "count"}
        self._phrases_version = self.index.version

    def _qualifies_english_cluster(self, before: str, word: str) -> bool:
        """Whether `word`, right before "cluster", names a kind of cluster the knowledge base
        doesn't hold ("Kafka cluster", "tourism cluster"): not an article, a pronoun, a common
        qualifier ("new", "local"), a verb after a pronoun ("we joined", "I heard"), a misspelled
        function word ("wich") or a word the knowledge base has (also misspelled)."""
        if word.isupper():  # an acronym: "IT cluster"
            return not self.index.expand(stem_of(fold(word))).known
        word = fold(word)
        if word in STOPWORDS or word in _ENGLISH_QUALIFIERS or before in _PRONOUNS \
                or word.endswith(("ed", "ing", "ly")):
            return False
        if _rf_process.extractOne(word, _LONG_STOPWORDS, scorer=OSA.distance, score_cutoff=1) is not None:
            return False
        return not self.index.expand(stem_of(word)).known

    def _covered(self, kind: str, slug: str, stems: set[str]) -> float:
        """The largest share of one of the entry's names or aliases that the question holds."""
        return max((len(phrase & stems) / len(phrase) for phrase in self._entry_phrases.get((kind, slug), ())),
                   default=0.0)

    def _counting(self) -> set[tuple[str, str]]:
        """The entries that answer how many clusters there are (`intent: count`)."""
        self._build_phrases()
        return self._count_entries

    def _defines(self, stems: set[str]) -> set[tuple[str, str]]:
        """The entries that define ("Что такое X?") the most words of a definition question."""
        self._build_phrases()
        fits = [(len(subject), key) for key, subjects in self._definitions.items()
                for subject in subjects if subject and subject <= stems]
        most = max((n for n, _ in fits), default=0)
        return {key for n, key in fits if n == most}

    def _names_known_person(self, words: list[str]) -> bool:
        """Whether the words name a person an entry's name or aliases hold whom the dictionary
        doesn't know ("Лабудин")."""
        return any(word_kind(w) == "unknown" and guessed_name(w) and self.index.named_by(stem_of(w)) for w in words)

    def _names_another(self, words: list[str]) -> bool:
        """Whether the words name someone or something other than the association: a name or
        alias of an entry other than its contacts (a person, a company, a cluster: "Кравченко",
        "Полиом"), or a name nothing here knows ("Мантуров")."""
        for w in words:
            if w in CONTACT_DETAILS or w in FILLER or w in STOPWORDS or lemma(w) in CONTACT_DETAILS | FILLER:
                continue
            st = stem_of(w)
            if st in self.index.df:
                if any(owner != ("faq", CONTACTS_SLUG) for owner in self.index.named_by(st)) and word_kind(w) in (
                        "name", "unknown", "latin"):
                    return True
            elif _CYRILLIC_WORD.match(w) and word_kind(w) in ("name", "unknown") and not self.index.expand(st).known:
                return True
        return False

    def _cluster_elsewhere(self, words: list[str], *, several: bool = False) -> bool:
        """Whether a cluster word follows a place adjective of a place no cluster here is in, or
        comes before that place's name ("нижнекамский нефтехимический кластер", "воронежского
        кластера", "кластер Татарстана"): someone else's. `several`: the question names clusters in
        the plural (as written, before "химкластеры" was spelled out)."""
        for i, token in enumerate(words):
            if lemma(token) not in CLUSTER_WORDS:
                continue
            for j in (i - 1, i - 2):
                if j < 0 or word_kind(words[j]) != "adj":
                    break
                regions = place_of_adjective(words[j])
                if regions:
                    if not self.kb.clusters_in(set(regions)):
                        return True
                    break
            # "фармацевтический кластер Санкт-Петербурга", "кластер Татарстана": one of a place's, named
            # after it (not "химкластеры Подмосковья": the place's clusters asked about)
            after = words[i + 1 : i + 3]
            found = places().find(" ".join(after)) if after and not several else []
            if found and found[0].label.split()[0] == after[0] and is_genitive_noun(found[0].label.split()[-1]) \
                    and not self.kb.clusters_in(set(found[0].regions)):
                return True
        return False

    def _named_cluster(self, expansions: list[Expansion], place_stems: set[str]) -> str | None:
        """The cluster whose own name the question uses ("аэрозольный", "межрегиональный"),
        if any; a place in a name ("Омский") names the place, not the cluster."""
        if self._names_version != self.index.version:  # once per content version
            self._cluster_names = {c.slug: set(analyze(" ".join(c.name.all_texts()))) - _CATALOGUE_STEMS
                                   for _, c in self.kb.clusters}
            owners: dict[str, list[str]] = {}
            for slug, stems in self._cluster_names.items():
                for st in stems:
                    owners.setdefault(st, []).append(slug)
            self._name_owner = {st: slugs[0] for st, slugs in owners.items() if len(slugs) == 1}
            self._names_version = self.index.version
        for exp in expansions:
            if exp.stem in place_stems:
                continue
            for term, _ in exp.terms:
                slug = self._name_owner.get(term)
                if slug is not None:
                    return slug
        return None

    def _asks_unheld(self, asking: list[str]) -> bool:
        """Whether a sentence asks for something no entry holds: the noun right after "какой",
        "сколько", "how many" is a word the knowledge base has never seen ("какие долги у …",
        "какая выручка у …", "how many employees does …") — the names around it are only
        whose."""
        for sentence in asking:
            words = tokens(sentence)
            for i, word in enumerate(words):
                lm = lemma(word)
                if lm in HEAD_ASKERS:
                    following = words[i + 1 : i + 1 + HEAD_WINDOW]
                elif word == "many" and i > 0 and words[i - 1] == "how":
                    following = words[i + 1 : i + 2]
                else:
                    continue
                for token in following:
                    kind = word_kind(token)
                    if kind in ("adj", "other") or is_function_word(token):
                        continue
                    if kind in ("noun", "latin") and token not in STOPWORDS and lemma(token) not in FILLER \
                            and lemma(token) not in HELD_ATTRIBUTES \
                            and lemma(token) not in _QUESTION_LEMMAS and not self.index.expand(
                                stem_of(token), allow_typos=False).known \
                            and not self.index.expand(stem_of(lemma(token)), allow_typos=False).known:
                        return True
                    break
        return False

    def _other_subject(self, expansions: list[Expansion], weights: list[float], subject: set[str]) -> bool:
        """Whether the question names something besides clusters in general (a measure, a
        document, a term of the knowledge base)."""
        return any(e.known and e.stem in subject and w > 1.0
                   for e, w in zip(expansions, weights, strict=True))

    @staticmethod
    def _names_unknown(expansions: list[Expansion], token_of: dict[str, str], words: list[str]) -> bool:
        """A name no dictionary and nothing here knows is what the question asks the cluster of
        ("казаньоргсинтез в каком кластере состоит"): not every cluster."""
        names = {token_of[e.stem] for e in expansions if not e.known and word_kind(token_of[e.stem]) == "unknown"}
        return any(w in names and words[i + 1 : i + 2] in (["в"], ["во"], ["in"]) and lemma(words[i + 2]) in WHICH_WORDS
                   for i, w in enumerate(words[:-2]))

    @staticmethod
    def _has_unknown_object(expansions: list[Expansion], token_of: dict[str, str]) -> bool:
        """A noun or adjective the knowledge base lacks ("удобрения", "лакокрасочные")."""
        return any(not e.known and word_kind(token_of[e.stem]) in ("noun", "adj", "unknown", "latin")
                   for e in expansions)

    @staticmethod
    def _unknown_words(expansions: list[Expansion], token_of: dict[str, str]) -> str:
        return " ".join(token_of[e.stem] for e in expansions if not e.known
                        and word_kind(token_of[e.stem]) in ("noun", "adj", "unknown", "latin"))

    @staticmethod
    def _product_words(expansions: list[Expansion], subject: set[str], token_of: dict[str, str]) -> str:
        """What was asked for, in the user's words, as the answer's heading says it ("Кластеры,
        выпускающие шины / монтажную пену / резинотехнику")."""
        return accusative(" ".join(token_of[e.stem] for e in expansions if e.known and e.stem in subject))
