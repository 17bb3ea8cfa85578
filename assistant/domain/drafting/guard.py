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

from assistant.domain.classification.language import detect_language
from assistant.domain.classification.lexicon import fold
from assistant.domain.drafting.cliches import CLICHES, cliche_matches, find_phrases
from assistant.domain.drafting.fluency import check_fluency
from assistant.domain.drafting.prompting import allowed_remedies
from assistant.domain.drafting.variety import (SIMILARITY_THRESHOLD, longest_run_in, max_overlap, ngram_overlap, word_positions,
                                              words)
from assistant.playbooks import Action, Playbook, RemedyKind
from assistant.text import inspection_views, normalize

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


def _rx(*parts: str, flags: int = _I) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in parts), flags)


# -- remedies: one pattern per category, all four languages; stems cover inflections ----------------------
_MONEY = r"деньг|денег|средств|стоимост|оплат|сумм|кошт|грош|вартіст|вартост|naud|samaks|līdzekļ|summ"
_REMEDIES: dict[str, re.Pattern] = {
    "refund": _rx(
        r"\bвозврат(?:а|у|ом|е|ы|ов|им|ить)?\b(?!\s+(?:товар|посылк))", r"\bкомпенс\w*", r"\bвозме[сщ]\w*",
        rf"\bверн\w*\s+(?:\w+\s+){{0,3}}?(?:{_MONEY})", rf"\b(?:{_MONEY})\w*\s+(?:\w+\s+){{0,3}}?(?:верн|поверн)",
        rf"\bповерн\w*\s+(?:\w+\s+){{0,3}}?(?:{_MONEY})", r"\bвідшкод\w*", r"\bкомпенсу\w*",
        r"\batmaks\w*", rf"\batgriez\w*\s+(?:\w+\s+){{0,3}}?(?:{_MONEY})", r"\bnaud\w*\s+atpakaļ", r"\batlīdzīb\w*",
        r"\bkompensē\w*", r"\brefund\w*", r"\bmoney[- ]back\b", r"\breimburs\w*", r"\bcompensat\w*",
        r"\breturn\w*\s+(?:\w+\s+){0,2}?(?:money|payment|funds|the cost|the full)", r"\bpay\w*\s+you\s+back\b",
        r"(?:\d[\d\s]*(?:[.,]\d+)?\s*(?:€|\$|£|₽|₴|eur\b|euro|евро|руб|грн|гривн|гривен|uah\b|usd\b|dollar|доллар|долар|eiro))",
        r"(?:[€$£₽₴]\s*\d)",
    ),
    "discount": _rx(
        r"\bскид(?:к|оч)\w*", r"\bзниж(?:к|ок|ц)\w*", r"\batlai[dž]\w*", r"\bdiscount\w*", r"\bпромо-?код\w*",
        r"\bpromo-?kod\w*", r"\bpromo(?:tional)?[\s-]?code\w*", r"\bкупон\w*", r"\bkupon\w*", r"\bcoupon\w*",
        r"\bваучер\w*", r"\bvaučer\w*", r"\bvoucher\w*", r"\bstore credit\b", r"\d\s*%\s*off\b", r"\bбонус\w*",
        r"\bbonus\w*", r"\bполцены\b", r"\bпівціни\b", r"\bhalf[- ]price\b",
    ),
    "free": _rx(
        r"\bбесплатн\w*", r"\bбезкоштовн\w*", r"\bbez maksas\b", r"\bbezmaksas\w*", r"\bpar brīvu\b",
        r"\bв подар(?:ок|унок)\b", r"\bподар(?:им|уємо)\b", r"\bподароч\w*\s+(?:сертифик|карт)", r"\bподарунков\w*",
        r"\bdāvan(?:ā|u kart|u sertifik)\w*", r"\bdāvinā\w*", r"\bза наш (?:сч[её]т|рахунок)\b", r"\buz mūsu rēķina\b",
        r"\bfree of charge\b", r"\bfor free\b", r"(?<![-\w])(?<!feel )free\b(?!\s+to\b)(?!-)", r"\bcomplimentary\b",
        r"\bon the house\b", r"\bgift (?:card|certificate|voucher)\w*", r"\bat no (?:extra |additional )?(?:cost|charge)\b",
    ),
    "replacement": _rx(r"\bзамен\w*", r"\bобмен\w*", r"\bзамін\w*", r"\bобмін\w*", r"\bnomain\w*", r"\bapmain\w*",
                       r"\bapmaiņ\w*", r"\breplac\w*", r"\bexchang\w*"),
    "repair": _rx(r"\bремонт\w*", r"\bотремонт\w*", r"\bпочин\w*", r"\bвідремонт\w*", r"\bполагод\w*",
                  r"\bsalabo\w*", r"\bremont\w*", r"\blabošan\w*", r"\brepair\w*"),
    "redo": _rx(r"\bпередела\w*", r"\bпереробл?\w*", r"\bpārtais\w*", r"\bre-?do(?:ne)?\b"),
    "callback": _rx(r"\bперезвон\w*", r"\bпередзвон\w*", r"\bзателефону\w*", r"\bpiezvan\w*", r"\batzvan\w*",
                    r"\bcall you back\b", r"\bcall-?back\b", r"\bgive you a call\b"),
}
_PROMO_CODE = re.compile(r"(?i:\b(?:промо-?код\w*|код\w*|promo-?kod\w*|kod\w*|kupon\w*|купон\w*|code|coupon|voucher))"
                         r"\s*:?\s*[«\"'“]?([A-ZА-ЯІЇЄҐ0-9][A-ZА-ЯІЇЄҐ0-9_-]{3,})\b")
