"""Recognising the region (subject of the RF) a user types in free text.

`RegionMatcher.match("омская обл.")` ranks the 89 subjects from content/regions.yaml by how
well the text fits one of their names, English names or aliases; `exact()` picks one when the
fit is clear, for the bot to confirm. Text and names are compared after case-folding, ё→е,
splitting on punctuation and dropping generic words ("область", "респ.", "г.", "АО"); the
generic words still tell the kind of subject asked for ("Московская область", not "Москва").
Words are compared whole, by Snowball stem, by prefix and, for typos, by string similarity.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

import Stemmer
import yaml

DEFAULT_REGIONS_PATH = Path(__file__).resolve().parents[2] / "content" / "regions.yaml"

KINDS = ("republic", "krai", "oblast", "federal_city", "autonomous_oblast", "autonomous_okrug")

MIN_SCORE = 0.5  # candidates below this are not offered at all
EXACT_SCORE = 0.85  # exact(): the best candidate must reach this ...
EXACT_MARGIN = 0.1  # ... and be this far ahead of the second
JOINED_FACTOR = 0.95  # words run together or split differently ("ямалоненецкий")
KIND_MISMATCH = 0.8  # "Московская область" said oblast: other kinds are worth less
BARE_PREFERRED = 0.85  # "Москва"/"Moscow" with no kind word: the city, not "Moscow Oblast"
LAYOUT_FACTOR = 0.95  # text typed in the wrong keyboard layout ("jvcrfz" → "омская")
LAYOUT_MIN = 0.75  # ... only trusted when the converted text fits a name well
KNOWN_WORD_FUZZY = 0.75  # a word that is itself in some name is rarely a typo of another one
TOWN_ADJECTIVE = 0.7  # "Волжский" said, the key is "Волжск": offered at most, never taken for it


@dataclass(frozen=True, slots=True)
class Region:
    name: str
    en: str
    kind: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RegionMatch:
    name: str
    score: float


def load_regions(path: Path = DEFAULT_REGIONS_PATH) -> list[Region]:
    """Read and check content/regions.yaml."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of regions")
    regions = []
    for i, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: entry {i} is not a mapping")
        name, en, kind = entry.get("name"), entry.get("en"), entry.get("kind")
        aliases = entry.get("aliases") or []
        if not (isinstance(name, str) and name.strip() and isinstance(en, str) and en.strip()):
            raise ValueError(f"{path}: entry {i} needs a name and an en")
        if kind not in KINDS:
            raise ValueError(f"{path}: {name}: unknown kind {kind!r}")
        if not (isinstance(aliases, list) and all(isinstance(a, str) for a in aliases)):
            raise ValueError(f"{path}: {name}: aliases must be a list of strings")
        regions.append(Region(name=name, en=en, kind=kind, aliases=tuple(aliases)))
    names = [r.name for r in regions]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: duplicate region names")
    owner: dict[str, str] = {}
    for region in regions:
        for variant in (region.name, region.en, *region.aliases):
            first = owner.setdefault(_fold(variant).strip(), region.name)
            if first != region.name:
                raise ValueError(f"{path}: {variant!r} is given to both {first} and {region.name}")
    return regions


# --- text analysis ---------------------------------------------------------------------------

_ANY_KIND = frozenset(KINDS)
_NOT_CITY = _ANY_KIND - {"federal_city"}
_OBLAST = frozenset({"oblast", "autonomous_oblast"})
_AUTONOMOUS = frozenset({"autonomous_okrug", "autonomous_oblast"})
_KRAI = frozenset({"krai"})
_REPUBLIC = frozenset({"republic"})
_OKRUG = frozenset({"autonomous_okrug"})
_CITY = frozenset({"federal_city"})

