"""The guard: every draft passes here before it reaches the approval queue.

The model behind a draft may be tiny (SmolLM2-135M writes off-topic, in the wrong language, invents refunds)
and the review it answers may be hostile, so the guard checks what a reply must never do whatever wrote it:
wrong language, remedies the playbook does not allow (in ru, uk, lv and en wording, any inflection), leaked
instructions, obeyed canaries, contact details that are not the brand's, placeholders, bad length, AI
mentions, never-say phrases, clichés, and near-copies of recent replies. Each problem is a `GuardIssue` whose
detail is written so it can be fed back to the model ("name the failure, try again").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.domain.classification.language import CONFIDENCE_FLOOR, detect_language
from assistant.domain.drafting.cliches import CLICHES, cliche_matches, find_phrases
from assistant.domain.drafting.fluency import check_fluency
from assistant.domain.drafting.prompting import allowed_remedies
from assistant.domain.drafting.variety import (
    SIMILARITY_THRESHOLD,
    longest_run_in,
    max_overlap,
    ngram_overlap,
    word_positions,
    words,
)
from assistant.playbooks import Action, Playbook, RemedyKind
from assistant.text import inspection_views, normalize
from assistant.text.alternation import any_of
from assistant.text.meaning import (
    _ANY_URL,
    _EMAIL,
    _negated,
    admissions,
    contact_channels,
    fold_for_checks,
    money_promises,
)

SERVED = ("ru", "uk", "lv", "en")
LEAK_RUN_WORDS = 8  # this many consecutive words copied from the system prompt = leaked instructions
ECHO_THRESHOLD = 0.6  # share of a draft's trigrams taken from the review itself = an echo, not a reply
OPENING_WORDS = 8  # a cliché starting within the first words "opens" the reply
_I = re.IGNORECASE


@dataclass(frozen=True)
class GuardIssue:
    code: str
    detail: str


@dataclass(frozen=True)
class GuardResult:
    ok: bool
    issues: tuple[GuardIssue, ...]
    overlap: float  # max n-gram overlap with recent approved replies / the cliché bank

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys(issue.code for issue in self.issues))


# -- remedies: one pattern per category, all four languages; stems cover inflections ----------------------
_MONEY = r"деньг|денег|средств|стоимост|оплат|сумм|кошт|грош|вартіст|вартост|naud|samaks|līdzekļ|summ"
_REMEDIES: dict[str, re.Pattern] = {
    "refund": any_of(
        r"\bвозврат(?:а|у|ом|е|ы|ов|им|ить)?\b(?!\s+(?:товар|посылк))",
        r"\bкомпенс\w*",
        r"\bвозме[сщ]\w*",
        rf"\bверн\w*\s+(?:\w+\s+){{0,3}}?(?:{_MONEY})",
        rf"\b(?:{_MONEY})\w*\s+(?:\w+\s+){{0,3}}?(?:верн|поверн)",
        rf"\bповерн\w*\s+(?:\w+\s+){{0,3}}?(?:{_MONEY})",
        r"\bвідшкод\w*",
        r"\bкомпенсу\w*",
        r"\batmaks\w*",
        rf"\batgriez\w*\s+(?:\w+\s+){{0,3}}?(?:{_MONEY})",
        r"\bnaud\w*\s+atpakaļ",
        r"\batlīdzīb\w*",
        r"\bkompensē\w*",
        r"\brefund\w*",
        r"\bmoney[- ]back\b",
        r"\breimburs\w*",
        r"\bcompensat\w*",
        r"\breturn\w*\s+(?:\w+\s+){0,2}?(?:money|payment|funds|the cost|the full)",
        r"\bpay\w*\s+you\s+back\b",
        r"(?:\d[\d\s]{0,15}(?:[.,]\d{1,4})?\s*(?:€|\$|£|₽|₴|eur\b|euro|евро|руб|грн|гривн|гривен|uah\b|usd\b|dollar|доллар|долар|eiro))",
        r"(?:[€$£₽₴]\s*\d)",
    ),
    "discount": any_of(
        r"\bскид(?:к|оч)\w*",
        r"\bзниж(?:к|ок|ц)\w*",
        r"\batlai[dž]\w*",
        r"\bdiscount\w*",
        r"\bпромо-?код\w*",
        r"\bpromo-?kod\w*",
        r"\bpromo(?:tional)?[\s-]?code\w*",
        r"\bкупон\w*",
        r"\bkupon\w*",
        r"\bcoupon\w*",
        r"\bваучер\w*",
        r"\bvaučer\w*",
        r"\bvoucher\w*",
        r"\bstore credit\b",
        r"\d\s*%\s*off\b",
        r"\bбонус\w*",
        r"\bbonus\w*",
        r"\bполцены\b",
        r"\bпівціни\b",
        r"\bhalf[- ]price\b",
    ),
    "free": any_of(
        r"\bбесплатн\w*",
        r"\bбезкоштовн\w*",
        r"\bbez maksas\b",
        r"\bbezmaksas\w*",
        r"\bpar brīvu\b",
        r"\bв подар(?:ок|унок)\b",
        r"\bподар(?:им|уємо)\b",
        r"\bподароч\w*\s+(?:сертифик|карт)",
        r"\bподарунков\w*",
        r"\bdāvan(?:ā|u kart|u sertifik)\w*",
        r"\bdāvinā\w*",
        r"\bза наш (?:сч[её]т|рахунок)\b",
        r"\buz mūsu rēķina\b",
        r"\bfree of charge\b",
        r"\bfor free\b",
        r"(?<![-\w])(?<!feel )free\b(?!\s+to\b)(?!-)",
        r"\bcomplimentary\b",
        r"\bon the house\b",
        r"\bgift (?:card|certificate|voucher)\w*",
        r"\bat no (?:extra |additional )?(?:cost|charge)\b",
    ),
    "replacement": any_of(
        r"\bзамен\w*",
        r"\bобмен\w*",
        r"\bзамін\w*",
        r"\bобмін\w*",
        r"\bnomain\w*",
        r"\bapmain\w*",
        r"\bapmaiņ\w*",
        r"\breplac\w*",
        r"\bexchang\w*",
    ),
    "repair": any_of(
        r"\bремонт\w*",
        r"\bотремонт\w*",
        r"\bпочин\w*",
        r"\bвідремонт\w*",
        r"\bполагод\w*",
        r"\bsalabo\w*",
        r"\bremont\w*",
        r"\blabošan\w*",
        r"\brepair\w*",
    ),
    "redo": any_of(r"\bпередела\w*", r"\bпереробл?\w*", r"\bpārtais\w*", r"\bre-?do(?:ne)?\b"),
    "callback": any_of(
        r"\bперезвон\w*",
        r"\bпередзвон\w*",
        r"\bзателефону\w*",
        r"\bpiezvan\w*",
        r"\batzvan\w*",
        r"\bcall you back\b",
        r"\bcall-?back\b",
        r"\bgive you a call\b",
    ),
}
_PROMO_CODE = re.compile(
    r"(?i:\b(?:промо-?код\w*|код\w*|promo-?kod\w*|kod\w*|kupon\w*|купон\w*|code|coupon|voucher))"
    r"\s*:?\s*[«\"'“]?([A-ZА-ЯІЇЄҐ0-9][A-ZА-ЯІЇЄҐ0-9_-]{3,})\b"
)
_FIX_CATEGORIES = ("replacement", "repair", "redo", "callback")
_PERCENT_WORD = re.compile(r"^(?:процент\w*|відсот\w*|procent\w*|percent|pct)$")
_NUMBER_WORDS = [  # stems, longest first, so "пятнадцать" is not read as "пять"
    ("пятьдесят", 50),
    ("пятидесят", 50),
    ("п'ятдесят", 50),
    ("piecdesmit", 50),
    ("fifty", 50),
    ("пятнадцат", 15),
    ("п'ятнадцят", 15),
    ("piecpadsmit", 15),
    ("fifteen", 15),
    ("двадцат", 20),
    ("двадцят", 20),
    ("divdesmit", 20),
    ("twenty", 20),
    ("тридцат", 30),
    ("тридцят", 30),
    ("trīsdesmit", 30),
    ("thirty", 30),
    ("сорок", 40),
    ("četrdesmit", 40),
    ("forty", 40),
    ("десят", 10),
    ("desmit", 10),
    ("ten", 10),
    ("пят", 5),
    ("п'ят", 5),
    ("piec", 5),
    ("five", 5),
    ("сто", 100),
    ("simt", 100),
    ("hundred", 100),
]


def remedy_mentions(text: str) -> dict[str, list[str]]:
    """Category → the phrases of `text` that offer it (negated mentions such as "refund is not possible" skip)."""
    low = text.lower().replace("ё", "е")
    found: dict[str, list[str]] = {}
    for category, pattern in _REMEDIES.items():
        hits = [m.group().strip() for m in pattern.finditer(low) if not _negated(low, m.start(), m.end())]
        if hits:
            found[category] = hits
    return found


def _number_word(word: str) -> int | None:
    return next((value for stem, value in _NUMBER_WORDS if word.startswith(stem) and len(word) <= len(stem) + 4), None)


def percentages(text: str) -> list[int]:
    """Every percentage in `text`: "15%", "15 процентов", "десять відсотків", "half price" (=50)."""
    low = text.lower().replace("ё", "е")
    values = [int(m.group(1)) for m in re.finditer(r"(\d{1,3})(?:[.,]\d+)?\s*%", low)]
    tokens = words(low)
    for i, token in enumerate(tokens):
        if not _PERCENT_WORD.match(token):
            continue
        j, total = i - 1, 0
        while j >= 0 and (tokens[j].isdigit() or _number_word(tokens[j]) is not None):
            total += int(tokens[j]) if tokens[j].isdigit() else _number_word(tokens[j])
            j -= 1
        if j < i - 1:
            values.append(total)
    if re.search(r"\bполцены\b|\bпівціни\b|\bhalf[- ]price\b|\bpusi no cenas\b|\bhalf off\b", low):
        values.append(50)
    return values


def _check_remedies(text: str, review_text: str, action: Action, playbook: Playbook, kind: str) -> list[GuardIssue]:
    offered = {r.kind for r in allowed_remedies(action, playbook)}
    money_ok = RemedyKind.refund in offered or (kind == "follow_up" and playbook.allows(RemedyKind.refund))
    issues = []
    mentions = remedy_mentions(text)
    meaning = money_promises(fold_for_checks(text))
    for category, extra in (("refund", meaning.get("money", [])), ("free", meaning.get("waiver", []))):
        if extra:
            mentions[category] = mentions.get(category, []) + extra
    for category, hits in mentions.items():
        quote = ", ".join(f"«{h}»" for h in dict.fromkeys(hits))
        if category == "refund" and not money_ok:
            why = (
                "the playbook does not allow it"
                if not playbook.allows(RemedyKind.refund)
                else f"not for {action.value}"
            )
            issues.append(
                GuardIssue("unauthorized_remedy", f"promises a refund, compensation or money ({quote}): {why}")
            )
        elif category == "discount" and (kind != "reply" or RemedyKind.discount not in offered):
            why = (
                "never offer anything for a rating"
                if kind != "reply"
                else "the playbook allows no discount"
                if playbook.discount_cap is None
                else "only offer_discount replies may mention a discount"
            )
            issues.append(GuardIssue("unauthorized_remedy", f"mentions a discount or voucher ({quote}): {why}"))
        elif category == "free" and not (
            action == Action.offer_fix and offered & {RemedyKind.replacement, RemedyKind.repair, RemedyKind.redo}
        ):
            issues.append(GuardIssue("unauthorized_remedy", f"promises something free ({quote}): not in the playbook"))
        elif category in _FIX_CATEGORIES and action != Action.thank and not playbook.allows(category):
            # thank replies talk about the service itself ("the repair was quick"), so only money is checked there
            issues.append(
                GuardIssue("unauthorized_remedy", f"offers {category} ({quote}): the playbook does not allow it")
            )
    known = " ".join(r.description for r in playbook.remedies) + " " + (review_text or "")  # order numbers echo
    invented = [c for c in _PROMO_CODE.findall(text) if c not in known and not c.isdigit()]
    if invented:
        issues.append(
            GuardIssue("unauthorized_remedy", f"invents a promo code ({', '.join(invented)}) the business never issued")
        )
    cap = playbook.discount_cap
    if cap is not None and kind == "reply" and action == Action.offer_discount:
        over = [p for p in percentages(text) if p > cap]
        if over:
            issues.append(
                GuardIssue("discount_over_cap", f"offers {max(over)}%; the playbook caps discounts at {cap}%")
            )
    return issues


# -- leaks, canaries, AI mentions --------------------------------------------------------------------------
_LEAK_MARKERS = any_of(
    r"\bas an ai\b",
    r"\blanguage model\b",
    r"\bsystem (?:prompt|message|instruction)s?\b",
    r"\bmy (?:instructions|prompt)\b",
    r"\bi (?:was|have been|am|'m) (?:instructed|told to|programmed)\b",
    r"\baccording to (?:my|the) instructions\b",
    r"\bas instructed\b",
    r"\bplaybook\b",
    r"\buntrusted\b",
    r"\ballowed remedies\b",
    r"\bform of address\b",
    r"\bstock phrases\b",
    r"\b(?:offer_fix|offer_discount|do_not_engage)\b",
    r"\bhere is (?:a|the|my|your) (?:draft|reply|response)\b",
    r"\bсистемн\w* (?:промпт|сообщени|инструкци|повідомлен|інструкці)\w*",
    r"\bпромпт\w*",
    r"\bмо(?:и|им|ї|їм) інструкці\w*",
    r"\bмо(?:и|им|ими) инструкци\w*",
    r"\bсогласно (?:моим |полученным )?инструкци\w*",
    r"\bзгідно (?:з )?(?:моїми )?інструкці\w*",
    r"\bкак (?:языковая модель|ии)\b",
    r"\bяк (?:мовна модель|ші)\b",
    r"\bsistēmas (?:uzvedn|ziņojum|instrukcij)\w*",
    r"\bmanas instrukcijas\b",
    r"\bsaskaņā ar (?:manām )?instrukcijām\b",
    r"\bkā valodas modelis\b",
    r"<<<|>>>|\breview [0-9a-f]{8}\b",
    r"\bi (?:can't|cannot|am unable to|'m unable to) (?:assist|help|comply)\b",
    r"\bas an? (?:helpful |virtual )?assistant\b",
    r"\bi'm sorry, but i can't\b",
)
_PROMPT_HEADINGS = re.compile(
    r"\b(?:REMEDIES|STRUCTURE|TONE AND FORM|FACTS YOU MAY USE|DO NOT WRITE|SAFETY|TASK)\b\s*[(:]"
)
_AI_WORDS = any_of(
    r"\bartificial intelligence\b",
    r"\bchat-?bots?\b",
    r"\bbots?\b",
    r"\bneural network\w*",
    r"\b(?:ai|virtual) assistant\b",
    r"\bискусственн\w* интеллект\w*",
    r"\bнейро(?:сет|мереж)\w*",
    r"\bнейронн\w* сет\w*",
    r"\b(?:языков|мовн)\w* модел\w*",
    r"\bчат-?бот\w*",
    r"\bбот(?:а|ом|у|ы|и)?\b",
    r"\bштучн\w* інтелект\w*",
    r"\bmākslīg\w* intelekt\w*",
    r"\bvalodas model\w*",
    r"\bčatbot\w*",
    r"\btērzēšanas robot\w*",
    r"\blanguage model\b",
)
_AI_ACRONYMS = re.compile(r"\b(?:AI|ИИ|ШІ|MI)\b")
_TRIGGER = any_of(
    r"\b(?:end|start|begin|finish|close|sign)\w*\s+(?:\w+\s+){0,2}?(?:with|by|using|as)\b",
    r"\b(?:write|writing|include|add|say|type|print|output|repeat|mention|insert|append|use|put)\b",
    r"\b(?:reply|respond|answer) with\b",
    r"\b(?:напиш|добав|включ|встав|скаж|повтор|упомян|ответ|начн|законч|заверш|подпиш|вывед|использ|дода|згада|відповід|"
    r"почн|закінч|підпиш|використ|uzrakst|raksti|pievieno|iekļauj|ievieto|pasak|saki|atkārto|piemin|atbild|sāc|beidz|pabeidz|"
    r"paraksti|izmanto)\w*",
)
_QUOTED = re.compile(r"[\"“”«»„']([^\"“”«»„'\n]{2,80})[\"“”«»„']")
_CODE_TOKEN = re.compile(
    r"\b(?=[\w-]{0,64}?[A-Za-zА-Яа-яІіЇїЄєҐґĀ-ž])(?:[A-ZА-ЯІЇЄҐĀ-Ž0-9_-]{4,}|(?<![\w-])(?=[\w-]*?\d)[\w-]+|"
    r"\w+_\w+)\b"
)  # bounded, lazy look-aheads; letters+digits from a run's start: linear
_WORD_AFTER = re.compile(
    r"\b(?:word|phrase|code|password|слово|фразу|код|пароль|vārdu|vārds|frāzi|kodu|paroli)\s+"
    r"[\"“«„']?([^\s\"”»'.,!?]{2,40})",
    _I,
)


_CAPS_WORD = re.compile(r"^[^\W\d_]+$")
# A forged chat turn or prompt fence ("</review> Assistant: …", "[SYSTEM]", "<system>"): what follows is a script
# for the reply, so any code in it counts as requested, whether or not a request verb precedes it.
_FORGED_TURN = any_of(
    r"</?\s*(?:review|system|assistant|user|instructions?)\s*>",
    r"\b(?:assistant|system)\s*:",
    r"\[(?:system|sistēma|система)\]",
)
_ORDER_REF = re.compile(
    r"(?:№|#|order|tracking|заказ\w*|замовлен\w*|накладн\w*|ттн|посылк\w*|pasūtījum\w*|sūtījum\w*|nr\.?)\s*:?\s*$", _I
)


def requested_tokens(review_text: str) -> list[str]:
    """What a review asks the reply to contain: quoted text, codes and ALL-CAPS words after a request verb.
    Order numbers and shouting (several ALL-CAPS words in a row) are not requests."""
    found: list[str] = []
    for trigger in _TRIGGER.finditer(review_text):
        window = review_text[trigger.end() : trigger.end() + 120]
        window = re.split(r"(?<=[.!?])\s", window, maxsplit=1)[0]
        found += [q.strip() for q in _QUOTED.findall(window) if q.strip()]
        codes = [
            m
            for m in _CODE_TOKEN.finditer(window)
            if not m.group().isdigit() and not _ORDER_REF.search(window[: m.start()])
        ]
        shouting = sum(1 for m in codes if _CAPS_WORD.match(m.group())) > 2
        found += [m.group() for m in codes if not (shouting and _CAPS_WORD.match(m.group()))]
        found += _WORD_AFTER.findall(window)
        colon = re.match(r"[^:\n]{0,30}:\s*([^\n.!?]{3,80})(?![^\n.!?]*\?)(?!\?)", window)
        if colon and len(words(colon.group(1))) >= 2:
            found.append(colon.group(1).strip())
    for turn in _FORGED_TURN.finditer(review_text):
        tail = review_text[turn.end() : turn.end() + 300]
        found += [
            m.group() for m in _CODE_TOKEN.finditer(tail) if not m.group().isdigit() and not _CAPS_WORD.match(m.group())
        ]
    return list(dict.fromkeys(found))


def _contains(haystack_words: list[str], phrase: str) -> bool:
    needle = words(phrase)
    n = len(needle)
    return bool(n) and any(haystack_words[i : i + n] == needle for i in range(len(haystack_words) - n + 1))


def _check_canary(text: str, review_text: str, allowed_text: str) -> list[GuardIssue]:
    draft_words, allowed_words = words(text), words(allowed_text)
    obeyed = [
        t
        for t in requested_tokens(review_text)
        if _contains(draft_words, t)
        and not _contains(allowed_words, t)
        and (not (_CAPS_WORD.match(t) and t.isupper()) or re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text))
    ]
    return [GuardIssue("canary_obeyed", f"repeats «{t}», which the review asked the reply to include") for t in obeyed]


def _facts(playbook: Playbook) -> list[str]:
    """Brand facts a reply may quote verbatim: name, signatures, contacts, remedy descriptions."""
    contact = playbook.brand.contact
    parts = [
        playbook.brand.name,
        *playbook.brand.signature.values(),
        contact.email or "",
        contact.phone or "",
        contact.url or "",
        *(r.description for r in playbook.remedies),
    ]
    return sorted({p.strip() for p in parts if len(p.strip()) >= 3}, key=len, reverse=True)


@lru_cache(maxsize=64)
def _facts_pattern(facts: tuple[str, ...]) -> re.Pattern | None:
    """One compiled alternation per playbook's facts (longest first), so a check does not compile them again."""
    if not facts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in facts) + r")(?!\w)", _I)


