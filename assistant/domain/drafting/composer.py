"""A reply composed from the playbook's building blocks, for when the model cannot write one.

Response scripts prepared in advance keep a reply calm and correct when nobody has time to write one; issue 20
found that a tiny offline model writes word salad in Russian, Ukrainian and Latvian. So when the model's draft is
not a reply at all (or the model is down), the agent still gets a correct one: greeting, acknowledgement of the
specific problem (the review's topic as a phrase in the right grammatical form, and the customer's own words
quoted), ownership, the remedy the playbook allows and how to get it (or what changes), a closing and the
sign-off. The item the review names goes into the remedy line, inflected by pymorphy3 for Russian and Ukrainian
("куртка" → "заменим куртку").

Variants are picked per review and compared with recent replies (and the last replies composed here), so two
replies in a row do not read alike; the genericness measure (customers see through template-like, robotic
answers) still applies to what comes out.
Review text is untrusted: a fragment is quoted only when it carries no contacts, money, remedies or requests.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.domain.classification.lexicon import lexicon
from assistant.domain.drafting.fluency import check_fluency
from assistant.domain.drafting.guard import remedy_mentions
from assistant.domain.drafting.prompting import reply_language
from assistant.domain.drafting.variety import max_overlap
from assistant.playbooks import FIX_KINDS, Action, LanguageBlocks, Playbook, RemedyKind, load_playbook

if TYPE_CHECKING:
    import pymorphy3

COMPOSED = "composed_from_playbook"
COMPOSED_DETAIL = "composed from the playbook, not written by the model"
QUOTE_WORDS = (3, 9)  # a quoted fragment of the review: at least / at most this many words
CANDIDATES = 12  # variant combinations tried per reply; the one least like recent replies wins
QUOTES = {"ru": ("«", "»"), "uk": ("«", "»"), "lv": ("„", "”"), "en": ("“", "”")}
_EMAIL_CONTACT = {"ru": "нам на {email}", "uk": "нам на {email}", "lv": "mums uz {email}", "en": "to us at {email}"}
_TOPIC_ORDER = (
    "defect",
    "courier",
    "staff",
    "food",
    "quality",
    "packaging",
    "delivery",
    "price",
    "cleanliness",
    "communication",
    "refund",
    "repair",
)
_FIELD = re.compile(r"\{(\w+)(?::(\w+))?\}")
_RECENT: dict[tuple[str, str], deque[str]] = {}  # (business, language) → replies composed in this process
# The service remembers what it composed, so concurrent drafts not stored yet still differ; an eval run turns
# that off (`without_memory`), so a case's draft depends on the case alone, not on what ran before it.
_REMEMBER: ContextVar[bool] = ContextVar("composer_remembers", default=True)


@contextmanager
def without_memory() -> Iterator[None]:
    token = _REMEMBER.set(False)
    try:
        yield
    finally:
        _REMEMBER.reset(token)


_UNSAFE = re.compile(
    r"https?://|www\.|@|\d{3,}|[€$£₽₴%]|\b(?:ignore|instruction|prompt|system|assistant)\b|"
    r"инструкц|промпт|інструкц|instrukcij|[<>{}\[\]\"«»„“”]",
    re.I,
)
# Nouns that name no item: people, places, time, the order itself.
_NOT_ITEMS = frozenset(
    """
    заказ доставка курьер магазин час день неделя минута месяц раз время размер цвет деньги отзыв вопрос
    продавец сотрудник менеджер поддержка посылка пакет коробка упаковка дверь адрес вечер утро сайт качество
    цена рубль гривна год номер проблема товар вещь ответ сервис
    замовлення доставка кур'єр магазин година день тиждень хвилина місяць раз час розмір колір гроші відгук
    питання продавець співробітник менеджер підтримка посилка пакет коробка пакування двері адреса вечір ранок
    сайт якість ціна гривня рік номер проблема товар річ відповідь сервіс опис комплект
    order delivery courier shop store hour day week minute month time size colour color money review question
    seller staff manager support parcel package box packaging door address evening morning site quality price
    year number problem product item thing answer service waiter place driver way motor blades
""".split()
)
_EN_DETERMINER = re.compile(r"\b(?:the|my|a|an|our|this|your|new)\s+([a-z]+(?:\s+[a-z]+)?)", re.I)
_EN_STOP_AFTER = re.compile(r"(?:ed|ing|ly)$|^(?:in|on|at|to|for|with|and|but|was|is|just|after|from|of|were|are)$")


# -- blocks ---------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _shipped_blocks() -> dict[str, LanguageBlocks]:
    """The default playbook's blocks: a business playbook without its own borrows them."""
    path = Path(__file__).resolve().parents[3] / "playbooks" / "default.yaml"
    try:
        return dict(load_playbook(path).blocks)
    except Exception:
        return {}