# Generic words: dropped from the comparison, but they say which kind of subject is meant.
_GENERIC: dict[str, frozenset[str]] = {
    **dict.fromkeys(("область", "обл", "oblast", "obl"), _OBLAST),
    **dict.fromkeys(("край", "кр", "krai", "kray", "territory"), _KRAI),
    **dict.fromkeys(("республика", "респ", "рес", "republic", "resp", "народная", "people"), _REPUBLIC),
    **dict.fromkeys(("автономный", "автономная", "автономного", "авт", "autonomous"), _AUTONOMOUS),
    **dict.fromkeys(("округ", "okrug", "district"), _OKRUG),
    "ао": _AUTONOMOUS,
    **dict.fromkeys(("г", "город", "гор", "city"), _CITY),
    **dict.fromkeys(("регион", "region", "субъект"), _NOT_CITY),
}  # fmt: skip
# Words that say nothing about the region.
_STOP = frozenset(
    "в во из на по с со и я мы у рф россия российской федерации федерация федерального "
    "значения the of in from s russia russian federation".split()
)
_FUZZY_GENERIC = ("область", "республика", "автономный", "автономная", "округ")

_LATIN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_CYRILLIC = "йцукенгшщзхъфывапролджэячсмитьбюё"
_LAYOUT = str.maketrans(_LATIN + _LATIN.upper(), _CYRILLIC + _CYRILLIC.upper())

_WORD = re.compile(r"[^\W_]+")
_RU_STEMMER = Stemmer.Stemmer("russian")
_EN_STEMMER = Stemmer.Stemmer("english")


# Latin letters that look Cyrillic, for words typed in a mix of both ("Cвердловская")
_LOOKALIKES = str.maketrans("aceopxykmthb", "асеорхукмтнв")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")


def _words(text: str) -> list[str]:
    words = []
    for word in _WORD.findall(_fold(text)):
        if re.search("[а-я]", word) and re.search("[a-z]", word):
            word = word.translate(_LOOKALIKES)
        words.append(word)
    return words


@lru_cache(maxsize=8192)
def _stem(token: str) -> str:
    if re.search("[а-я]", token):
        return _RU_STEMMER.stemWord(token)
    return _EN_STEMMER.stemWord(token)


_GENERIC_STEMS = {_stem(word): kinds for word, kinds in _GENERIC.items() if len(word) > 3}


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


@lru_cache(maxsize=8192)
def _matcher_of(b: str) -> SequenceMatcher:
    """A SequenceMatcher for `b`, its index of b built once (matching runs on one thread)."""
    return SequenceMatcher(None, "", b, autojunk=False)


def _ratio_at_least(a: str, b: str, floor: float) -> float:
    """SequenceMatcher's ratio, or 0.0 when its cheap upper bounds already say it is below
    `floor` (most pairs: this keeps matching a region name to ~1,000 keys fast)."""
    if 2 * min(len(a), len(b)) < floor * (len(a) + len(b)):
        return 0.0  # lengths alone rule it out
    matcher = _matcher_of(b)
    matcher.set_seq1(a)
    if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
        return 0.0
    return matcher.ratio()


@dataclass(frozen=True, slots=True)
class _Text:
    tokens: tuple[str, ...]  # the meaningful words, folded
    stems: tuple[str, ...]
    kinds: frozenset[str] | None  # the kinds the generic words allow; None = no generic word

    @property
    def joined(self) -> str:
        return "".join(self.tokens)


def _analyze(text: str, vocabulary: frozenset[str] = frozenset()) -> _Text:
    """Split into meaningful words and the kind hint of the generic ones.

    With a vocabulary (the words of all names), an unknown word that looks like a misspelt
    generic word ("облать") is taken as that word.
    """
    tokens: list[str] = []
    hints: list[frozenset[str]] = []
    for token in _words(text):
        if token in _STOP:
            continue
        kinds = _GENERIC.get(token) or _GENERIC_STEMS.get(_stem(token))
        if kinds is None and vocabulary and len(token) >= 5 and token not in vocabulary:
            generic = max(_FUZZY_GENERIC, key=lambda g: _ratio(token, g))
            if _ratio(token, generic) >= 0.83:
                kinds = _GENERIC[generic]
        if kinds is not None:
            hints.append(kinds)
        else:
            tokens.append(token)
    kinds_hint: frozenset[str] | None = None
    if hints:
        common = frozenset.intersection(*hints)
        kinds_hint = common or frozenset.union(*hints)
    return _Text(tuple(tokens), tuple(_stem(t) for t in tokens), kinds_hint)


