"""Is the draft a reply at all? Fluency, degeneration and relevance, before any policy check.

A 135M model writes word salad in Russian, Ukrainian and Latvian that passes every policy check (no refund
promised, right alphabet, right length), and a scripted or confused model writes a fluent reply to some other
review. So a draft must first read as text a person wrote, in the review's language, about this review:

- words: the share of its words that are real words of the language (simplemma's dictionaries, pymorphy3 for
  ru/uk) — invented words ("необхиальной", "десерієміціва", "vaihēkimu") are what a tiny model emits;
- script and language: Latin and Cyrillic letters inside one word, Russian words in a Ukrainian reply and vice
  versa (letters only one of the pair uses, words only one dictionary knows);
- degeneration: the same word or phrase over and over, repeated lines, list/outline output, headings such as
  «Заключение:», the review copied back;
- bot self-introductions ("my name is [Your Name]", «я виртуальный помощник»);
- relevance: a thank-you for praise answering a complaint (or an apology answering praise), or a reply about
  things the review never mentions (a hotel stay for a courier complaint).

Each problem is an `Issue(code, detail)`; the detail is a sentence an agent understands. The guard turns them
into `GuardIssue`s, so a draft failing any of them is flagged and never bulk-approvable.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import threading
from collections import Counter
from collections.abc import Container, Iterable
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from assistant.domain.classification.lexicon import lexicon
from assistant.domain.drafting.variety import _lemma
from assistant.text import dictionaries
from assistant.text.normalize import Remembered
from assistant.text.stopwords import FUNCTION_WORDS, stop_set

SERVED = ("ru", "uk", "lv", "en")
# Codes this module emits.
CODES = frozenset(
    {
        "not_words",
        "invented_words",
        "mixed_script",
        "mixed_language",
        "repetition",
        "outline",
        "heading",
        "review_echoed",
        "bot_introduction",
        "wrong_review",
        "not_about_review",
    }
)
# "not_about_review" (a generic reply that names nothing of the review) is flagged but stays the model's: an agent
# adds the specifics; every other code here means there is no reply to edit.
UNUSABLE = (CODES - {"not_about_review"}) | {"empty", "placeholder", "language_mismatch"}

NOT_WORDS_SHARE = 0.30  # unknown words / checked words at or above which a draft is word salad
INVENTED_SHARE = 0.12  # … above which (with INVENTED_MIN of them) it has invented words
INVENTED_MIN = 3  # (Latvian: half as much again, its dictionary lists fewer forms)
ECHO_RUN = 10  # this many words in a row copied from the review = the review echoed back

_NAMES = {"ru": "Russian", "uk": "Ukrainian", "lv": "Latvian", "en": "English"}
_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ`][^\W\d_]+)*")
_CYR = re.compile(r"[а-яёіїєґ]", re.I)
_LAT = re.compile(r"[a-zāčēģīķļņšūž]", re.I)
_EMAIL_URL = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?://|www\.)\S+|(?<![\w-])[\w-]+\.(?:com|lv|ua|ru|net|org)\b\S*",
    re.I,
)
_MAYBE_EMAIL_URL = re.compile(r"@|://|www\.|\.(?:com|lv|ua|ru|net|org)\b", re.I)  # what each branch above needs
_APOS = str.maketrans({"’": "'", "ʼ": "'", "`": "'"})


class Issue(NamedTuple):
    code: str
    detail: str


# -- dictionaries -------------------------------------------------------------------------------------------
# Frequent words a dictionary of lemmas and inflected forms may lack (function words, greetings, sign-offs).
_EXTRA: dict[str, frozenset[str]] = {
    "lv": frozenset(
        """
        paldies ļoti un ir bet ka kā ar par uz pie no jūs jums jūsu jūsus mēs mums mūsu mūs es man mans mana manu
        tas tā tie tās šis šī šo šie to ko kas kad vai jo arī vēl tikai lai ja nav būs bija esam esat esmu nebija
        lūdzu sveiki labdien cieņu atvainojiet atvainojamies atvainojos diemžēl protams noteikti tūlīt drīz
        vēlreiz kurjers kurjeru kurjera kurjeram kurjeri pasūtījums pasūtījumu pasūtījuma pasūtījumā piegāde
        piegādi piegādes piegādē atbalsta atbalsts komanda komandas ļoti šeit tur te tagad šodien rīt vakar
        jā nē vairs pat gan taču tomēr tāpēc kāpēc kur kurš kura kuru kuri kam kurā mazliet gandrīz dažreiz
        tiešām vienmēr bieži reizēm drīzumā labprāt nākamreiz atkal kopā ātrāk vēlāk agrāk tāpat turpmāk
        uzreiz pirms tālāk diezgan pilnīgi īpaši vismaz vairāk mazāk kādreiz nekad laikus
        """.split()
    ),
    "en": frozenset(
        """
        i'm we're you're we'll you'll we've you've i've don't didn't doesn't isn't wasn't weren't won't can't
        couldn't shouldn't wouldn't haven't hasn't it's that's there's here's let's what's okay ok
        """.split()
    ),
    "ru": frozenset(),
    "uk": frozenset(),
}
_LV_ENDINGS = frozenset(
    "s š a u i e as am ai ām iem os us ā ē ī ū ei es ēm is im ij ija iju ijā ības ību ība ībai "
    "ām ēs ēt ēja ējām ām iet am at ot īt ināt ina inām ēsim sim siet sit u".split()
)
# the longest ending first; a set per length, so a word costs one lookup per length instead of one test per
# ending (the Latvian word list stems 350,000 forms at start-up: 0.9 s with a test per ending)
_LV_ENDING_LENGTHS = tuple(sorted({len(e) for e in _LV_ENDINGS}, reverse=True))


@lru_cache(maxsize=1)
def _morph() -> dict[str, object]:
    import pymorphy3  # 0.2 s to import (python -X importtime), needed only for ru and uk drafts

    found: dict[str, object] = {}
    for lang in ("ru", "uk"):
        with contextlib.suppress(Exception):
            found[lang] = pymorphy3.MorphAnalyzer(lang=lang)
    return found


_LV_PREFIXES = ("ne", "no", "sa", "at", "uz", "pār", "ie", "iz", "ap", "pa", "aiz", "pie", "līdz", "pret")
_LV_HEAD = 5  # a Latvian word whose first letters (after a verb prefix) begin some dictionary word is taken as real


def _lv_stems() -> tuple[Container[str], Container[str]]:
    """Loaded once: a guard thread asking while the warm-up thread loads them waits instead of loading twice."""
    with _LV_BUILDING:
        return _lv_stems_loaded()


_LV_BUILDING = threading.Lock()


@lru_cache(maxsize=1)
def _lv_stems_loaded() -> tuple[Container[str], Container[str]]:
    """Stems and word heads of every form simplemma's Latvian dictionary holds. The dictionary lists a part of
    the inflected forms only (no «paldies», no «nākamreiz»), so a word counts as Latvian when its stem or its
    first letters match a listed form; invented words rarely do. Built once per machine (0.5 s of Python over
    350,000 forms) and cached as tries; this module's source is the recipe, so a change here builds them again."""
    recipe = Path(__file__).read_bytes()
    forms = lru_cache(maxsize=1)(_lv_forms)  # the dictionary is read at most once, and only to build
    return (
        dictionaries.word_set("lv-stems", recipe, lambda: _lv_stem_set(forms())),
        dictionaries.word_set("lv-heads", recipe, lambda: _lv_head_set(forms())),
    )