_FIX_CATEGORIES = ("replacement", "repair", "redo", "callback")
_NEG_BEFORE = re.compile(r"(?:\b(?:не|ні|нет|немає|nav|nevar\w*|not|no|cannot|can't|unable|never|без)\b"
                         r"(?:\s+\S+){0,2}\s*$)", _I)
_NOT_ONLY = re.compile(r"\b(?:не только|не лише|не тільки|ne tikai|not only)\b", _I)
_NEG_AFTER = re.compile(r"^\s*(?:\S+\s+){0,4}?(?:невозмож|не предусм|не мож|неможлив|не передбач|nav iespēj|"
                        r"nav paredz|nevar|is not possible|isn't possible|not available|impossible|cannot|can't)", _I)
_CLAUSE_BREAK = re.compile(r"[.!?;:,—–\n]")
_PERCENT_WORD = re.compile(r"^(?:процент\w*|відсот\w*|procent\w*|percent|pct)$")
_NUMBER_WORDS = [  # stems, longest first, so "пятнадцать" is not read as "пять"
    ("пятьдесят", 50), ("пятидесят", 50), ("п'ятдесят", 50), ("piecdesmit", 50), ("fifty", 50),
    ("пятнадцат", 15), ("п'ятнадцят", 15), ("piecpadsmit", 15), ("fifteen", 15), ("двадцат", 20), ("двадцят", 20),
    ("divdesmit", 20), ("twenty", 20), ("тридцат", 30), ("тридцят", 30), ("trīsdesmit", 30), ("thirty", 30),
    ("сорок", 40), ("četrdesmit", 40), ("forty", 40), ("десят", 10), ("desmit", 10), ("ten", 10),
    ("пят", 5), ("п'ят", 5), ("piec", 5), ("five", 5), ("сто", 100), ("simt", 100), ("hundred", 100),
]


def _negated(text: str, start: int, end: int) -> bool:
    before = _CLAUSE_BREAK.split(text[max(0, start - 60) : start])[-1]
    return bool(_NEG_BEFORE.search(before) and not _NOT_ONLY.search(before)) or bool(_NEG_AFTER.match(text[end:end + 60]))


# -- meaning classes (issue 18): money moving to the customer, contact channels, damaging admissions -----------
# Matched on `fold(normalize(text))`: lower case, ё→е, Latvian diacritics folded, look-alikes and invisible
# characters gone, so "zarахуємо", "pārskaitīsim" and "ｃｒｅｄｉｔ" read alike. Each class is a product of small
# vocabularies (a verb that moves money × an object that is money) rather than a list of phrases, so new wordings
# of the same promise land in it. Stems are morphology-tolerant; past tenses ("вы оплатили", "you paid") are the
# customer's own actions and are skipped.
_MOVE_VERB = re.compile(
    r"\b(?:refund\w*|credit(?:ed|ing|s)?(?!\s+cards?\b)|reimburs\w*|repa(?:y|id)\w*|pay(?:ing|s)?(?=\s+(?:you|back|for|the|all|it|every))"
    r"|return\w*|transfer\w*|send(?:ing|s)?|wire\w*|deposit\w*|cover\w*|compensat\w*|absorb\w*|bear|give\w*|put"
    r"|верн\w*|возвра\w*|зачисл\w*|перевед\w*|перевод\w*|перевест\w*|перечисл\w*|компенс\w*|возмест\w*|возмещ\w*"
    r"|выплат\w*|оплат\w*|покро\w*|покры\w*|начисл\w*|отправ\w*|вышл\w*|отда\w*|выда\w*|возьм\w*|бер[еу]\w*|взят\w*"
    r"|поверн\w*|поверта\w*|зарах\w*|переказ\w*|перекаж\w*|перерах\w*|відшкод\w*|виплат\w*|покри\w*|нарах\w*"
    r"|надішл\w*|відправ\w*|віддам\w*|візьм\w*|сплат\w*"
    r"|atmaks\w*|atgriez\w*|atdos\w*|atdot\w*|parskait\w*|ieskait\w*|kompens\w*|segs\w*|segt\w*|sedz\w*|izmaks\w*"
    r"|samaks\w*|apmaks\w*|atlidz\w*|nosut\w*|parved\w*|uznemsimies|uznemties)\b")