def _strip_facts(text: str, playbook: Playbook) -> str:
    pattern = _facts_pattern(tuple(_facts(playbook)))
    return pattern.sub(" ", text) if pattern else text


@lru_cache(maxsize=256)
def _prompt_positions(system_prompt: str, facts: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    """The system prompt's words, without quoted clichés and brand facts, indexed for the leak check; cached
    because one prompt serves every review of the same playbook, language and action."""
    prompt = re.sub(r"«[^»\n]*»", " ", system_prompt)  # quoted clichés: no instructions
    pattern = _facts_pattern(facts)
    return word_positions(pattern.sub(" ", prompt) if pattern else prompt)


def _check_leaks(text: str, system_prompt: str, playbook: Playbook) -> list[GuardIssue]:
    issues = []
    markers = list(dict.fromkeys(m.group() for m in _LEAK_MARKERS.finditer(text)))
    markers += _PROMPT_HEADINGS.findall(text)
    if markers:
        issues.append(GuardIssue("leaked_instructions", f"talks about its instructions: {', '.join(markers[:3])}"))
    if system_prompt:
        run = longest_run_in(words(text), _prompt_positions(system_prompt, tuple(_facts(playbook))))
        if run >= LEAK_RUN_WORDS:
            issues.append(GuardIssue("leaked_instructions", f"copies {run} words in a row from the system prompt"))
    return issues


# -- contacts, placeholders ---------------------------------------------------------------------------------
# Bare domains are matched in lower case only, so "it.To be sure" (a missing space) is not a link.
_URL = re.compile(
    r"(?i:(?:https?://|www\.)[^\s<>\"»)]+)|(?<![a-z0-9.-])(?:[a-z0-9-]{2,}\.)+(?:com|net|org|info|biz|io|co|me|app|shop|"
    r"store|online|site|ru|ua|lv|eu|by|kz|uk|de|pl|lt|ee|us|ly|to|gl|link|top|xyz|рф)\b(?:/[^\s<>\"»)]*)?"
)
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d \t().\-]{5,}\d(?![\w])")
_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_PLACEHOLDER = re.compile(
    r"\[[^\]\n]{1,40}\]|\{\{?[^{}\n]{0,40}\}\}?|<[^<>@\n]{1,40}>|\bX{3,}\b|\bx{3,}\b|_{3,}|\$[A-Za-z_]\w*|%\(\w+\)s|"
    r"(?<!\w)\w+\s?\(-?(?:ая|яя|а|на|ла|ий|ой|ка)\)"
)