def _lv_forms() -> frozenset[str]:
    table = dictionaries.table("lv")
    return frozenset({str(k).lower() for k in table} | {str(v).lower() for v in table.values()})


def _lv_stem_set(forms: frozenset[str]) -> frozenset[str]:
    return frozenset(_lv_stem(f) for f in forms if len(f) >= 3) | forms


def _lv_head_set(forms: frozenset[str]) -> frozenset[str]:
    return frozenset(f[:_LV_HEAD] for f in forms if len(f) >= _LV_HEAD)


def _lv_known(word: str) -> bool:
    stems, heads = _lv_stems()
    if _lv_stem(word) in stems or word[:_LV_HEAD] in heads:
        return True
    return any(
        word.startswith(p) and word[len(p) : len(p) + _LV_HEAD] in heads
        for p in _LV_PREFIXES
        if len(word) - len(p) >= _LV_HEAD
    )


def _lv_stem(word: str) -> str:
    for size in _LV_ENDING_LENGTHS:
        if len(word) - size >= 3 and word[-size:] in _LV_ENDINGS:
            return word[:-size]
    return word


@lru_cache(maxsize=100_000)
def known(word: str, language: str) -> bool:
    """Whether `word` (any case) is a word of `language` according to its dictionaries."""
    low = word.lower().translate(_APOS)
    if low in _EXTRA.get(language, ()):
        return True
    try:
        if dictionaries.is_known(low, language) or dictionaries.is_known(word, language):
            return True
    except ValueError:  # pragma: no cover - unknown language code
        return True
    if language in ("ru", "uk"):
        morph = _morph().get(language)
        if morph is not None and morph.word_is_known(low.replace("'", "’") if language == "uk" else low):
            return True
        if language == "uk" and morph is not None and morph.word_is_known(low):
            return True
        if language == "ru" and "ё" in low:
            return known(low.replace("ё", "е"), language)
        return False
    if language == "en" and "'" in low:
        head = low.split("'")[0]
        return bool(head) and known(head, language)
    if language == "en" and "-" in low:
        return all(known(p, language) for p in low.split("-") if p)
    if language == "lv":
        return _lv_known(low)
    return False