_MONEY_OBJECT = re.compile(
    r"\b(?:money|funds|cash|amount|sum|costs?|price|payment|fees?|bill|invoice|expenses|damages|euros?"
    r"|dollars?|pounds|card|(?:your|bank|card) account|balance|wallet|in full|every (?:cent|penny)|back to you"
    r"|деньг\w*|денег|денеж\w*|средств\w*|сумм\w*|стоимост\w*|оплат\w*|плат[её]ж\w*|плату|расход\w*|затрат\w*"
    r"|издерж\w*|руб\w*|евро|доллар\w*|карт(?:у|е|ы|а|очк\w*)|сч[её]т\w*|кошел\w*|баланс\w*|полн(?:ую|ой)|полном объеме"
    r"|грош\w*|кошт\w*|сум[аиуі]|вартіст\w*|вартост\w*|витрат\w*|грн|гривн\w*|гривень|євро|долар\w*|картк\w*|картц\w*"
    r"|рахун\w*|повн(?:у|ої)|повному обсязі"
    r"|naud\w*|summ\w*|maksu|maksa|izmaksas|cen(?:u|a|as)|kart(?:e|i|es)|kont(?:u|a|s|am)|eiro|lidzekl\w*|izdevum\w*)\b"
    r"|\d[\d\s]*(?:[.,]\d+)?\s*(?:€|\$|£|₽|₴|eur\b|usd\b|uah\b|грн|руб)|[€$£₽₴]\s*\d")
_PAST = re.compile(r"(?:л|ла|ли|ло|лся|лась|лись|лось|в|вши|вшись|ed|id)$")  # вы оплатили, ви сплатили, you paid
_PASSIVE_BEFORE = re.compile(r"\b(?:be|been|being|get|gets|getting)\s+(?:\w+\s+)?$")  # "will be transferred"
_CUSTOMER_BEFORE = re.compile(r"\b(?:you|вы|ви|jus|tu|клиент\w*|покупател\w*|customer)\s+(?:\w+\s+)?$")
_WAIVER = re.compile(
    r"\b(?:won'?t|will not|will never|shall not|do not|don'?t|no longer|not)\s+(?:need to |have to |be )?(?:charg|bill|invoic"
    r"|pay\b|paying)\w*|\bno (?:charge|fee|payment)s?\b|\bat (?:our|no) (?:own )?(?:expense|cost)\b|\b(?:next|your|the) (?:\w+ )?(?:is|are|will be) on us\b"
    r"|\bwaiv\w*|\bwrite off\b|\bcancel\w*\s+(?:\w+\s+){0,2}?(?:charge|payment|bill|fee|invoice|debt)"
    r"|\bне\s+(?:будем\s+|станем\s+|будут\s+)?(?:брать|возьм\w*|взимать|списыва\w*|спиш\w*|выставл\w*|требовать)\s+"
    r"(?:с\s+вас\s+)?(?:\w+\s+)?(?:плат\w*|деньг\w*|оплат\w*|стоимост\w*|сч[её]т\w*|ни копейки|ничего)"
    r"|\b(?:не нужно|не надо|не придется|не требуется|не нужна)\s+(?:ничего\s+)?(?:платить|оплачивать|доплачивать|оплата)"
    r"|\b(?:платить|оплачивать|доплачивать)\b[^.!?\n]{0,40}?\bне (?:нужно|надо|придется|потребуется)\b|\bза наш сч[её]т\b|\bспиш\w*\s+(?:\w+\s+)?(?:долг|задолж)\w*"
    r"|\bаннулир\w*\s+(?:\w+\s+)?(?:сч[её]т|плат[её]ж|оплат|долг)\w*"
    r"|\bне\s+(?:будемо\s+|будуть\s+)?(?:брати|візьм\w*|стягува\w*|стягн\w*|спиш\w*|списува\w*|вимагати)\s+"
    r"(?:з\s+вас\s+)?(?:\w+\s+)?(?:плат\w*|грош\w*|оплат\w*|вартіст\w*|кошт\w*|рахун\w*|ані копійки|нічого)"
    r"|\b(?:не потрібно|не треба|не доведеться)\s+(?:нічого\s+)?(?:платити|сплачувати|оплачувати|доплачувати)"
    r"|\b(?:платити|сплачувати|оплачувати|доплачувати)\b[^.!?\n]{0,40}?\bне (?:потрібно|треба|доведеться)\b"
    r"|\bза наш рахунок\b|\bnebus\s+ja\w*maksa\w*|\bnav\s+ja\w*maksa\w*|\bneiekase\w*|\bneprasis\w*\s+(?:\w+\s+)?"
    r"(?:samaks|maks|naud)\w*|\buz musu rekina\b|\bmusu rekina\b|\bbez maksas\b|\bfree of charge\b")
_COMPENSATION = re.compile(
    r"\b(?:compensat\w*|reimburs\w*|cash ?back|store credit|credit note|goodwill (?:payment|gesture|credit)|indemn\w*"
    r"|компенсац\w*|возмещени\w*|к[эе]шб[эе]к\w*|бонус\w* на (?:сч[её]т|карт)\w*|відшкодуван\w*|кешбек\w*"
    r"|kompensacij\w*|atlidzib\w*|naudas atmaks\w*)\b")
_CLAUSE_END = re.compile(r"[.!?;\n]")
_FIX_WORDS = re.compile(r"\b(?:replac\w*|exchang\w*|repair\w*|fix\w*|redo\w*|re-do\w*|new one|shipping|delivery"
                        r"|замен\w*|обмен\w*|ремонт\w*|почин\w*|передела\w*|доставк\w*|замін\w*|обмін\w*|полагод\w*"
                        r"|перероб\w*|nomain\w*|apmain\w*|remont\w*|salabo\w*|labos\w*|partais\w*|piegad\w*)")
_MONEY_REACH = 70  # characters between the verb and its money object, inside one clause


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    left = max(start - _MONEY_REACH, 0)
    before = text[left:start]
    cut = max((m.end() for m in _CLAUSE_END.finditer(before)), default=0)
    after = text[end : end + _MONEY_REACH]
    stop = _CLAUSE_END.search(after)
    return left + cut, end + (stop.start() if stop else len(after))