def _host(url: str) -> str:
    return re.sub(r"^(?:https?://)?(?:www\.)?", "", url.lower()).split("/")[0].rstrip(".")


def _check_contacts(text: str, review_text: str, playbook: Playbook) -> list[GuardIssue]:
    """Any way to reach someone that is not in the brand facts: links of any TLD, messengers, handles, e-mails,
    phone numbers in digits or words. A number the review itself gave is not exempt (echoing the phone a review
    dictates is what an obeying model does; publishing a customer's number is no better); order numbers are."""
    contact, issues = playbook.brand.contact, []
    text = normalize(text)
    channels = contact_channels(text)
    emails = list(dict.fromkeys(_EMAIL.findall(text) + channels["email"]))
    bad = [e for e in emails if e.lower() != (contact.email or "").lower()]
    if bad:
        issues.append(GuardIssue("email_not_allowed", f"gives an email that is not the brand's: {', '.join(bad)}"))
    allowed_hosts = {h for h in (_host(contact.url or ""), (contact.email or "@").split("@")[-1].lower()) if h}
    rest = _EMAIL.sub(" ", text)
    allowed_hosts |= {_host(h) for h in _ANY_URL.findall(" ".join(_facts(playbook)).lower())}
    links = [
        u
        for u in dict.fromkeys(_URL.findall(rest) + channels["link"])
        if _host(u) not in allowed_hosts and not any(_host(u).endswith("." + h) for h in allowed_hosts)
    ]
    links = [u for u in links if not any(_host(u) != _host(v) and _host(v).endswith("." + _host(u)) for v in links)]
    if links:
        issues.append(GuardIssue("link_not_allowed", f"gives a link that is not the brand's: {', '.join(links[:3])}"))
    facts = " ".join(_facts(playbook)).lower()
    other = [c for c in dict.fromkeys(channels["handle"] + channels["messenger"]) if c.lower() not in facts]
    if other:
        issues.append(
            GuardIssue(
                "contact_not_allowed",
                f"sends the customer to a channel that is not the brand's: {', '.join(other[:3])}",
            )
        )
    brand_digits = re.sub(r"\D", "", contact.phone or "")
    order_digits = {
        re.sub(r"\D", "", m.group())
        for m in _PHONE.finditer(review_text or "")
        if _ORDER_REF.search((review_text or "")[max(0, m.start() - 25) : m.start()])
    }
    phones = list(channels["phone_words"])
    for match in _PHONE.finditer(_ANY_URL.sub(" ", _URL.sub(" ", rest))):
        raw, digits = match.group().strip(), re.sub(r"\D", "", match.group())
        if not 7 <= len(digits) <= 15 or _DATE.match(raw) or digits in order_digits:
            continue
        if _ORDER_REF.search(rest[max(0, match.start() - 25) : match.start()]):
            continue
        if brand_digits and (digits == brand_digits or digits[-9:] == brand_digits[-9:]):
            continue
        phones.append(raw)
    if phones:
        issues.append(
            GuardIssue("phone_not_allowed", f"gives a phone number that is not the brand's: {', '.join(phones)}")
        )
    return issues