# -- helpers ------------------------------------------------------------------------------------------------
def _words(text: str) -> list[str]:
    return list(_remembered_words(text))


def _find_words(text: str) -> tuple[str, ...]:
    if _MAYBE_EMAIL_URL.search(text):  # a 3 µs look first: the full pattern costs 17 µs a reply, and most have none
        text = _EMAIL_URL.sub(" ", text)
    return tuple(_WORD.findall(text))


_remembered_words = Remembered(_find_words, maxsize=256)  # a draft is split ~19 times by the fluency checks


def _lower_set(texts: Iterable[str]) -> set[str]:
    return {w.lower() for t in texts for w in _words(t or "")}


def _examples(items: Iterable[str], n: int = 4) -> str:
    return ", ".join(f"«{w}»" for w in list(dict.fromkeys(items))[:n])


# -- fluency: real words, scripts, the Russian/Ukrainian pair ----------------------------------------------
_UK_ONLY = re.compile(r"[іїєґ]", re.I)
# Letters outside the language's alphabet ("ä" in Latvian, "ў" in Ukrainian) mark invented words.
_ALPHABET = {
    "ru": re.compile(r"^[а-яё'-]+$", re.I),
    "uk": re.compile(r"^[а-яіїєґ'-]+$", re.I),
    "lv": re.compile(r"^[a-zāčēģīķļņšūž'-]+$", re.I),
    "en": re.compile(r"^[a-zéèêàâçñïöü'-]+$", re.I),
}
LONGEST_WORD = 24  # letters; longer "words" are runaway generation ("АНОБОПОКОКАДАЧАЧАЧА…")
_RU_ONLY = re.compile(r"[ыэъё]", re.I)


