"""The cliché bank: stock phrases that make a reply read like a template; a template-like, robotic answer tells the
customer nobody read the review. The prompt shows them as what NOT to write, the guard flags drafts that open with or
lean on them, and the eval suite imports `CLICHES` to measure genericness.

Matching is forgiving so that small edits do not hide a cliché: case, punctuation, ё/е and apostrophes are
normalised, each word may change its ending (a short stem must match), and up to two extra words may sit between two
words of the phrase ("Спасибо БОЛЬШОЕ за ваш отзыв", "we SINCERELY apologize for any inconvenience").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.domain.drafting.variety import words

CLICHES: dict[str, tuple[str, ...]] = {
    "ru": (
        "Спасибо за ваш отзыв",
        "Спасибо за отзыв",
        "Благодарим за ваш отзыв",
        "Благодарим за обратную связь",
        "Спасибо за обратную связь",
        "Благодарим вас за обращение",
        "Приносим извинения за доставленные неудобства",
        "Приносим свои извинения за неудобства",
        "Извините за доставленные неудобства",
        "Нам очень жаль, что у вас сложилось такое впечатление",
        "Ваше мнение очень важно для нас",
        "Ваш отзыв очень важен для нас",
        "Мы ценим ваше мнение",
        "Мы ценим каждого клиента",
        "Мы стремимся к совершенству",
        "Качество обслуживания — наш приоритет",
        "Ваше обращение передано в соответствующий отдел",
        "Мы обязательно примем меры",
        "Мы работаем над улучшением качества обслуживания",
        "Надеемся на дальнейшее сотрудничество",
        "Будем рады видеть вас снова",
        "Благодарим за выбор нашей компании",
        "Спасибо, что выбрали нас",
        "С уважением, администрация",
        "Уважаемый клиент",
    ),
    "uk": (
        "Дякуємо за відгук",
        "Дякуємо за ваш відгук",
        "Щиро дякуємо за ваш відгук",
        "Дякуємо за зворотний зв'язок",
        "Дякуємо за ваше звернення",
        "Приносимо вибачення за завдані незручності",
        "Приносимо свої вибачення за незручності",
        "Вибачте за завдані незручності",
        "Перепрошуємо за незручності",
        "Нам дуже шкода, що у вас склалося таке враження",
        "Ваша думка дуже важлива для нас",
        "Ваш відгук дуже важливий для нас",
        "Ми цінуємо вашу думку",
        "Ми цінуємо кожного клієнта",
        "Якість обслуговування — наш пріоритет",
        "Ваше звернення передано до відповідного відділу",
        "Ми обов'язково вживемо заходів",
        "Ми працюємо над покращенням якості обслуговування",
        "Будемо раді бачити вас знову",
        "Дякуємо, що обрали нас",
        "Сподіваємося на подальшу співпрацю",
        "З повагою, адміністрація",
        "Шановний клієнте",
    ),
    "lv": (
        "Paldies par atsauksmi",
        "Paldies par jūsu atsauksmi",
        "Pateicamies par jūsu atsauksmi",
        "Paldies par atgriezenisko saiti",
        "Pateicamies par jūsu viedokli",
        "Atvainojamies par sagādātajām neērtībām",
        "Atvainojiet par sagādātās neērtības",
        "Atvainojamies par radītajām neērtībām",
        "Jūsu viedoklis mums ir ļoti svarīgs",
        "Jūsu atsauksme mums ir ļoti svarīga",
        "Mēs novērtējam jūsu viedokli",
        "Mums ir ļoti žēl, ka jums radās šāds iespaids",
        "Jūsu apmierinātība ir mūsu prioritāte",
        "Klientu apmierinātība ir mūsu prioritāte",
        "Jūsu sūdzība ir nodota atbildīgajai nodaļai",
        "Mēs strādājam pie apkalpošanas kvalitātes uzlabošanas",
        "Priecāsimies jūs redzēt atkal",
        "Paldies, ka izvēlējāties mūs",
        "Ceram uz turpmāku sadarbību",
        "Ar cieņu, administrācija",
        "Cienījamais klient",
    ),
    "en": (
        "Thank you for your feedback",
        "Thanks for your feedback",
        "Thank you for your review",
        "Thank you for taking the time to",
        "We appreciate your feedback",
        "We apologize for any inconvenience",
        "We apologise for any inconvenience caused",
        "We apologize for the inconvenience",
        "Apologies for the inconvenience",
        "Sorry for the inconvenience",
        "Your satisfaction is our priority",
        "Customer satisfaction is our top priority",
        "Your feedback is important to us",
        "Your feedback is very valuable to us",
        "We value your opinion",
        "We are sorry to hear about your experience",
        "We strive to provide the best",
        "We take your concerns very seriously",
        "Your comments have been passed on to the relevant department",
        "We look forward to serving you again",
        "Please do not hesitate to contact us",
        "Thank you for choosing us",
        "We hope to see you again soon",
        "Dear valued customer",
    ),
}

_MAX_GAP = 2  # extra words allowed between two words of a cliché


@dataclass(frozen=True)
class ClicheMatch:
    phrase: str  # the cliché as written in the bank
    start: int  # index of the first matched word in the text
    end: int  # index after the last matched word


def _word_matches(pattern: str, word: str) -> bool:
    """Same word up to its ending: short words must be equal, longer ones share a stem."""
    if word == pattern:
        return True
    if len(pattern) <= 3:
        return False
    stem = pattern[: max(3, len(pattern) - 3)]
    return word.startswith(stem) and len(word) <= len(pattern) + 3


def _match_at(pattern: Sequence[str], text: list[str], start: int) -> int | None:
    """End index when `pattern` matches `text` from `start`, allowing small gaps; otherwise None."""
    if not _word_matches(pattern[0], text[start]):
        return None
    position = start + 1
    for expected in pattern[1:]:
        for offset in range(_MAX_GAP + 1):
            if position + offset < len(text) and _word_matches(expected, text[position + offset]):
                position += offset + 1
                break
        else:
            return None
    return position


@lru_cache(maxsize=2048)
def _phrase_words(phrase: str) -> tuple[str, ...]:
    return tuple(words(phrase))


def find_phrases(text: str, phrases: tuple[str, ...] | list[str]) -> list[ClicheMatch]:
    """Non-overlapping matches of `phrases` in `text`, longest first where two overlap, in text order."""
    text_words = words(text)
    starts: dict[str, list[int]] = {}  # a match starts where the first word shares its first 3 letters
    for index, word in enumerate(text_words):
        starts.setdefault(word[:3], []).append(index)
    candidates: list[ClicheMatch] = []
    for phrase in phrases:
        pattern = _phrase_words(phrase)
        if not pattern:
            continue
        for start in starts.get(pattern[0][:3], ()):
            end = _match_at(pattern, text_words, start)
            if end is not None:
                candidates.append(ClicheMatch(phrase, start, end))
    chosen: list[ClicheMatch] = []
    for match in sorted(candidates, key=lambda m: (-(m.end - m.start), -len(m.phrase), m.start)):
        if all(match.end <= c.start or match.start >= c.end for c in chosen):
            chosen.append(match)
    return sorted(chosen, key=lambda m: m.start)


def cliche_matches(text: str, language: str) -> list[ClicheMatch]:
    """Cliché matches for `language`; an unknown language is checked against every bank."""
    if language in CLICHES:
        bank = CLICHES[language]
    else:
        bank = tuple(p for phrases in CLICHES.values() for p in phrases)
    return find_phrases(text, bank)


def find_cliches(text: str, language: str) -> list[str]:
    """The clichés of `language` found in `text`, in the order they appear (one per place in the text)."""
    return [m.phrase for m in cliche_matches(text, language)]