def money_promises(text: str) -> dict[str, list[str]]:
    """{"money": [...], "waiver": [...]}: money moved to the customer (a verb that moves money with a money object
    in the same clause, or compensation by name) and charges waived. `text` is folded (see `fold_for_checks`)."""
    found: dict[str, list[str]] = {}
    for match in _WAIVER.finditer(text):
        a, b = _clause(text, match.start(), match.end())
        tied = _FIX_WORDS.search(text, a, b)  # "we replace it free of charge": the playbook's fix, not money
        found.setdefault("waiver" if tied else "money", []).append(match.group().strip())
    text = _WAIVER.sub(lambda w: " " * len(w.group()), text)  # "at our cost" is a waiver, not money moving
    for verb in _MOVE_VERB.finditer(text):
        word = verb.group()
        if (_PAST.search(word) and not word.startswith(("refund", "credit", "reimburs", "compensat"))
                and not _PASSIVE_BEFORE.search(text[max(0, verb.start() - 30) : verb.start()])):
            continue
        if _CUSTOMER_BEFORE.search(text[max(0, verb.start() - 30) : verb.start()]):
            continue
        a, b = _clause(text, verb.start(), verb.end())
        obj = _MONEY_OBJECT.search(text, verb.end(), b) or _MONEY_OBJECT.search(text[a : verb.start()])
        if obj is None or _negated(text, verb.start(), verb.end()):
            continue
        found.setdefault("money", []).append(text[a:b].strip()[:80])
    for match in _COMPENSATION.finditer(text):
        if not _negated(text, match.start(), match.end()):
            found.setdefault("money", []).append(match.group())
    return found


_ADMISSION = re.compile(
    r"\b(?:counterfeit\w*|fakes?|knock-?offs?|replicas?|not (?:genuine|original|authentic)|pirat\w*|illegal\w*|unlicen[cs]ed"
    r"|smuggl\w*|stolen|contraband|fraud\w*|scam\w*|deceiv\w*|cheat\w*|mislead\w*|misled|lied|liable|liability"
    r"|(?:broke|violat\w*|breach\w*) (?:the |consumer )?(?:law|rights|regulations?)"
    r"|подделк\w*|поддельн\w*|контрафакт\w*|фальсификат\w*|фальшив\w*|пален\w*|незаконн\w*|нелегальн\w*|краден\w*"
    r"|контрабанд\w*|обман\w*\b(?!\s+(?:\w+\s+)?ожидан)|мошенни\w*|нарушил\w* (?:\w+ )?(?:закон|прав)\w*|не оригинал\w*|неоригинал\w*"
    r"|підробк\w*|підробл\w*|фальсифікат\w*|крадене\w*|крадені\w*|шахра\w*|порушил\w* (?:\w+ )?(?:закон|прав)\w*"
    r"|viltot\w*|viltojum\w*|kontrafakt\w*|nelegal\w*|nelikumig\w*|zagt\w*|kontraband\w*|krap\w*|maldin\w*"
    r"|parkapam (?:\w+ )?(?:likum|ties)\w*|neorigin\w*)\b")
_HEDGE = re.compile(r"\b(?:concern\w*|worr\w*|suspect\w*|think|thought|believe\w*|seem\w*|may|might|claim\w*|felt|feel\w*|"
                    r"like a|afraid|подозр\w*|сомнева\w*|сомнени\w*|кажется|показалось|опаса\w*|пережива\w*|думает\w*|"
                    r"считает\w*|підозр\w*|сумнів\w*|здається|хвилю\w*|вважає\w*|aizdom\w*|saubas|skiet\w*|domajat|uztrauc\w*)\b")
_OURS = re.compile(r"\b(?:we|our|ours|us|мы|наш\w*|нами|нас|ми|нам|mes|musu|mums|myself|i)\b")


def admissions(text: str) -> list[str]:
    """Damaging admissions about the business itself (selling counterfeit or illegal goods, fraud, breaking the
    law, liability): a term of the class with "we/our" in the same sentence, not negated. `text` is folded."""
    found = []
    for match in _ADMISSION.finditer(text):
        a, b = _clause(text, match.start(), match.end())
        if _OURS.search(text, a, b) and not _HEDGE.search(text, a, b) and not _negated(text, match.start(), match.end()):
            found.append(text[a:b].strip()[:80])
    return found


# Contact channels: any link (any TLD), bare domains, messengers, @handles, e-mails, phone numbers in digits or words.
_OBFUSCATED_DOT = re.compile(r"\s*(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\s+dot\s+|\s+точка\s+|\s+punkts\s+)\s*", _I)
_OBFUSCATED_AT = re.compile(r"\s*(?:\[at\]|\(at\)|\{at\}|\s+at\s+(?=[\w-]+(?:\.|\s+dot\s+))|\s+собака\s+|\s+собачка\s+)\s*", _I)
_ANY_URL = re.compile(r"(?i:\b(?:https?|ftp|tg|viber|whatsapp|skype|sms|tel|mailto)://?[^\s<>\"»)]+|\bwww\.[^\s<>\"»)]+)"
                      r"|\b(?:[a-z0-9][a-z0-9-]{0,62}\.)+(?:[a-z]{2,24}|рф|укр)\b(?:/[^\s<>\"»)]*)?")