def _check_words(text: str, language: str, exempt: set[str]) -> list[Issue]:
    issues: list[Issue] = []
    all_words = _words(text)
    mixed = [w for w in all_words if _CYR.search(w) and _LAT.search(w)]
    if mixed:
        issues.append(
            Issue(
                "mixed_script",
                f"mixes Latin and Cyrillic letters inside words ({_examples(mixed)}); "
                "this is garbled text, not a reply",
            )
        )
    cyrillic_reply = language in ("ru", "uk")
    foreign_script = [
        w
        for w in all_words
        if w.lower() not in exempt
        and len(w) >= 2
        and not (w.isupper() and len(w) <= 5)
        and (bool(_LAT.search(w)) if cyrillic_reply else bool(_CYR.search(w)))
        and w not in mixed
    ]
    if len(foreign_script) >= 3 and len(foreign_script) >= 0.1 * max(len(all_words), 1):
        issues.append(
            Issue(
                "mixed_script",
                f"has words in another alphabet ({_examples(foreign_script)}); "
                f"a {_NAMES[language]} reply is written in one alphabet",
            )
        )
    checked = [
        w
        for w in all_words
        if len(w) >= 3
        and w.lower() not in exempt
        and w not in mixed
        and w not in foreign_script
        and not (w.isupper() and len(w) <= 5)
    ]
    if language in ("ru", "uk"):
        other = "ru" if language == "uk" else "uk"
        own_letters, other_letters = (_UK_ONLY, _RU_ONLY) if language == "uk" else (_RU_ONLY, _UK_ONLY)
        alien = [
            w
            for w in checked
            if other_letters.search(w) or (not known(w, language) and known(w, other) and not own_letters.search(w))
        ]
        if len(alien) >= 2 or (alien and len(alien) >= 0.1 * max(len(checked), 1)):
            issues.append(
                Issue(
                    "mixed_language",
                    f"has {_NAMES[other]} words in a {_NAMES[language]} reply "
                    f"({_examples(alien)}); write it all in {_NAMES[language]}",
                )
            )
        checked = [w for w in checked if w not in alien]
    elif language == "lv":
        english = [w for w in checked if w.isascii() and not known(w, "lv") and known(w, "en") and len(w) >= 3]
        if len(english) >= 3 and len(english) >= 0.15 * max(len(checked), 1):
            issues.append(
                Issue(
                    "mixed_language",
                    f"has English words in a Latvian reply ({_examples(english)}); write it all in Latvian",
                )
            )
        checked = [w for w in checked if w not in english]
    runaway = [w for w in checked if len(w) > LONGEST_WORD]
    if runaway:
        issues.append(
            Issue(
                "not_words",
                f"has runaway letter strings ({_examples(w[:20] + '…' for w in runaway)}); "
                "the model broke down while writing it",
            )
        )
        return issues
    if len(checked) < 4:
        return issues
    unknown = [w for w in checked if not _ALPHABET[language].match(w.translate(_APOS)) or not known(w, language)]
    share = len(unknown) / len(checked)
    if share >= NOT_WORDS_SHARE and len(unknown) >= 3:
        issues.append(
            Issue(
                "not_words",
                f"{share:.0%} of its words are not {_NAMES[language]} words "
                f"({_examples(unknown)}); this is word salad, not a reply",
            )
        )
    elif len(unknown) >= INVENTED_MIN and share >= INVENTED_SHARE * (1.5 if language == "lv" else 1):
        issues.append(
            Issue(
                "invented_words",
                f"has words that do not exist in {_NAMES[language]} ({_examples(unknown)}); a person would not send it",
            )
        )
    return issues


# -- degeneration ---------------------------------------------------------------------------------------------
_BULLET = re.compile(r"^\s*(?:[-*•–·]|\d{1,2}[.)]|[a-zа-я][.)])\s+\S", re.I)
_MD_HEADING = re.compile(r"^[^\S\n]*(?:#{1,6}\s+\S|\*\*[^*\n]{2,60}\*\*\s*(?::\s*)?$)", re.M)  # linear
_HEADING_WORDS = (
    r"заключение|вывод|выводы|итог|итоги|введение|тема|резюме|примечание|ответ на отзыв|пример ответа|"
    r"висновок|висновки|підсумок|вступ|тема|примітка|"
    r"secinājums|secinājumi|kopsavilkums|ievads|temats|piezīme|"
    r"conclusion|summary|introduction|subject|note|title|response|reply|answer|outline|step \d+|option \d+"
)
_HEADING = re.compile(rf"^[^\S\n]*(?:\*\*|#+\s*)?(?:{_HEADING_WORDS})\s*(?:\*\*\s*)?:", re.I | re.M)
_PROMPT_ECHO = re.compile(
    r"^[^\S\n]*(?:review|customer review|rating|action|topics|platform|language|instruction|customer|отзыв|оценка|"
    r"рейтинг|действие|темы|відгук|оцінка|теми|atsauksme|vērtējums|tēmas)\s*:",
    re.I | re.M,
)