_ADJECTIVE_ENDINGS = frozenset("ий ый ой ая яя ое ее ого его ому ему ую юю ым им ые ие ых их ыми ими".split())


def _town_and_adjective(town: str, word: str) -> bool:
    """"Волжский" is not "Волжск", "Кировск" not "Кировская": a town in -ск and an adjective
    on its stem (Snowball stems them alike) are other words."""
    return town.endswith(("ск", "цк")) and word.startswith(town) and word[len(town):] in _ADJECTIVE_ENDINGS


@lru_cache(maxsize=65536)
def _word_similarity(q: str, q_stem: str, k: str, k_stem: str, known: bool) -> float:
    """How alike two words are, in [0, 1]. `known`: q is itself a word of some name."""
    if q == k:
        return 1.0
    if _town_and_adjective(k, q) or _town_and_adjective(q, k):
        return TOWN_ADJECTIVE
    if q_stem == k_stem:
        return 1.0
    if min(len(q), len(k)) < 4:
        return 0.0  # abbreviations ("спб", "мо", "кбр") only count when they are equal
    if k_stem == q_stem + "ск" or q_stem == k_stem + "ск":
        return 0.7  # a city and the adjective of its region: "Ленинград" ≠ "Ленинградская"
    floor = 0.6 / KNOWN_WORD_FUZZY if known else 0.6  # below it the result is 0 anyway
    score = max(_ratio_at_least(q, k, floor), _ratio_at_least(q_stem, k_stem, floor))
    if k.startswith(q):
        score = max(score, min(0.95, 0.7 + 0.3 * len(q) / len(k_stem)))  # "новосиб"
    if known:
        score *= KNOWN_WORD_FUZZY  # "омская" is not a typo of "томская"
    return score if score >= 0.6 else 0.0


def _text_similarity(query: _Text, known: tuple[bool, ...], key: _Text, rows: list[dict[str, float]]) -> float:
    """Every word of the query should be in the key; key words the query misses cost less.
    `rows`: for each query word, its `_word_similarity` to the key words it is like at all."""
    pairs = [[row.get(k, 0.0) for k in key.tokens] for row in rows]
    query_cover = sum(max(row) for row in pairs) / len(pairs)
    key_cover = sum(max(col) for col in zip(*pairs, strict=True)) / len(key.tokens)
    score = 0.75 * query_cover + 0.25 * key_cover
    if query_cover < 1.0 and len(query.joined) >= 5:
        # spacing and hyphen differences: "ямалоненецкий", "кабардинобалкария"
        all_known = all(known)
        floor = 0.75 / KNOWN_WORD_FUZZY if all_known else 0.75
        joined = _ratio_at_least(query.joined, key.joined, floor)
        if all_known:
            joined *= KNOWN_WORD_FUZZY
        if joined >= 0.75:
            score = max(score, JOINED_FACTOR * joined)
    return score


@dataclass(frozen=True, slots=True)
class _Key:
    region: int
    text: _Text
    length: int  # of the words run together

    @property
    def hinted(self) -> bool:
        return self.text.kinds is not None


