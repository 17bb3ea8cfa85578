"""Language of a review: script split first, then marker words and letters, lingua as the tie-breaker.

Why not lingua alone: on short reviews it cannot tell Russian from Ukrainian ("Все добре" → ru) nor
English from Latvian ("ok" → lv), and replying in the wrong one of a close pair is worse than a typo.
So the text is split by script (Cyrillic vs Latin letters, the larger part is the dominant language of a
mixed review), and inside a script the letters only one language uses (і ї є ґ / ы э ъ ё / ā č ē …) and
frequent words only one language uses vote together with lingua's confidence.
A text that lingua confidently places in another language (Italian, German, Lithuanian, Belarusian…) and that
carries few of our languages' marker words gets that language's code: it is not ours (`supported` is False), and
it must never be mislabelled English. @handles and links say nothing about the language and are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from assistant.text.scripts import unmix

SERVED = ("ru", "uk", "lv", "en")
UNDETERMINED = "und"
CONFIDENCE_FLOOR = 0.35
_NEIGHBOURS = (
    "de",
    "pl",
    "lt",
    "et",
    "fi",
    "fr",
    "es",
    "it",
    "pt",
    "nl",
    "sv",
    "da",
    "nb",
    "cs",
    "sk",
    "ro",
    "hu",
    "tr",
    "hr",
    "sl",
)
_OTHER_CYRILLIC = re.compile(r"[ўәғқңөұүһјљњћђѓќѕџ]", re.IGNORECASE)
_BG_HARD_SIGN = re.compile(r"\wъ\w", re.IGNORECASE)
_RU_UK_ONLY = re.compile(r"[ыэёіїєґ]", re.IGNORECASE)
_HASHTAG = re.compile(r"#\w+")
_BLOB = re.compile(r"[A-Za-z0-9+/=_-]{20,}")  # base64, hashes, tokens: letters that are no language


def _drop_blobs(text: str) -> str:
    return _BLOB.sub(
        lambda m: " " if re.search(r"\d", m.group()) and re.search(r"[A-Z]", m.group()[1:]) else m.group(), text
    )


_SHARED_LATIN = frozenset("a i in no me so on an at is be are to it un par ne ta ka es tu".split())  # Romance words too
_CYRILLIC_NEIGHBOURS: tuple[str, ...] = ("be", "bg", "sr", "mk", "kk")
_NOT_WORDS = re.compile(r"(?:https?://|www\.)\S+|(?<![\w.])@\w+|\b(?:t|wa)\.me/\S+", re.IGNORECASE)

_CYR = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
_LAT = re.compile(r"[a-zāčēģīķļņšūž]", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")
_CODE_TOKEN = re.compile(r"(?<![\w-])[^\W\d_]{2,}[-_]\d+(?![\w-])")
_UK_LETTERS = re.compile(r"[іїєґ]")
_RU_LETTERS = re.compile(r"[ыэъё]")
_LV_LETTERS = re.compile(r"[āčēģīķļņšūž]")
_LV_ONLY_LETTERS = re.compile(r"[āēīģķļņ]")  # č š ū ž are Lithuanian too

# Frequent words that exist in one language of the pair only (lower case, ё kept as е too).
_UK_WORDS = frozenset(
    "добре дуже дякую дякуємо дякую що це як але та ще вже мені мене мій моя моє мої він вона вони ми ви "
    "був була було були зі із від чи або тому коли де тут нема немає теж також гарно чудово смачно швидко "
    "вчасно замовлення замовила замовив прийшло прийшов доставили привезли отримала отримав дуже ніж "
    "якість якісно клас класно нормально супер рекомендую раджу жодного ніколи завжди сьогодні вчора "
    "який яка яке які весь вся усе усі дуже щиро будь ласка прошу можна треба потрібно хочу хочемо "
    "бракований зламаний зламався зламалась прийшла пакунок посилка посилку кур'єр кур'єра працює "
    "купила купив тиждень тижні днів години хвилин грн гривень".split()
)
_RU_WORDS = frozenset(
    "очень спасибо благодарю хорошо что чтобы это как но еще уже мне меня мой моя мое мои он она они мы вы "
    "был была было были со из от или потому когда где нет тоже также отлично быстро вовремя заказ заказала "
    "заказал пришел пришло пришла доставили привезли получила получил качество качественно класс нормально "
    "супер рекомендую советую ни одного никогда всегда сегодня вчера который которая которое которые весь "
    "вся всех пожалуйста прошу можно нужно надо хочу хотим бракованный сломанный сломался сломалась "
    "посылка посылку курьер курьера работает купила купил неделю недели дней часа минут руб рублей ничего "
    "если только просто сказали привет".split()
)
_LV_WORDS = frozenset(
    "un ir bet ļoti loti paldies labi labs laba nav kas ar es mēs mes jūs jus ka par uz pie bija tika viss "
    "visu kurjers kurjeru piegāde piegade piegādi pasūtījums pasutijums ātri atri laikā laika ļoti arī ari "
    "jo vai tas tā ta šis šo so man mani mums jums tikai vēl vel pēc pec kad kā nekad vienmēr iesaku "
    "paldies lieliski super apkalpošana apkalposana prece preci veikals veikalā darbinieki sūdzība".split()
)
_EN_WORDS = frozenset(
    "the and is was were to of it my for with not very but this that you i we they great good thanks thank "
    "order delivery delivered arrived would will have has had be been are on in at from no an a so just "
    "me our your their staff service food item product recommend again never always when what".split()
)
# Universal filler that says nothing about the language on its own.
_NEUTRAL = frozenset("ok okay ок окей super супер top топ wow вау".split())


@dataclass(frozen=True)
class LanguageResult:
    code: str  # ISO 639-1, or "und" when unknowable
    confidence: float

    @property
    def supported(self) -> bool:
        return self.code in SERVED


def _lingua(languages: tuple[str, ...], preload: bool = True, low_accuracy: bool = False) -> LanguageDetector:
    """low_accuracy: trigrams only, a fraction of the load time; enough to tell a whole foreign text."""
    built = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in languages]
    builder = LanguageDetectorBuilder.from_languages(*built)
    builder = builder.with_preloaded_language_models() if preload else builder
    return (builder.with_low_accuracy_mode() if low_accuracy else builder).build()


@lru_cache(maxsize=1)
def _detector():
    return _lingua(SERVED)


@lru_cache(maxsize=1)
def _neighbour_detector():
    return _lingua(("en", "lv", *_NEIGHBOURS), preload=False, low_accuracy=True)


@lru_cache(maxsize=1)
def _cyrillic_detector():
    return _lingua(("ru", "uk", *_CYRILLIC_NEIGHBOURS), preload=False, low_accuracy=True)


def _pair_confidence(text: str, a: str, b: str) -> float:
    """lingua's probability of `a` against `b` (they sum to ~1 over the served set)."""
    values = {
        v.language.iso_code_639_1.name.lower(): v.value for v in _detector().compute_language_confidence_values(text)
    }
    pa, pb = values.get(a, 0.0), values.get(b, 0.0)
    return 0.5 if pa + pb == 0 else pa / (pa + pb)