def _check_degeneration(text: str, review_text: str, allowed: list[str], language: str) -> list[Issue]:
    issues: list[Issue] = []
    body = text
    for fact in sorted(allowed, key=len, reverse=True):
        body = body.replace(fact, " ")
    tokens = [w.lower() for w in _words(body)]
    # the same word three times in a row, or a phrase over and over
    runs = [tokens[i] for i in range(len(tokens) - 2) if tokens[i] == tokens[i + 1] == tokens[i + 2]]
    grams = Counter(tuple(tokens[i : i + 3]) for i in range(len(tokens) - 2))
    looping = [" ".join(g) for g, n in grams.items() if n >= 3]
    pairs = Counter(tuple(tokens[i : i + 2]) for i in range(len(tokens) - 1))
    looping += [" ".join(g) for g, n in pairs.items() if n >= 4 and len("".join(g)) >= 5]
    function_words = FUNCTION_WORDS.get(language, frozenset())  # "we're" four times is a style, not a loop
    content = Counter(t for t in tokens if len(t) >= 4 and t.translate(_APOS).split("'")[0] not in function_words)
    flooding = [w for w, n in content.items() if n >= 4 and n / max(len(tokens), 1) >= 0.08]
    lines = [re.sub(r"\W+", " ", ln).strip().lower() for ln in re.split(r"[\n.!?]+", body)]
    lines = [ln for ln in lines if len(ln) >= 12]
    repeated = [ln for ln, n in Counter(lines).items() if n >= 2]
    if runs or looping or flooding or repeated:
        what = _examples(runs + looping + flooding + repeated, 3)
        issues.append(Issue("repetition", f"repeats itself ({what}); a model stuck in a loop wrote this"))
    raw_lines = [ln for ln in text.splitlines() if ln.strip()]
    bullets = sum(1 for ln in raw_lines if _BULLET.match(ln))
    if bullets >= 3 or _MD_HEADING.search(text):
        issues.append(Issue("outline", "is a list or an outline, not a reply written to a person"))
    headings = _HEADING.findall(text) + _PROMPT_ECHO.findall(text)
    if headings:
        issues.append(
            Issue(
                "heading", f"has headings or labels ({_examples(h.strip() for h in headings)}); a reply is plain prose"
            )
        )
    review_tokens = [w.lower() for w in _words(review_text or "")]
    if len(review_tokens) >= ECHO_RUN and len(tokens) >= ECHO_RUN:
        starts: dict[tuple[str, ...], None] = {
            tuple(review_tokens[i : i + ECHO_RUN]): None for i in range(len(review_tokens) - ECHO_RUN + 1)
        }
        if any(tuple(tokens[i : i + ECHO_RUN]) in starts for i in range(len(tokens) - ECHO_RUN + 1)):
            issues.append(
                Issue("review_echoed", f"copies {ECHO_RUN}+ words of the review back instead of answering it")
            )
    return issues


# -- word order: a reply's words shuffled are all real words, but no sentence ------------------------------------
_LOWER_START = re.compile(r"(?<=[^\W\d_]{3}[.!?])\s+([a-zа-яёіїєґāčēģīķļņšūž])")
_CAPITAL_WORD = re.compile(r"(?<=[^\W\d_,;:—–-] )([A-ZА-ЯЁІЇЄҐĀČĒĢĪĶĻŅŠŪŽ][a-zа-яёіїєґāčēģīķļņšūž]+)")
_POLITE = frozenset("вы вас вам ваш ваша ваше вашего вашей вашему ваши вашим вами ви jūs jums jūsu jūsus i".split())
_DANGLING = frozenset(
    "в во на с со к ко о об у из за по от до для и а но что как чтобы з із від і й та але що щоб "
    "un ar par uz no pie ka lai bet the a an and to of with for in on that but".split()
)
# Words that always lead into the next word: a punctuation mark right after one is a seam where words were
# shuffled ("за. Передадим", "with. The").
_LEADING = {
    "ru": frozenset(
        "в во на с со к ко об обо у из за по от до для без при про через над под перед между и а но или "
        "чтобы если".split()
    ),
    "uk": frozenset("в у на з із зі до від для без при про через над під перед між і й та а але або щоб якщо".split()),
    "lv": frozenset("ar par uz pie no bez pēc pret līdz un bet vai lai ja".split()),
    "en": frozenset("the a an of for with from by and or but our your my their".split()),
}
_TOKENS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|[.,!?;:]")