_NOT_DOMAIN = re.compile(r"^(?:e\.g|i\.e|etc|vs|a\.m|p\.m|т\.е|т\.д|т\.п|u\.c|u\.tml)$|\.(?:jpe?g|png|gif|pdf|docx?|xlsx?|zip)$")
_MESSENGER = re.compile(
    r"\b(?:telegram\w*|whats ?app\w*|viber\w*|wechat|skype|instagram|insta|facebook|messenger|tiktok|snapchat"
    r"|discord|телеграм\w*|телегу|телеге|тг|вайбер\w*|вайбере|ватсап\w*|вотсап\w*|вацап\w*|инстаграм\w*|інстаграм\w*"
    r"|фейсбук\w*|вк|вконтакте|скайп\w*)\b", _I)
_HANDLE = re.compile(r"(?<![\w.@+-])@[A-Za-z0-9_][A-Za-z0-9_.]{2,31}\b")
_DIGIT_WORDS = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ноль": 0, "нуль": 0, "один": 1, "одна": 1, "раз": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5,
    "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "одну": 1, "дві": 2, "чотири": 4, "п'ять": 5, "шість": 6,
    "сім": 7, "вісім": 8, "дев'ять": 9, "nulle": 0, "viens": 1, "divi": 2, "tris": 3, "cetri": 4, "pieci": 5,
    "sesi": 6, "septini": 7, "astoni": 8, "devini": 9,
}
_TENS_WORDS = {"twenty": 2, "thirty": 3, "forty": 4, "fifty": 5, "sixty": 6, "seventy": 7, "eighty": 8, "ninety": 9,
               "двадцать": 2, "тридцать": 3, "сорок": 4, "пятьдесят": 5, "шестьдесят": 6, "семьдесят": 7,
               "восемьдесят": 8, "девяносто": 9, "двадцять": 2, "тридцять": 3, "п'ятдесят": 5, "шістдесят": 6,
               "сімдесят": 7, "вісімдесят": 8, "дев'яносто": 9, "divdesmit": 2, "trisdesmit": 3, "cetrdesmit": 4,
               "piecdesmit": 5, "sesdesmit": 6, "septindesmit": 7, "astondesmit": 8, "devindesmit": 9}
_TEEN_WORDS = ("ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen десять одиннадцать "
               "двенадцать тринадцать четырнадцать пятнадцать шестнадцать семнадцать восемнадцать девятнадцать "
               "одинадцять дванадцять тринадцять чотирнадцять п'ятнадцять шістнадцять сімнадцять вісімнадцять "
               "дев'ятнадцять desmit vienpadsmit divpadsmit trispadsmit cetrpadsmit piecpadsmit sespadsmit "
               "septinpadsmit astonpadsmit devinpadsmit").split()
_NUMBER_TOKEN = re.compile(r"[\w']+|[^\w\s']")
_NUMBER_GLUE = frozenset({"-", "(", ")", "+", "plus", "плюс", "pluss", "and", "и", "і", "та", "un", ",", "/"})


def phone_in_words(text: str) -> list[str]:
    """Phone numbers spelled out: seven or more digits told by number words ("two six one…", "двадцать шесть…",
    "divi seši…"), digits and words mixed. `text` is folded."""
    found, run, digits = [], [], 0
    for token in [*_NUMBER_TOKEN.findall(text), "."]:
        if token.isdigit():
            size = len(token)
        elif token in _TENS_WORDS:
            size = 2
        elif token in _DIGIT_WORDS:
            size = 0 if run and run[-1] in _TENS_WORDS else 1  # "twenty six" is two digits, not three
        elif token in _TEEN_WORDS:
            size = 2
        elif token in _NUMBER_GLUE and run:
            run.append(token)
            continue
        else:
            if digits >= 7 and any(not t.isdigit() for t in run if t not in _NUMBER_GLUE):
                found.append(" ".join(run))
            run, digits = [], 0
            continue
        run.append(token)
        digits += size
    return found


def contact_channels(text: str) -> dict[str, list[str]]:
    """Every way to reach someone in `text` (normalized, case kept): links of any TLD and bare domains (also
    written "example[.]com", "t . me"), messengers, @handles, e-mails (also "name [at] domain"), phones in words."""
    text = _OBFUSCATED_AT.sub("@", _OBFUSCATED_DOT.sub(".", text))
    text = re.sub(r"\b(t|wa)\s*\.\s*me\s*/\s*", r"\1.me/", text, flags=_I)
    emails = _EMAIL.findall(text)
    rest = _EMAIL.sub(" ", text)
    links = [u for u in _ANY_URL.findall(rest.lower()) if not _NOT_DOMAIN.search(u.rstrip(".,;:!?"))]
    return {
        "email": emails,
        "link": [u.rstrip(".,;:!?") for u in links],
        "handle": _HANDLE.findall(rest),
        "messenger": [m.group() for m in _MESSENGER.finditer(rest)],
        "phone_words": phone_in_words(fold(rest)),
    }


