"""Text analysis shared by the search index and queries: case folding, ё→е, stemming."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

_TOKEN = re.compile(r"[0-9a-zа-я]+")
_CYRILLIC = re.compile(r"[а-я]")

_ru = Stemmer.Stemmer("russian")
_en = Stemmer.Stemmer("english")

# Function words and question words that never identify an entry.
STOPWORDS = frozenset(
    """
    а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да даже для до
    его ее ей ему если есть еще же за здесь и из или им их к как какая какие каким какое какой какую
    ли либо мне много может можно мой мы на над надо наш не него нее нет ни них но ну о об однако он
    она они оно от очень по под при про с со так также такой там те тем то того тоже той только том
    ты у уже хочу хотим хотел хотела чем что чтобы чья чьи эта эти это этот я кто куда откуда зачем
    почему сколько когда ли подскажите скажите пожалуйста расскажите подробнее подробно ваш вашего
    мой моя моё мое нам нас свой своя свои
    a an and are as at be by can do does for from has have how i in is it its me my of on or our
    please tell the their there these this to us was we what when where which who whom why will with
    you your about any they them theirs own one ones other others also than then such into over
    under more most some each only same so not no yes been being had would should could may might
    must shall per via top main much many get got give given make made take taken just still
    very well here there those if but because while after before again further once both few
    own off out up down am were does did doing having he she him her his hers yourself
    """.split()
)


def fold(text: str) -> str:
    return text.casefold().replace("ё", "е")


def tokens(text: str) -> list[str]:
    return list(_tokens(text))  # (a new list: the caller may change it)


@lru_cache(maxsize=256)
def _tokens(text: str) -> tuple[str, ...]:
    """A question is read several times (small talk, features, scoring, places): its words
    are found once."""
    return tuple(_TOKEN.findall(fold(text)))


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    if _CYRILLIC.search(token):
        return _ru.stemWord(token)
    if token.isdigit():
        return token
    return _en.stemWord(token)


_morph = None


@lru_cache(maxsize=65536)
def is_dictionary_word(token: str) -> bool:
    """True for a correctly spelled Russian word (pymorphy3's dictionary); False otherwise.

    Only words that are *not* in the dictionary are treated as possible typos: "контакты" is a
    real word and must not be "corrected" into "контракт".
    """
    global _morph
    if not _CYRILLIC.search(token):
        return False
    if _morph is None:
        import pymorphy3

        _morph = pymorphy3.MorphAnalyzer()
    return bool(_morph.word_is_known(token))


@lru_cache(maxsize=65536)
def _first_parse(token: str):  # noqa: ANN202
    """pymorphy3's most likely reading of a word (parsed once: every question word asks
    for its lemma, part of speech and dictionary status)."""
    return _analyzer().parse(token)[0]


def _known_tag(token: str, pos: str, *grammemes: str) -> bool:
    """Whether a dictionary word's most likely reading is `pos` with all of `grammemes`."""
    if not is_dictionary_word(token):
        return False
    tag = _first_parse(token).tag
    return tag.POS == pos and all(g in tag for g in grammemes)


@lru_cache(maxsize=65536)
def is_content_word(token: str) -> bool:
    """A Russian noun or full adjective: the words that say what a question is about."""
    return _known_tag(token, "NOUN") or _known_tag(token, "ADJF")


@lru_cache(maxsize=65536)
def is_genitive_noun(token: str) -> bool:
    """A Russian noun in the genitive ("кластер судостроителей")."""
    return _known_tag(token, "NOUN", "gent")


@lru_cache(maxsize=65536)
def is_past_verb(token: str) -> bool:
    """A Russian verb in the past tense ("купили"): what was done, not what is sought."""
    return _known_tag(token, "VERB", "past")


@lru_cache(maxsize=65536)
def is_plural(token: str) -> bool:
    """A word in the plural ("кластеры", "кластерах"; English: ending in -s)."""
    if not _CYRILLIC.search(token):
        return token.endswith("s")
    return is_dictionary_word(token) and "plur" in _first_parse(token).tag


def word_forms(word: str) -> set[str]:
    """Every form of a Russian dictionary word ("подписаться" → "подпишитесь", "подписался"…;
    every reading's forms); other words as they are."""
    if not _CYRILLIC.search(word):
        return {word}
    return {form.word.replace("ё", "е") for parse in _analyzer().parse(word) for form in parse.lexeme} | {word}


def accusative(phrase: str) -> str:
    """A Russian phrase's nouns and adjectives in the accusative, as after "выпускающие"
    ("резинотехника" → "резинотехнику", "растворителей" → "растворители"); other words as
    they are."""
    return " ".join(_accusative_word(token) for token in phrase.split())