def _check_word_order(text: str, language: str, exempt: set[str], allowed: list[str]) -> list[Issue]:
    body = _EMAIL_URL.sub(" ", text)
    for fact in sorted(allowed, key=len, reverse=True):
        body = body.replace(fact, " ")
    body = body.strip()
    if len(_words(body)) < 8:
        return []
    lower_starts = len(_LOWER_START.findall(body)) + (1 if body[:1].islower() else 0)
    stop = stop_set(language)  # proper nouns are capitalised mid-sentence; function words are not
    capitals = [
        w
        for w in _CAPITAL_WORD.findall(body)
        if w.lower() not in exempt and w.lower() not in _POLITE and w.lower() in stop
    ]
    tail = [w.lower() for w in _words(body)[-1:]]
    dangling = 1 if tail and tail[0] in _DANGLING and not re.search(r"[.!?…)»\"]\s*$", body) else 0
    leading = _LEADING.get(language, frozenset())
    tokens = [t.lower() for t in _TOKENS.findall(body)]
    seams = sum(1 for a, b in itertools.pairwise(tokens) if a in leading and not b[0].isalpha())
    if (lower_starts >= 2 and capitals) or lower_starts + len(capitals) + dangling + seams >= 3:
        return [
            Issue(
                "not_words",
                "its words are in no order a person writes (sentences start mid-phrase, "
                "capitals in the middle); this is word salad, not a reply",
            )
        ]
    return []


# -- bot self-introduction ------------------------------------------------------------------------------------
_ROLE = (
    r"(?:assistant|representative|agent|bot|chatbot|ai|language model|customer (?:service|support)|"
    r"помощник\w*|ассистент\w*|консультант\w*|оператор\w*|бот\w*|модел\w*|помічник\w*|асистент\w*|"
    r"asistent\w*|palīg\w*|konsultant\w*|operator\w*|\[)"
)
_BOT_INTRO = re.compile(
    rf"\bmy name is\b[^.!?\n]{{0,60}}{_ROLE}|\bmy name is\s*\[|\bi(?: am|'m) (?:a|an|the|your)\s+(?:\w+\s+){{0,3}}{_ROLE}|"
    r"\bi(?: am|'m) here to (?:help|assist)\b|\bhow (?:can|may) i (?:help|assist) you\b|"
    rf"\bменя зовут\b[^.!?\n]{{0,60}}{_ROLE}|\bменя зовут\s*\[|\bя\s*[-—–]?\s*(?:ваш\w*\s+)?(?:\w+\s+)?"
    rf"(?:помощник|ассистент|бот|чат-бот)\b|\bчем (?:я )?могу (?:вам )?помочь\s*\?|"
    rf"\bмене звати\b[^.!?\n]{{0,60}}{_ROLE}|\bмене звати\s*\[|\bя\s*[-—–]?\s*(?:ваш\w*\s+)?(?:\w+\s+)?"
    rf"(?:помічник|асистент|бот|чат-бот)\b|\bчим (?:я )?можу (?:вам )?допомогти\s*\?|"
    rf"\bmani sauc\b[^.!?\n]{{0,60}}{_ROLE}|\bmani sauc\s*\[|\bes esmu (?:jūsu\s+)?(?:\w+\s+)?(?:asistent|palīg|bots)\w*|"
    r"\bkā (?:es )?varu (?:jums )?palīdzēt\s*\?",
    re.I,
)


def _check_bot(text: str) -> list[Issue]:
    found = [m.group().strip() for m in _BOT_INTRO.finditer(text)]
    if found:
        return [
            Issue(
                "bot_introduction",
                f"introduces itself like a bot or a template ({_examples(found, 2)}); a reply from the team does not",
            )
        ]
    return []