class RegionMatcher:
    def __init__(self, regions: Iterable[Region]) -> None:
        self.regions: list[Region] = list(regions)
        self._by_name = {r.name: r for r in self.regions}
        self._keys: list[_Key] = []
        for i, region in enumerate(self.regions):
            seen = set()
            for variant in (region.name, region.en, *region.aliases):
                text = _analyze(variant)
                if text.tokens and (text.stems, text.kinds) not in seen:
                    seen.add((text.stems, text.kinds))
                    self._keys.append(_Key(i, text, len(text.joined)))
        self._vocabulary = frozenset(t for key in self._keys for t in key.text.tokens)
        self._token_stems: dict[str, str] = {}
        self._keys_of: dict[str, list[int]] = {}
        for i, key in enumerate(self._keys):
            for token, token_stem in zip(key.text.tokens, key.text.stems, strict=True):
                self._token_stems[token] = token_stem
                self._keys_of.setdefault(token, []).append(i)
        self._stem_vocabulary = frozenset(s for key in self._keys for s in key.text.stems)
        # Names said without a kind word ("Москва", "Moscow") that another region only has
        # with one ("Moscow Oblast"): with no kind word in the text, the bare one wins.
        self._bare: dict[tuple[str, ...], set[int]] = {}
        for key in self._keys:
            if not key.hinted:
                self._bare.setdefault(key.text.stems, set()).add(key.region)

    @classmethod
    def from_yaml(cls, path: Path = DEFAULT_REGIONS_PATH) -> RegionMatcher:
        return cls(load_regions(path))

    def names(self) -> list[str]:
        """All region names, alphabetical."""
        return sorted(self._by_name, key=lambda n: (_fold(n), n))

    def get(self, name: str) -> Region | None:
        return self._by_name.get(name)

    def match(self, text: str, limit: int = 5) -> list[RegionMatch]:
        """The best candidates for the text, best first, scores in [0, 1]."""
        scores = self._scores(_analyze(text or "", self._vocabulary))
        if _needs_layout_fix(text or "") and max(scores, default=0.0) < EXACT_SCORE:
            fixed = self._scores(_analyze(text.translate(_LAYOUT), self._vocabulary))
            scores = [
                max(a, LAYOUT_FACTOR * b if b >= LAYOUT_MIN else 0.0)
                for a, b in zip(scores, fixed, strict=True)
            ]
        ranked = sorted(
            (
                RegionMatch(self.regions[i].name, round(min(s, 1.0), 3))
                for i, s in enumerate(scores)
            ),
            key=lambda m: (-m.score, _fold(m.name)),
        )
        return [m for m in ranked if m.score >= MIN_SCORE][: max(limit, 0)]

    def exact(self, text: str) -> str | None:
        """The region the text clearly names, or None when unsure or ambiguous."""
        return self.exact_of(self.match(text, limit=2))

    @staticmethod
    def exact_of(found: list[RegionMatch]) -> str | None:
        """`exact()` for candidates `match()` already returned (no second matching)."""
        if not found or found[0].score < EXACT_SCORE:
            return None
        if len(found) > 1 and found[0].score - found[1].score < EXACT_MARGIN - 1e-9:
            return None
        return found[0].name

    def _scores(self, query: _Text) -> list[float]:
        scores = [0.0] * len(self.regions)
        if not query.tokens:
            return scores
        known = tuple(
            t in self._vocabulary or s in self._stem_vocabulary
            for t, s in zip(query.tokens, query.stems, strict=True)
        )
        # each query word against each distinct key word once; then only the keys holding a
        # word like one of the query's are scored word by word, the others by their words run
        # together, where the lengths allow it
        rows = []
        for q, qs, kn in zip(query.tokens, query.stems, known, strict=True):
            row = {}
            for k, ks in self._token_stems.items():
                similarity = _word_similarity(q, qs, k, ks, kn)
                if similarity:
                    row[k] = similarity
            rows.append(row)
        alike = {i for row in rows for k in row for i in self._keys_of[k]}
        joined = len(query.joined)
        floor = 0.75 / KNOWN_WORD_FUZZY if all(known) else 0.75  # (as in _text_similarity)
        for i, key in enumerate(self._keys):
            if i not in alike and (joined < 5 or 2 * min(joined, key.length) < floor * (joined + key.length)):
                continue  # no word alike, and the words run together can't be either
            score = _text_similarity(query, known, key.text, rows)
            if score <= scores[key.region]:
                continue
            if query.kinds is not None:
                if self.regions[key.region].kind not in query.kinds:
                    score *= KIND_MISMATCH
            elif key.hinted and self._bare.get(key.text.stems, set()) - {key.region}:
                score *= BARE_PREFERRED
            scores[key.region] = max(scores[key.region], score)
        return scores


def _needs_layout_fix(text: str) -> bool:
    return bool(re.search("[A-Za-z]", text)) and not re.search("[А-Яа-яЁё]", text)


@lru_cache(maxsize=1)
def default_matcher() -> RegionMatcher:
    """The matcher over content/regions.yaml, loaded once."""
    return RegionMatcher.from_yaml()