@lru_cache(maxsize=65536)
def _accusative_word(token: str) -> str:
    if _CYRILLIC.search(token) and is_dictionary_word(token):
        parse = _first_parse(token)
        if parse.tag.POS in {"NOUN", "ADJF"}:
            inflected = parse.inflect({"accs"})
            if inflected is not None:
                return inflected.word
    return token


@lru_cache(maxsize=65536)
def is_generic_word(token: str) -> bool:
    """A Russian dictionary word that is not a noun or adjective (verbs, adverbs, …)."""
    return is_dictionary_word(token) and not is_content_word(token)


_FUNCTION_POS = frozenset({"NPRO", "PREP", "CONJ", "PRCL", "INTJ"})


@lru_cache(maxsize=65536)
def is_function_word(token: str) -> bool:
    """Pronouns (any form: "нашему", "такие"), prepositions, conjunctions, particles."""
    if not is_dictionary_word(token):
        return False
    tag = _first_parse(token).tag
    return tag.POS in _FUNCTION_POS or "Apro" in tag


def analyze_pairs(text: str) -> list[tuple[str, str]]:
    """(token, stem) for the meaningful words of a question (function words dropped)."""
    return [pair for pair in map(_meaningful, tokens(text)) if pair is not None]


@lru_cache(maxsize=65536)
def _meaningful(tok: str) -> tuple[str, str] | None:
    """(token, stem) of a meaningful word; None for a function word (decided once per word)."""
    if tok in STOPWORDS or (len(tok) == 1 and not tok.isdigit()) or is_function_word(tok):
        return None
    return tok, stem(tok)


def analyze(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Stems of the meaningful words of `text`, in order (duplicates kept)."""
    out = []
    for tok in tokens(text):
        if not keep_stopwords and tok in STOPWORDS:
            continue
        if len(tok) == 1 and not tok.isdigit():
            continue
        out.append(stem(tok))
    return out


def _analyzer():  # noqa: ANN202
    global _morph
    if _morph is None:
        import pymorphy3

        _morph = pymorphy3.MorphAnalyzer()
    return _morph


@dataclass(frozen=True, slots=True)
class Reading:
    """One of pymorphy3's readings of a word."""

    lemma: str  # the dictionary form, folded (ё → е)
    pos: str | None  # part of speech: NOUN, ADJF, VERB…
    case: str | None  # nomn, gent, loct…
    grammemes: frozenset[str]  # all of them: Geox, Name, Surn, anim, masc, sing…


@lru_cache(maxsize=65536)
def readings(token: str) -> tuple[Reading, ...]:
    """Every dictionary reading of a Russian word, the likeliest first; () for a word the
    dictionary doesn't hold and for other scripts."""
    if not is_dictionary_word(token):
        return ()
    return tuple(Reading(fold(p.normal_form), p.tag.POS, p.tag.case, frozenset(p.tag.grammemes))
                 for p in _analyzer().parse(token))


def guessed_name(token: str) -> bool:
    """Whether pymorphy3 reads a word, known to its dictionary or guessed, as a person's name
    first ("Кравченко"; "Лабудину", which it only guesses)."""
    return bool(_CYRILLIC.search(token)) and bool({"Name", "Surn", "Patr"} & _first_parse(token).tag.grammemes)


@lru_cache(maxsize=65536)
def lemma(token: str) -> str:
    """The dictionary form of a Russian word (pymorphy3: "делали" → "делать", "шинами" →
    "шина"); other words as they are."""
    if not _CYRILLIC.search(token):
        return token
    return _first_parse(token).normal_form.replace("ё", "е")


@lru_cache(maxsize=65536)
def word_kind(token: str) -> str:
    """How a word can matter to a question: "geo" (a place name), "name" (a person's or
    brand's name), "noun", "adj", "verb", "other" (adverbs, numerals...), or "unknown" (not a
    dictionary word: a typo, a clipped or derived word, a brand)."""
    if not _CYRILLIC.search(token):
        return "other" if token.isdigit() else "latin"
    morph = _analyzer()
    if not morph.word_is_known(token):
        return "unknown"
    tag = _first_parse(token).tag
    if "Geox" in tag:
        return "geo"
    if {"Name", "Surn", "Patr"} & tag.grammemes:
        return "name"
    if tag.POS == "NOUN":
        return "noun"
    if tag.POS in {"ADJF", "ADJS", "PRTF", "PRTS"}:
        return "adj"
    if tag.POS in {"VERB", "INFN", "GRND"}:
        return "verb"
    return "other"