# -- relevance ------------------------------------------------------------------------------------------------
_APOLOGY = re.compile(
    r"извин|прост(?:ите|и)\b|сожале|жаль|неприятн|огорч|виноват|вибач|перепрош|шкода|прикро|неприємн|"
    r"atvainoj|žēl|nepatīkam|diemžēl|sorry|apolog|regret|unfortunately|frustrat|disappoint|should not have|"
    r"shouldn't have|не должн|не мав|не повин|nevajadzēja",
    re.I,
)
_GLAD = re.compile(
    r"рад[ыа]?\b|радует|приятно (?:\w+ )?(?:слышать|читать|узнать)|понравил|удовольстви|восхищ|"
    r"раді|радіє|приємно (?:\w+ )?(?:чути|читати|дізнатися)|сподобал|задоволен|потіш|"
    r"priecājamies|priecē|prieks|patika|gandarīt|"
    r"glad|delighted|happy to hear|pleased|enjoyed|thrilled|wonderful to hear|great to hear|loved|"
    r"(?:тёпл|тепл|добр)\w* слов|высокую оценку|похвал|(?:теплі|добрі|теплих|добрих) слов|високу оцінку|"
    r"(?:jauk|lab|silt)\w* vārd|uzslav|novērtējum|kind words|lovely review|great review|compliment",
    re.I,
)
_PROBLEM = re.compile(
    r"проблем|ошибк|недочет|недоч[её]т|задержк|опоздан|помилк|затримк|запізн|problēm|kļūd|kavēj|"
    r"problem|mistake|delay|issue|wrong|late",
    re.I,
)
# Places and services a reply can only mention when the review did: a hotel thank-you for a courier complaint.
_DOMAINS = {
    "hotel": r"\b(?:hotel|stay(?:ing)?|check-?in|guest|отел|гостиниц|проживан|готел|viesnīc|uzturēšan|viesi)\w*",
    "restaurant": r"\b(?:restaurant|dish|dishes|meal|menu|chef|ресторан|блюд|меню|страв|restorān|ēdien|maltīt)\w*",
    "salon": r"\b(?:haircut|salon|manicure|стрижк|салон|манікюр|маникюр|frizūr|salon)\w*",
    "car": r"\b(?:car|vehicle|автомобил|машин|авто|automašīn|auto)\b",
}
_RELATED = [{"delivery", "courier"}, {"defect", "quality", "repair", "refund"}]
_ANY_REPLY = {"communication"}  # every reply says "write to us": no evidence of which review it answers
_STEM = 5


def _content_stems(text: str, language: str) -> set[str]:
    """First letters of the lemmas of the content words (no function words, no words every reply says)."""
    stop = stop_set(language)
    found = set()
    for w in _words(text):
        low = w.lower().replace("ё", "е")
        if len(low) < 4 or "'" in low or low in stop:
            continue
        lemma = _lemma(low, language)
        if lemma not in stop:
            found.add(lemma[:_STEM])
    return found


def _topics(text: str) -> tuple[set[str], bool, bool]:
    hits = lexicon().match(text)
    topics = {h.label for h in hits if h.kind == "topic" and not h.negated}
    praise = any(h.kind == "praise" and not h.negated for h in hits)
    complaint = any(h.kind == "complaint" and not h.negated for h in hits)
    return topics, praise, complaint


def _widen(topics: set[str]) -> set[str]:
    wide = set(topics)
    for group in _RELATED:
        if wide & group:
            wide |= group
    return wide