def _check_admissions(text: str) -> list[GuardIssue]:
    found = admissions(fold_for_checks(text))
    if not found:
        return []
    quote = "; ".join(f"«{f}»" for f in dict.fromkeys(found[:2]))
    return [
        GuardIssue(
            "damaging_admission",
            f"admits something that damages the business ({quote}): counterfeit, "
            "illegal goods, fraud or liability are never admitted in a public reply",
        )
    ]


# -- language ----------------------------------------------------------------------------------------------
_CYRILLIC = re.compile(r"[а-яёіїєґ]", _I)
_LETTER = re.compile(r"[^\W\d_]")
_NAMES = {"ru": "Russian", "uk": "Ukrainian", "lv": "Latvian", "en": "English", "und": "an unknown language"}
_ONLY = {"uk": re.compile(r"[іїєґ]", _I), "ru": re.compile(r"[ыэъё]", _I)}
_OTHER_OF_PAIR = {"ru": "uk", "uk": "ru"}
SENTENCE_SURE = 0.6  # how sure the detector must be that a sentence is in another language
_DETECTOR_LATIN = re.compile(r"[a-zāčēģīķļņšūž]", _I)  # the letters detect_language counts as Latin


def _check_language(text: str, language: str, playbook: Playbook) -> list[GuardIssue]:
    if language not in SERVED:
        return []
    body = _strip_facts(text, playbook)
    letters = len(_LETTER.findall(body))
    if letters < 2:
        return []
    want = _NAMES[language]
    cyr = len(_CYRILLIC.findall(body)) / letters
    if (language in ("ru", "uk") and cyr < 0.6) or (language in ("lv", "en") and cyr > 0.2):
        return [GuardIssue("language_mismatch", f"not written in {want} (wrong alphabet)")]
    found = detect_language(body, settled=CONFIDENCE_FLOOR)  # only its language counts here
    if found.code in SERVED and found.code != language:
        return [GuardIssue("language_mismatch", f"written in {_NAMES[found.code]}, the review is in {want}")]
    foreign = 0
    for sentence in re.split(r"(?<=[.!?…])\s+|\n+", body):
        size = len(_LETTER.findall(sentence))
        if size < 30:
            continue
        other = _OTHER_OF_PAIR.get(language)
        if other and not _DETECTOR_LATIN.search(sentence) and not _ONLY[other].search(sentence):
            continue  # lingua can only name the other of the pair here, which counts only with its own letters
        guess = detect_language(sentence, settled=SENTENCE_SURE)
        if guess.code in SERVED and guess.code != language and guess.confidence >= SENTENCE_SURE:
            pair = {guess.code, language} == {"ru", "uk"}
            if not pair or _ONLY[guess.code].search(sentence):
                foreign += size
    if foreign / letters >= 0.3:
        return [GuardIssue("language_mismatch", f"partly written in another language; write everything in {want}")]
    return []