def _confidence(score: float, evidence: float, weight: float) -> float:
    """How sure a vote of `score` is; grows with |score| (the margin) and with the evidence behind it."""
    margin = abs(score) / (evidence + weight)
    return round(min(0.99, 0.5 + margin * 0.5 + min(evidence, 6) * 0.04), 3)


def _vote(words: list[str], text: str, a: str, b: str, settled: float | None = None) -> tuple[str, float]:
    """Decide between a close pair (uk/ru or lv/en): marker words and letters, then lingua.

    With `settled`, lingua is asked only when the markers alone cannot decide: its part of the score is at most
    ±weight, so when the markers outweigh it and even its strongest opposite vote leaves a confidence of at least
    `settled`, the winner is known and the confidence returned is that lower bound (lingua is most of the CPU)."""
    if (a, b) == ("uk", "ru"):
        letters_a = sum(1 for w in words if _UK_LETTERS.search(w))
        letters_b = sum(1 for w in words if _RU_LETTERS.search(w))
        words_a = sum(1 for w in words if w in _UK_WORDS and w not in _RU_WORDS)
        words_b = sum(1 for w in words if w in _RU_WORDS and w not in _UK_WORDS)
    else:
        letters_a = sum(1 for w in words if _LV_LETTERS.search(w))
        letters_b = 0
        words_a = sum(1 for w in words if w in _LV_WORDS and w not in _EN_WORDS)
        words_b = sum(1 for w in words if w in _EN_WORDS and w not in _LV_WORDS)
    markers_a, markers_b = 1.5 * letters_a + words_a, 1.5 * letters_b + words_b
    # Markers weigh more on short texts; lingua's n-gram model is reliable once there is enough text.
    weight = 4.0 if len(words) > 25 else 2.0
    evidence = markers_a + markers_b
    if settled is not None:
        least = abs(markers_a - markers_b) - weight  # |score| whatever lingua says
        if least >= 0.1 and (floor := _confidence(least, evidence, weight)) >= settled:
            return (a if markers_a > markers_b else b), floor
    score = (markers_a - markers_b) + weight * (_pair_confidence(text, a, b) - 0.5) * 2
    if abs(score) < 0.1:  # no evidence either way: Russian (or English) is the commoner language on review sites
        return b if (a, b) == ("uk", "ru") else a, 0.4
    return (a if score > 0 else b), _confidence(score, evidence, weight)