def fold_for_checks(text: str) -> str:
    """The form the meaning classes read: normalized (assistant.text) and folded (lexicon.fold)."""
    return fold(normalize(text)).replace("ё", "е")


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
            why = "the playbook does not allow it" if not playbook.allows(RemedyKind.refund) else f"not for {action.value}"
            issues.append(GuardIssue("unauthorized_remedy", f"promises a refund, compensation or money ({quote}): {why}"))
        elif category == "discount" and (kind != "reply" or RemedyKind.discount not in offered):
            why = ("never offer anything for a rating" if kind != "reply" else
                   "the playbook allows no discount" if playbook.discount_cap is None else
                   "only offer_discount replies may mention a discount")
            issues.append(GuardIssue("unauthorized_remedy", f"mentions a discount or voucher ({quote}): {why}"))
        elif category == "free" and not (action == Action.offer_fix and offered & {RemedyKind.replacement,
                                                                                    RemedyKind.repair, RemedyKind.redo}):
            issues.append(GuardIssue("unauthorized_remedy", f"promises something free ({quote}): not in the playbook"))
        elif category in _FIX_CATEGORIES and action != Action.thank and not playbook.allows(category):
            # thank replies talk about the service itself ("the repair was quick"), so only money is checked there
            issues.append(GuardIssue("unauthorized_remedy", f"offers {category} ({quote}): the playbook does not allow it"))
    known = " ".join(r.description for r in playbook.remedies) + " " + (review_text or "")  # order numbers echo
    invented = [c for c in _PROMO_CODE.findall(text) if c not in known and not c.isdigit()]
    if invented:
        issues.append(GuardIssue("unauthorized_remedy", f"invents a promo code ({', '.join(invented)}) the business never issued"))
    cap = playbook.discount_cap
    if cap is not None and kind == "reply" and action == Action.offer_discount:
        over = [p for p in percentages(text) if p > cap]
        if over:
            issues.append(GuardIssue("discount_over_cap", f"offers {max(over)}%; the playbook caps discounts at {cap}%"))
    return issues


# -- leaks, canaries, AI mentions --------------------------------------------------------------------------
_LEAK_MARKERS = _rx(
    r"\bas an ai\b", r"\blanguage model\b", r"\bsystem (?:prompt|message|instruction)s?\b", r"\bmy (?:instructions|prompt)\b",
    r"\bi (?:was|have been|am|'m) (?:instructed|told to|programmed)\b", r"\baccording to (?:my|the) instructions\b",
    r"\bas instructed\b", r"\bplaybook\b", r"\buntrusted\b", r"\ballowed remedies\b", r"\bform of address\b",
    r"\bstock phrases\b", r"\b(?:offer_fix|offer_discount|do_not_engage)\b", r"\bhere is (?:a|the|my|your) (?:draft|reply|response)\b",
    r"\bсистемн\w* (?:промпт|сообщени|инструкци|повідомлен|інструкці)\w*", r"\bпромпт\w*", r"\bмо(?:и|им|ї|їм) інструкці\w*",
    r"\bмо(?:и|им|ими) инструкци\w*", r"\bсогласно (?:моим |полученным )?инструкци\w*", r"\bзгідно (?:з )?(?:моїми )?інструкці\w*",
    r"\bкак (?:языковая модель|ии)\b", r"\bяк (?:мовна модель|ші)\b", r"\bsistēmas (?:uzvedn|ziņojum|instrukcij)\w*",
    r"\bmanas instrukcijas\b", r"\bsaskaņā ar (?:manām )?instrukcijām\b", r"\bkā valodas modelis\b",
    r"<<<|>>>|\breview [0-9a-f]{8}\b", r"\bi (?:can't|cannot|am unable to|'m unable to) (?:assist|help|comply)\b",
    r"\bas an? (?:helpful |virtual )?assistant\b", r"\bi'm sorry, but i can't\b",
)
_PROMPT_HEADINGS = re.compile(r"\b(?:REMEDIES|STRUCTURE|TONE AND FORM|FACTS YOU MAY USE|DO NOT WRITE|SAFETY|TASK)\b\s*[(:]")
_AI_WORDS = _rx(
    r"\bartificial intelligence\b", r"\bchat-?bots?\b", r"\bbots?\b", r"\bneural network\w*", r"\b(?:ai|virtual) assistant\b",
    r"\bискусственн\w* интеллект\w*", r"\bнейро(?:сет|мереж)\w*", r"\bнейронн\w* сет\w*", r"\b(?:языков|мовн)\w* модел\w*",
    r"\bчат-?бот\w*", r"\bбот(?:а|ом|у|ы|и)?\b", r"\bштучн\w* інтелект\w*", r"\bmākslīg\w* intelekt\w*",
    r"\bvalodas model\w*", r"\bčatbot\w*", r"\btērzēšanas robot\w*", r"\blanguage model\b",
)
_AI_ACRONYMS = re.compile(r"\b(?:AI|ИИ|ШІ|MI)\b")
_TRIGGER = _rx(
    r"\b(?:end|start|begin|finish|close|sign)\w*\s+(?:\w+\s+){0,2}?(?:with|by|using|as)\b",
    r"\b(?:write|writing|include|add|say|type|print|output|repeat|mention|insert|append|use|put)\b", r"\b(?:reply|respond|answer) with\b",
    r"\b(?:напиш|добав|включ|встав|скаж|повтор|упомян|ответ|начн|законч|заверш|подпиш|вывед|использ|дода|згада|відповід|"
    r"почн|закінч|підпиш|використ|uzrakst|raksti|pievieno|iekļauj|ievieto|pasak|saki|atkārto|piemin|atbild|sāc|beidz|pabeidz|"
    r"paraksti|izmanto)\w*",
)
_QUOTED = re.compile(r"[\"“”«»„']([^\"“”«»„'\n]{2,80})[\"“”«»„']")
_CODE_TOKEN = re.compile(r"\b(?=[\w-]*[A-Za-zА-Яа-яІіЇїЄєҐґĀ-ž])(?:[A-ZА-ЯІЇЄҐĀ-Ž0-9_-]{4,}|[\w-]*\d[\w-]*[^\W\d_][\w-]*|"
                         r"[\w-]*[^\W\d_][\w-]*\d[\w-]*|\w+_\w+)\b")