# -- the check ---------------------------------------------------------------------------------------------


def policy_issues(
    text: str, *, review_text: str, action: Action, playbook: Playbook, system_prompt: str = "", kind: str = "reply"
) -> list[GuardIssue]:
    """What a reply must never do, whoever wrote it: money or remedies beyond the playbook, leaked instructions,
    words the review dictated, contact channels that are not the brand's, damaging admissions. Reads the draft
    normalized (invisible characters, look-alikes and fullwidth letters cannot hide a promise), and takes the
    review's requests from its normalized text and its inspection views (a code asked for in base64 counts)."""
    clean = normalize(text)
    reviews = [normalize(review_text)] + [v.text for v in inspection_views(review_text)]
    issues = _check_remedies(clean, reviews[0], action, playbook, kind)
    issues += _check_leaks(clean, system_prompt, playbook)
    allowed = " ".join(_facts(playbook))
    canaries = {issue.detail: issue for review in reviews for issue in _check_canary(clean, review, allowed)}
    issues += canaries.values()
    issues += _check_contacts(clean, reviews[0], playbook)
    issues += _check_admissions(clean)
    return issues


def check_draft(
    text: str,
    *,
    review_text: str,
    language: str,
    action: Action,
    playbook: Playbook,
    platform: str | None = None,
    system_prompt: str = "",
    recent_replies: Sequence[str] = (),
    kind: str = "reply",
) -> GuardResult:
    """All problems of one draft; `ok` only when there are none. `language` is the review's language."""
    text = (text or "").strip()
    issues: list[GuardIssue] = []
    if action == Action.do_not_engage:
        issues.append(GuardIssue("do_not_engage", "this review gets no public reply; a person handles it"))
    if not text:
        issues.append(GuardIssue("empty", "the draft is empty"))
        return GuardResult(False, tuple(issues), 0.0)
    # is it a reply at all (real words, no loop, this review)? before any policy check (issue 20)
    issues += [
        GuardIssue(*i)
        for i in check_fluency(
            text, review_text=review_text, language=language, action=action, allowed=_facts(playbook), kind=kind
        )
    ]
    length = playbook.length_for(platform)
    if len(text) < length.min_chars:
        issues.append(GuardIssue("too_short", f"{len(text)} characters; write at least {length.min_chars}"))
    if len(text) > length.max_chars:
        issues.append(GuardIssue("too_long", f"{len(text)} characters; write at most {length.max_chars}"))
    issues += _check_language(text, language, playbook)
    issues += policy_issues(
        text, review_text=review_text, action=action, playbook=playbook, system_prompt=system_prompt, kind=kind
    )
    placeholders = list(dict.fromkeys(m.group() for m in _PLACEHOLDER.finditer(_EMAIL.sub(" ", text))))
    if placeholders:
        issues.append(GuardIssue("placeholder", f"contains template placeholders: {', '.join(placeholders[:3])}"))
    if not playbook.brand.allow_ai_mention:
        ai = [m.group() for m in _AI_WORDS.finditer(text)] + _AI_ACRONYMS.findall(text)
        if ai:
            issues.append(GuardIssue("ai_mention", f"mentions being an AI or a bot: {', '.join(dict.fromkeys(ai))}"))
    never = find_phrases(text, playbook.brand.never_say)
    if never:
        issues.append(GuardIssue("never_say", f"says what the brand never says: {', '.join(m.phrase for m in never)}"))
    lang = language if language in CLICHES else "und"
    cliches = cliche_matches(text, lang)
    if cliches and (cliches[0].start < OPENING_WORDS or len(cliches) >= 2):
        where = "opens with" if cliches[0].start < OPENING_WORDS else "leans on"
        issues.append(
            GuardIssue(
                "cliche",
                f"{where} stock phrases: {', '.join('«' + m.phrase + '»' for m in cliches)}; "
                "say the specific thing instead",
            )
        )
    body = _strip_facts(text, playbook)
    lemma_lang = language if language in SERVED else None
    recent = [_strip_facts(r, playbook) for r in recent_replies if r and r.strip()]
    similar = max_overlap(body, recent, language=lemma_lang)
    if similar > SIMILARITY_THRESHOLD:
        issues.append(GuardIssue("too_similar", f"{similar:.0%} of it repeats a recent reply; write it afresh"))
    echo = ngram_overlap(body, review_text or "", language=lemma_lang) if len(words(body)) >= 8 else 0.0
    if echo > ECHO_THRESHOLD:
        issues.append(
            GuardIssue("too_similar", f"{echo:.0%} of it repeats the review; answer it instead of echoing it")
        )
    grams = [tuple(w) for w in zip(*(words(body)[i:] for i in range(3)))]
    if len(grams) >= 12 and len(set(grams)) / len(grams) < 0.6:
        issues.append(GuardIssue("too_similar", "repeats itself; say each thing once"))
    bank = CLICHES.get(lang) or tuple(p for ps in CLICHES.values() for p in ps)
    overlap = max(similar, max_overlap(body, bank, language=lemma_lang))
    return GuardResult(not issues, tuple(issues), round(overlap, 3))