def _other_language(text: str, words: list[str], cyrillic: bool) -> LanguageResult | None:
    """A language we do not serve, when lingua is sure of it and our marker words are rare ("a", "no", "in" occur in
    Italian too, so a few of them prove nothing; a quarter of the words do)."""
    if len(words) < 2:
        return None
    if cyrillic:
        # only letters Russian and Ukrainian lack open the question (ў, қ, ј…; a Bulgarian ъ inside a word)
        if not _OTHER_CYRILLIC.search(text) and not (_BG_HARD_SIGN.search(text) and not _RU_UK_ONLY.search(text)):
            return None
        markers = sum(1 for w in words if w in _RU_WORDS or w in _UK_WORDS)
        detector, others = _cyrillic_detector(), _CYRILLIC_NEIGHBOURS
    else:
        if _LV_ONLY_LETTERS.search(text):
            return None
        markers = sum(1 for w in words if (w in _LV_WORDS or w in _EN_WORDS) and w not in _SHARED_LATIN)
        detector, others = _neighbour_detector(), _NEIGHBOURS
    if markers * 4 >= len(words) or markers >= 3:  # a sentence of ours beside foreign-looking text: ours
        return None
    best = detector.compute_language_confidence_values(text)[0]
    code = best.language.iso_code_639_1.name.lower()
    floor = 0.9 if len(words) < 8 else 0.75
    return LanguageResult(code, round(best.value, 3)) if code in others and best.value >= floor else None


def detect_language(text: str | None, *, settled: float | None = None) -> LanguageResult:
    """Dominant served language of `text`; `und` for emoji-only, empty or unrecognisable text.

    `settled`: a caller that only asks "which language, and is it at least this sure?" (the draft guard) gets
    the same language and, when the marker words settle it, a lower bound of the confidence that is at least
    `settled`, without lingua's pair vote."""
    text = _CODE_TOKEN.sub(" ", unmix(_drop_blobs(_NOT_WORDS.sub(" ", text or "")))).strip()  # "KIWI-5521", "@bank"
    untagged = _HASHTAG.sub(" ", text)  # "#cafe #kaffee #kava": labels in every language, not the author's words
    text = untagged if len(_CYR.findall(untagged)) + len(_LAT.findall(untagged)) >= 2 else text
    lowered = text.lower().replace("’", "'").replace("ʼ", "'")
    cyr, lat = len(_CYR.findall(lowered)), len(_LAT.findall(lowered))
    if cyr + lat < 2:
        return LanguageResult(UNDETERMINED, 0.0)
    words = _WORD.findall(lowered)
    if cyr >= lat:
        part = " ".join(w for w in words if _CYR.search(w))
        part_words = [w for w in words if _CYR.search(w)]
        if other := _other_language(part, part_words, cyrillic=True):
            return other
        code, confidence = _vote(part_words, part, "uk", "ru", settled)
    else:
        part_words = [w for w in words if _LAT.search(w) and not _CYR.search(w)]
        part = " ".join(part_words)
        if all(w in _NEUTRAL for w in part_words):
            return LanguageResult("en", 0.4)
        if other := _other_language(part, part_words, cyrillic=False):
            return other
        code, confidence = _vote(part_words, part, "lv", "en", settled)
    if confidence < CONFIDENCE_FLOOR:
        return LanguageResult(UNDETERMINED, confidence)
    return LanguageResult(code, confidence)


def warm_up() -> None:
    """Load lingua's models now (a few hundred ms) instead of on the first review."""
    _detector()