_WORD_AFTER = re.compile(r"\b(?:word|phrase|code|password|слово|фразу|код|пароль|vārdu|vārds|frāzi|kodu|paroli)\s+"
                         r"[\"“«„']?([^\s\"”»'.,!?]{2,40})", _I)


_CAPS_WORD = re.compile(r"^[^\W\d_]+$")
# A forged chat turn or prompt fence ("</review> Assistant: …", "[SYSTEM]", "<system>"): what follows is a script
# for the reply, so any code in it counts as requested, whether or not a request verb precedes it.
_FORGED_TURN = _rx(r"</?\s*(?:review|system|assistant|user|instructions?)\s*>", r"\b(?:assistant|system)\s*:",
                   r"\[(?:system|sistēma|система)\]")
_ORDER_REF = re.compile(r"(?:№|#|order|tracking|заказ\w*|замовлен\w*|накладн\w*|ттн|посылк\w*|pasūtījum\w*|sūtījum\w*|nr\.?)\s*:?\s*$", _I)


def requested_tokens(review_text: str) -> list[str]:
    """What a review asks the reply to contain: quoted text, codes and ALL-CAPS words after a request verb.
    Order numbers and shouting (several ALL-CAPS words in a row) are not requests."""
    found: list[str] = []
    for trigger in _TRIGGER.finditer(review_text):
        window = review_text[trigger.end() : trigger.end() + 120]
        window = re.split(r"(?<=[.!?])\s", window, maxsplit=1)[0]
        found += [q.strip() for q in _QUOTED.findall(window) if q.strip()]
        codes = [m for m in _CODE_TOKEN.finditer(window) if not m.group().isdigit()
                 and not _ORDER_REF.search(window[: m.start()])]
        shouting = sum(1 for m in codes if _CAPS_WORD.match(m.group())) > 2
        found += [m.group() for m in codes if not (shouting and _CAPS_WORD.match(m.group()))]
        found += _WORD_AFTER.findall(window)
        colon = re.match(r"[^:\n]{0,30}:\s*([^\n.!?]{3,80})(?![^\n.!?]*\?)(?!\?)", window)
        if colon and len(words(colon.group(1))) >= 2:
            found.append(colon.group(1).strip())
    for turn in _FORGED_TURN.finditer(review_text):
        tail = review_text[turn.end() : turn.end() + 300]
        found += [m.group() for m in _CODE_TOKEN.finditer(tail) if not m.group().isdigit() and not _CAPS_WORD.match(m.group())]
    return list(dict.fromkeys(found))


def _contains(haystack_words: list[str], phrase: str) -> bool:
    needle = words(phrase)
    n = len(needle)
    return bool(n) and any(haystack_words[i : i + n] == needle for i in range(len(haystack_words) - n + 1))


def _check_canary(text: str, review_text: str, allowed_text: str) -> list[GuardIssue]:
    draft_words, allowed_words = words(text), words(allowed_text)
    obeyed = [t for t in requested_tokens(review_text) if _contains(draft_words, t) and not _contains(allowed_words, t)
              and (not (_CAPS_WORD.match(t) and t.isupper()) or re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text))]
    return [GuardIssue("canary_obeyed", f"repeats «{t}», which the review asked the reply to include") for t in obeyed]