def _check_relevance(
    text: str, review_text: str, language: str, action: str | None, rating: int | None, exempt_words: set[str]
) -> list[Issue]:
    if not review_text or not review_text.strip():
        return []
    body_words = [w for w in _words(text) if w.lower() not in exempt_words]
    if len(body_words) < 6:
        return []
    body = " ".join(body_words)
    complaint = action in ("apologize", "offer_fix", "offer_discount") or (action is None and (rating or 5) <= 2)
    praise = action == "thank" or (action is None and (rating or 0) >= 4)
    apologizes, glad = bool(_APOLOGY.search(body)), bool(_GLAD.search(body))
    if complaint and glad and not apologizes and not _PROBLEM.search(body):
        return [
            Issue(
                "wrong_review",
                "thanks the customer for praise, but the review is a complaint; "
                "this reply was written for another review",
            )
        ]
    if praise and apologizes and not glad and not re.search(r"спасиб|благодар|дякую|дякуєм|paldies|thank", body, re.I):
        review_topics, _review_praise, review_complaint = _topics(review_text)
        if not review_complaint:
            return [
                Issue(
                    "wrong_review",
                    "apologises for a problem, but the review praises us; this reply was written for another review",
                )
            ]
    review_stems = _content_stems(review_text, language)
    draft_stems = _content_stems(body, language)
    shared = review_stems & draft_stems
    review_topics, _, _ = _topics(review_text)
    draft_topics = _topics(body)[0] - _ANY_REPLY
    review_topics -= _ANY_REPLY
    review_low = review_text.lower()
    foreign_domains = [
        name for name, rx in _DOMAINS.items() if re.search(rx, body, re.I) and not re.search(rx, review_low, re.I)
    ]
    topic_overlap = bool(_widen(review_topics) & draft_topics)
    if foreign_domains and not topic_overlap and len(shared) <= 1:
        return [
            Issue(
                "wrong_review",
                f"talks about a {foreign_domains[0]} the review never mentions; "
                "this reply was written for another review",
            )
        ]
    if draft_topics and not topic_overlap and not shared and (review_topics or len(review_stems) >= 4):
        about = ", ".join(sorted(review_topics)) or "something else"
        return [
            Issue(
                "wrong_review",
                f"is about {', '.join(sorted(draft_topics))}, the review is about {about}; "
                "this reply was written for another review",
            )
        ]
    if len(review_stems) >= 4 and len(body_words) >= 20 and not shared and not topic_overlap:
        return [
            Issue(
                "not_about_review",
                "mentions nothing the review is about; an agent could not tell which review it answers",
            )
        ]
    return []


# -- the check ------------------------------------------------------------------------------------------------
def check_fluency(
    text: str,
    *,
    review_text: str = "",
    language: str,
    action: str | None = None,
    rating: int | None = None,
    allowed: Iterable[str] = (),
    kind: str = "reply",
) -> list[Issue]:
    """Every reason `text` is not a reply a person could send to this review (empty list: it reads as one).
    `allowed` are texts whose words are never counted against the draft (brand name, signature, contacts).
    A follow-up (`kind="follow_up"`) is about the resolved case, not the review's words: no relevance check."""
    text = (text or "").strip()
    if not text or language not in SERVED:
        return []
    allowed = [a for a in allowed if a]
    playbook_names = {a for a in allowed if len(a.split()) <= 4}  # name, sign-offs, contacts; not remedy sentences
    exempt = _lower_set([review_text, *allowed])
    issues = _check_words(text, language, exempt)
    if not any(i.code == "not_words" for i in issues):
        issues += _check_word_order(text, language, exempt, allowed)
    issues += _check_degeneration(text, review_text, allowed, language)
    issues += _check_bot(text)
    if kind == "reply" and not any(i.code in ("not_words", "repetition") for i in issues):
        body = text  # the sign-off and brand facts say nothing about the review; a remedy's words do
        for fact in sorted((a for a in allowed if a in playbook_names), key=len, reverse=True):
            body = body.replace(fact, " ")
        issues += _check_relevance(body, review_text, language, str(action) if action else None, rating, set())
    return issues


def is_unusable(codes: Iterable[str]) -> bool:
    """Whether a guard verdict says the draft is not a reply at all (rather than a reply breaking a rule)."""
    return any(code in UNUSABLE for code in codes)


def warm_up() -> None:
    """Load the dictionaries and the Latvian stems now instead of on the first draft (built here the first time
    on a machine: scripts/install.sh calls this)."""
    dictionaries.warm_up()
    _lv_stems()