def blocks_for(playbook: Playbook, language: str) -> LanguageBlocks | None:
    return playbook.blocks.get(language) or _shipped_blocks().get(language)


# -- what the review says -------------------------------------------------------------------------------------
def _review_topics(review_text: str, topics: Sequence[str]) -> list[str]:
    found = [t for t in topics if t]
    if not found:
        found = [h.label for h in lexicon().match(review_text) if h.kind == "topic" and not h.negated]
    return sorted(dict.fromkeys(found), key=lambda t: _TOPIC_ORDER.index(t) if t in _TOPIC_ORDER else 99)


def _fragment(review_text: str, praise: bool) -> str | None:
    """A short fragment of the review to quote: a clause that names what happened (or what was praised)."""
    lo, hi = QUOTE_WORDS
    want = "praise" if praise else "complaint"
    best: tuple[int, str] | None = None
    for sentence in re.split(r"(?<=[.!?…])\s+|\n+", review_text or ""):
        for clause in re.split(r"(?<!\s)\s*[,;:—–(]\s*|(?<!\s)\s+(?:а|но|и|але|і|bet|un|and|but)\s+", sentence):
            clause = clause.strip(" .!?…)\t")
            n = len(clause.split())
            if not lo <= n <= hi or _UNSAFE.search(clause) or any(remedy_mentions(clause).values()):
                continue
            if clause.isupper():
                continue
            hits = lexicon().match(clause)
            score = sum(2 if h.kind == want else 1 for h in hits if h.kind in ("topic", want) and not h.negated)
            if score and (best is None or score > best[0]):
                best = (score, clause)
            elif best is None and not praise:
                best = (0, clause)  # no cue word: the first plain clause still says what happened
    if best is None:
        return None
    text = best[1]
    return text[:1].upper() + text[1:]


@lru_cache(maxsize=2)
def _morph(language: str) -> pymorphy3.MorphAnalyzer:
    import pymorphy3  # 0.2 s to import (python -X importtime), needed only to compose in ru or uk

    return pymorphy3.MorphAnalyzer(lang=language)


def _item(review_text: str, language: str) -> tuple[str, ...] | None:
    """The item the review names: (adjective?, noun) normal forms for ru/uk, a noun phrase for English."""
    if language in ("ru", "uk"):
        try:
            morph = _morph(language)
        except Exception:
            return None
        words = re.findall(r"[а-яёіїєґ'’]+", review_text.lower())
        for i, word in enumerate(words):
            parse = morph.parse(word)[0]
            tag = parse.tag
            if "NOUN" not in tag or "anim" in tag or {"Name", "Surn", "Patr", "Geox", "Abbr"} & set(tag.grammemes):
                continue
            if parse.normal_form.replace("’", "'") in _NOT_ITEMS or len(word) < 3:
                continue
            if "plur" in tag and "Pltm" not in tag:
                continue
            previous = morph.parse(words[i - 1])[0] if i else None
            if previous is not None and "ADJF" in previous.tag and previous.tag.case == tag.case:
                return (words[i - 1], word)
            return (word,)
        return None
    if language == "en":
        for match in _EN_DETERMINER.finditer(review_text):
            parts = match.group(1).lower().split()
            head = parts[0]
            if head in _NOT_ITEMS or _EN_STOP_AFTER.search(head):
                continue
            if len(parts) > 1 and not _EN_STOP_AFTER.search(parts[1]) and parts[1] not in _NOT_ITEMS:
                return (head, parts[1])
            return (head,)
    return None


def _inflect(words: tuple[str, ...], language: str, case: str) -> str | None:
    """`words` (an adjective and its noun, or a noun) in `case`, agreeing in number and gender."""
    morph = _morph(language)
    noun = morph.parse(words[-1])[0]
    agree = {g for g in (noun.tag.number, noun.tag.gender if noun.tag.number != "plur" else None) if g}
    # an adjective before an inanimate noun in the accusative looks like the nominative, except feminine singular
    adjective_case = (
        "nomn"
        if case == "accs"
        and noun.tag.animacy != "anim"
        and not (noun.tag.gender == "femn" and noun.tag.number != "plur")
        else case
    )
    out = []
    for word in words:
        parse = morph.parse(word)[0]
        wanted = (
            {case} | ({noun.tag.number} if noun.tag.number else set())
            if "NOUN" in parse.tag
            else {adjective_case} | agree
        )
        form = parse.inflect(wanted)
        if form is None:
            return None
        out.append(form.word)
    return " ".join(out)