def _facts(playbook: Playbook) -> list[str]:
    """Brand facts a reply may quote verbatim: name, signatures, contacts, remedy descriptions."""
    contact = playbook.brand.contact
    parts = [playbook.brand.name, *playbook.brand.signature.values(), contact.email or "", contact.phone or "",
             contact.url or "", *(r.description for r in playbook.remedies)]
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
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Bare domains are matched in lower case only, so "it.To be sure" (a missing space) is not a link.
_URL = re.compile(r"(?i:(?:https?://|www\.)[^\s<>\"»)]+)|\b(?:[a-z0-9-]{2,}\.)+(?:com|net|org|info|biz|io|co|me|app|shop|"
                  r"store|online|site|ru|ua|lv|eu|by|kz|uk|de|pl|lt|ee|us|ly|to|gl|link|top|xyz|рф)\b(?:/[^\s<>\"»)]*)?")
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d \t().\-]{5,}\d(?![\w])")
_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_PLACEHOLDER = re.compile(
    r"\[[^\]\n]{1,40}\]|\{\{?[^{}\n]{0,40}\}\}?|<[^<>@\n]{1,40}>|\bX{3,}\b|\bx{3,}\b|_{3,}|\$[A-Za-z_]\w*|%\(\w+\)s|"
    r"\w+\s?\(-?(?:ая|яя|а|на|ла|ий|ой|ка)\)"
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
    links = [u for u in dict.fromkeys(_URL.findall(rest) + channels["link"])
             if _host(u) not in allowed_hosts and not any(_host(u).endswith("." + h) for h in allowed_hosts)]
    links = [u for u in links if not any(_host(u) != _host(v) and _host(v).endswith("." + _host(u)) for v in links)]
    if links:
        issues.append(GuardIssue("link_not_allowed", f"gives a link that is not the brand's: {', '.join(links[:3])}"))
    facts = " ".join(_facts(playbook)).lower()
    other = [c for c in dict.fromkeys(channels["handle"] + channels["messenger"]) if c.lower() not in facts]
    if other:
        issues.append(GuardIssue("contact_not_allowed",
                                 f"sends the customer to a channel that is not the brand's: {', '.join(other[:3])}"))
    brand_digits = re.sub(r"\D", "", contact.phone or "")
    order_digits = {re.sub(r"\D", "", m.group()) for m in _PHONE.finditer(review_text or "")
                    if _ORDER_REF.search((review_text or "")[max(0, m.start() - 25) : m.start()])}
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
        issues.append(GuardIssue("phone_not_allowed", f"gives a phone number that is not the brand's: {', '.join(phones)}"))
    return issues


def _check_admissions(text: str) -> list[GuardIssue]:
    found = admissions(fold_for_checks(text))
    if not found:
        return []
    quote = "; ".join(f"«{f}»" for f in dict.fromkeys(found[:2]))
    return [GuardIssue("damaging_admission", f"admits something that damages the business ({quote}): counterfeit, "
                                             "illegal goods, fraud or liability are never admitted in a public reply")]


# -- language ----------------------------------------------------------------------------------------------
_CYRILLIC = re.compile(r"[а-яёіїєґ]", _I)
_LETTER = re.compile(r"[^\W\d_]")
_NAMES = {"ru": "Russian", "uk": "Ukrainian", "lv": "Latvian", "en": "English", "und": "an unknown language"}
_ONLY = {"uk": re.compile(r"[іїєґ]", _I), "ru": re.compile(r"[ыэъё]", _I)}


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
    found = detect_language(body)
    if found.code in SERVED and found.code != language:
        return [GuardIssue("language_mismatch", f"written in {_NAMES[found.code]}, the review is in {want}")]
    foreign = 0
    for sentence in re.split(r"(?<=[.!?…])\s+|\n+", body):
        size = len(_LETTER.findall(sentence))
        if size < 30:
            continue
        guess = detect_language(sentence)
        if guess.code in SERVED and guess.code != language and guess.confidence >= 0.6:
            pair = {guess.code, language} == {"ru", "uk"}
            if not pair or _ONLY[guess.code].search(sentence):
                foreign += size
    if foreign / letters >= 0.3:
        return [GuardIssue("language_mismatch", f"partly written in another language; write everything in {want}")]
    return []


# -- the check ---------------------------------------------------------------------------------------------

def policy_issues(text: str, *, review_text: str, action: Action, playbook: Playbook, system_prompt: str = "",
                  kind: str = "reply") -> list[GuardIssue]:
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
    issues += [GuardIssue(*i) for i in check_fluency(text, review_text=review_text, language=language, action=action,
                                                     allowed=_facts(playbook))]
    length = playbook.length_for(platform)
    if len(text) < length.min_chars:
        issues.append(GuardIssue("too_short", f"{len(text)} characters; write at least {length.min_chars}"))
    if len(text) > length.max_chars:
        issues.append(GuardIssue("too_long", f"{len(text)} characters; write at most {length.max_chars}"))
    issues += _check_language(text, language, playbook)
    issues += policy_issues(text, review_text=review_text, action=action, playbook=playbook,
                            system_prompt=system_prompt, kind=kind)
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
        issues.append(GuardIssue("cliche", f"{where} stock phrases: {', '.join('«' + m.phrase + '»' for m in cliches)}; "
                                           "say the specific thing instead"))
    body = _strip_facts(text, playbook)
    lemma_lang = language if language in SERVED else None
    recent = [_strip_facts(r, playbook) for r in recent_replies if r and r.strip()]
    similar = max_overlap(body, recent, language=lemma_lang)
    if similar > SIMILARITY_THRESHOLD:
        issues.append(GuardIssue("too_similar", f"{similar:.0%} of it repeats a recent reply; write it afresh"))
    echo = ngram_overlap(body, review_text or "", language=lemma_lang) if len(words(body)) >= 8 else 0.0
    if echo > ECHO_THRESHOLD:
        issues.append(GuardIssue("too_similar", f"{echo:.0%} of it repeats the review; answer it instead of echoing it"))
    grams = [tuple(w) for w in zip(*(words(body)[i:] for i in range(3)))]
    if len(grams) >= 12 and len(set(grams)) / len(grams) < 0.6:
        issues.append(GuardIssue("too_similar", "repeats itself; say each thing once"))
    bank = CLICHES.get(lang) or tuple(p for ps in CLICHES.values() for p in ps)
    overlap = max(similar, max_overlap(body, bank, language=lemma_lang))
    return GuardResult(not issues, tuple(issues), round(overlap, 3))