# -- composing ------------------------------------------------------------------------------------------------
def _fill(line: str, values: dict[str, str], item: tuple[str, ...] | None, language: str, default_item: str) -> str:
    def one(match: re.Match) -> str:
        name, case = match.group(1), match.group(2)
        if name == "item":
            if language in ("ru", "uk") and case:
                form = _inflect(item, language, case) if item else None
                return form or _inflect((default_item,), language, case) or default_item
            return " ".join(item) if item else default_item
        return values[name]

    return _FIELD.sub(one, line)


def _usable(line: str, values: dict[str, str]) -> bool:
    return all(name == "item" or name in values for name, _ in _FIELD.findall(line))


def _remedy_lines(blocks: LanguageBlocks, playbook: Playbook, action: Action) -> list[str]:
    if action == Action.offer_fix:
        kinds = [r.kind for r in playbook.remedies if r.kind in FIX_KINDS or r.kind == RemedyKind.callback]
    elif action == Action.offer_discount:
        kinds = [RemedyKind.discount] if playbook.discount_cap else []
    else:
        kinds = []
    for kind in kinds:
        if blocks.remedy.get(kind):
            return list(blocks.remedy[kind])
    return []


def compose_reply(
    *,
    review_text: str,
    language: str,
    action: Action,
    topics: Sequence[str],
    playbook: Playbook,
    recent_replies: Sequence[str] = (),
) -> str | None:
    """A reply built from the playbook's blocks for this review, or None when there are no blocks for the
    language (or the action takes no reply)."""
    lang = reply_language(language)
    blocks = blocks_for(playbook, lang)
    if blocks is None or action == Action.do_not_engage:
        return None
    praise = action == Action.thank
    found = _review_topics(review_text, topics)
    table = blocks.praises if praise else blocks.problems
    topic = next((t for t in found if t in table), "other")
    values = {
        "problem": blocks.problems.get(topic, blocks.problems["other"]),
        "praise": blocks.praises.get(topic, blocks.praises["other"]),
        "percent": str(playbook.discount_cap or ""),
    }
    email = playbook.brand.contact.email
    values["contact"] = _EMAIL_CONTACT[lang].format(email=email) if email else blocks.contact
    fragment = _fragment(review_text, praise)
    if fragment:
        left, right = QUOTES[lang]
        values["quote"] = f"{left}{fragment}{right}"
    item = _item(review_text, lang)

    opening = [x for x in (blocks.thank if praise else blocks.acknowledge) if _usable(x, values)]
    if topic == "other" and "quote" in values:  # no known topic: the customer's own words are the specifics
        opening = [x for x in opening if "{quote}" in x] or opening
    if not opening:
        return None
    remedy = _remedy_lines(blocks, playbook, action)
    middle: list[list[str]] = [] if praise else [blocks.ownership, remedy or blocks.change]
    seed = int(hashlib.sha256(f"{review_text}\x00{lang}".encode()).hexdigest()[:12], 16)
    rng = random.Random(seed)
    recent_key = (playbook.business, lang)
    memory = _RECENT.setdefault(recent_key, deque(maxlen=8)) if _REMEMBER.get() else None
    earlier = [r for r in (*recent_replies, *(memory or ())) if r]
    signature = playbook.signature(lang)
    best: tuple[tuple[int, float], str] | None = None
    for _ in range(CANDIDATES):
        parts = [rng.choice(blocks.greeting), rng.choice(opening)]
        parts += [rng.choice(group) for group in middle if group]
        parts.append(rng.choice(blocks.closing))
        body = " ".join(_fill(p, values, item, lang, blocks.item).strip() for p in parts if p.strip())
        text = f"{body}\n\n{signature}" if signature else body
        # a combination that reads generic or repetitive to the guard loses to any that does not
        issues = check_fluency(body, review_text=review_text, language=lang, action=action.value, allowed=[signature])
        score = (len(issues), max_overlap(body, earlier, language=lang) if earlier else 0.0)
        if best is None or score < best[0]:
            best = (score, text)
        if score == (0, 0.0):
            break
    assert best is not None, "CANDIDATES > 0"
    if memory is not None:
        memory.append(best[1])
    return best[1]
