"""Meaning classes for what a reply must never say, in ru, uk, lv and en: money moved to the customer, charges
waived, compensation; contact channels (links of any TLD, messengers, handles, e-mails, phones in digits or in
words); damaging admissions (counterfeit, illegal goods, fraud, liability).

Why classes and not phrases: "credit it back to your card", "зачислим полную стоимость" and "pārskaitīsim visu
summu" share no word with "refund", but all are a verb that moves money with a money object. Each class is a
product of small vocabularies, matched on `fold_for_checks(text)` (normalized, lower case, Latvian diacritics
folded). Used by the draft guard (is the draft promising it?) and by injection detection (is the review asking
for it?). Every pattern is linear: bounded windows, no nested unbounded quantifiers.
"""

from __future__ import annotations

import re

from assistant.text.normalize import normalize
from assistant.text.scripts import fold

_I = re.IGNORECASE

_NEG_BEFORE = re.compile(
    r"(?:\b(?:не|ні|нет|немає|nav|nevar\w*|not|no|cannot|can't|unable|never|без)\b"
    r"(?:\s+\S+){0,2}\s*$)",
    _I,
)
_NOT_ONLY = re.compile(r"\b(?:не только|не лише|не тільки|ne tikai|not only)\b", _I)
_NEG_AFTER = re.compile(
    r"^\s*(?:\S+\s+){0,4}?(?:невозмож|не предусм|не мож|неможлив|не передбач|nav iespēj|nav iespej|"
    r"nav paredz|nevar|is not possible|isn't possible|not available|impossible|cannot|can't)",
    _I,
)
_CLAUSE_BREAK = re.compile(r"[.!?;:,—–\n]")


def _negated(text: str, start: int, end: int) -> bool:
    before = _CLAUSE_BREAK.split(text[max(0, start - 60) : start])[-1]
    return bool(_NEG_BEFORE.search(before) and not _NOT_ONLY.search(before)) or bool(
        _NEG_AFTER.match(text[end : end + 60])
    )


_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")  # from a run's start: linear
# Matched on `fold(normalize(text))`: lower case, ё→е, Latvian diacritics folded, look-alikes and invisible
# characters gone, so "zarахуємо", "pārskaitīsim" and "ｃｒｅｄｉｔ" read alike. Each class is a product of small
# vocabularies (a verb that moves money × an object that is money) rather than a list of phrases, so new wordings
# of the same promise land in it. Stems are morphology-tolerant; past tenses ("вы оплатили", "you paid") are the
# customer's own actions and are skipped.
_MOVE_VERB = re.compile(
    r"\b(?:refund\w*|credit(?:ed|ing|s)?(?!\s+cards?\b)|reimburs\w*|repa(?:y|id)\w*|pay(?:ing|s)?(?=\s+(?:you|back|for|the|all|it|every))"
    r"|return\w*|transfer\w*|send(?:ing|s)?|wire\w*|deposit\w*|cover\w*|compensat\w*|absorb\w*|bear|give\w*|put"
    r"|верн\w*|возвра\w*|зачисл\w*|перевед\w*|перевод\w*|перевест\w*|перечисл\w*|компенс\w*|возмест\w*|возмещ\w*"
    r"|(?:goes|go|going|comes|come|coming) back|поступ\w*|вернутся|вернется|надійд\w*|надход\w*|повернуться|повернеться"
    r"|ienak\w*|atgriezis\w*"
    r"|выплат\w*|оплат\w*|покро\w*|покры\w*|начисл\w*|отправ\w*|вышл\w*|отда\w*|выда\w*|возьм\w*|бер[еу]\w*|взят\w*"
    r"|поверн\w*|поверта\w*|зарах\w*|переказ\w*|перекаж\w*|перерах\w*|відшкод\w*|виплат\w*|покри\w*|нарах\w*"
    r"|надішл\w*|відправ\w*|віддам\w*|візьм\w*|сплат\w*"
    r"|atmaks\w*|atgriez\w*|atdos\w*|atdot\w*|parskait\w*|ieskait\w*|kompens\w*|segs\w*|segt\w*|sedz\w*|izmaks\w*"
    r"|samaks\w*|apmaks\w*|atlidz\w*|nosut\w*|parved\w*|uznemsimies|uznemties)\b"
)
_MONEY_OBJECT = re.compile(
    r"\b(?:money|funds|cash|amount|sum|costs?|price|payment|fees?|bill|invoice|expenses|damages|euros?"
    r"|dollars?|pounds|card|(?:your|bank|card) account|balance|wallet|in full|every (?:cent|penny)|back to you"
    r"|деньг\w*|денег|денеж\w*|средств\w*|сумм\w*|стоимост\w*|оплат\w*|плат[её]ж\w*|плату|расход\w*|затрат\w*"
    r"|издерж\w*|руб\w*|евро|доллар\w*|карт(?:у|е|ы|а|очк\w*)|сч[её]т\w*|кошел\w*|баланс\w*|полн(?:ую|ой)|полном объеме"
    r"|грош\w*|кошт\w*|сум[аиуі]|вартіст\w*|вартост\w*|витрат\w*|грн|гривн\w*|гривень|євро|долар\w*|картк\w*|картц\w*"
    r"|рахун\w*|повн(?:у|ої)|повному обсязі"
    r"|naud\w*|summ\w*|maksu|maksa|izmaksas|cen(?:u|a|as)|kart(?:e|i|es)|kont(?:u|a|s|am)|eiro|lidzekl\w*|izdevum\w*)\b"
    r"|\d[\d\s]{0,15}(?:[.,]\d{1,4})?\s*(?:€|\$|£|₽|₴|eur\b|usd\b|uah\b|грн|руб)|[€$£₽₴]\s*\d"
)  # bounded: linear
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
    r"(?:samaks|maks|naud)\w*|\buz musu rekina\b|\bmusu rekina\b|\bbez maksas\b|\bfree of charge\b"
)
_COMPENSATION = re.compile(
    r"\b(?:compensat\w*|reimburs\w*|cash ?back|store credit|credit note|goodwill (?:payment|gesture|credit)|indemn\w*"
    r"|компенсац\w*|возмещени\w*|к[эе]шб[эе]к\w*|бонус\w* на (?:сч[её]т|карт)\w*|відшкодуван\w*|кешбек\w*"
    r"|kompensacij\w*|atlidzib\w*|naudas atmaks\w*)\b"
)
_CLAUSE_END = re.compile(r"[.!?;\n]")
_FIX_WORDS = re.compile(
    r"\b(?:replac\w*|exchang\w*|repair\w*|fix\w*|redo\w*|re-do\w*|new one|shipping|delivery"
    r"|замен\w*|обмен\w*|ремонт\w*|почин\w*|передела\w*|доставк\w*|замін\w*|обмін\w*|полагод\w*"
    r"|перероб\w*|nomain\w*|apmain\w*|remont\w*|salabo\w*|labos\w*|partais\w*|piegad\w*)"
)
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
        if (
            _PAST.search(word)
            and not word.startswith(("refund", "credit", "reimburs", "compensat"))
            and not _PASSIVE_BEFORE.search(text[max(0, verb.start() - 30) : verb.start()])
        ):
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
    r"|parkapam (?:\w+ )?(?:likum|ties)\w*|neorigin\w*)\b"
)
_HEDGE = re.compile(
    r"\b(?:concern\w*|worr\w*|suspect\w*|think|thought|believe\w*|seem\w*|may|might|claim\w*|felt|feel\w*|"
    r"like a|afraid|подозр\w*|сомнева\w*|сомнени\w*|кажется|показалось|опаса\w*|пережива\w*|думает\w*|"
    r"считает\w*|підозр\w*|сумнів\w*|здається|хвилю\w*|вважає\w*|aizdom\w*|saubas|skiet\w*|domajat|uztrauc\w*)\b"
)
_OURS = re.compile(r"\b(?:we|our|ours|us|мы|наш\w*|нами|нас|ми|нам|mes|musu|mums|myself|i)\b")


def admissions(text: str) -> list[str]:
    """Damaging admissions about the business itself (selling counterfeit or illegal goods, fraud, breaking the
    law, liability): a term of the class with "we/our" in the same sentence, not negated. `text` is folded."""
    found = []
    for match in _ADMISSION.finditer(text):
        a, b = _clause(text, match.start(), match.end())
        if (
            _OURS.search(text, a, b)
            and not _HEDGE.search(text, a, b)
            and not _negated(text, match.start(), match.end())
        ):
            found.append(text[a:b].strip()[:80])
    return found


# Contact channels: any link (any TLD), bare domains, messengers, @handles, e-mails, phone numbers in digits or words.
# Single optional spaces around a spelled-out dot or at (the text is normalized: no runs to backtrack over).
_OBFUSCATED_DOT = re.compile(
    r" ?(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}) ?| (?:dot|точка|punkts) (?=[a-zа-я])", _I
)
_OBFUSCATED_AT = re.compile(
    r" ?(?:\[at\]|\(at\)|\{at\}|\[собака\]) ?| (?:собака|собачка) (?=\w)"
    r"| at (?=[\w-]{1,64} ?(?:\[\.\]|\(\.\)|\[dot\]|\(dot\)| dot ))",
    _I,
)
_ANY_URL = re.compile(
    r"(?i:\b(?:https?|ftp|tg|viber|whatsapp|skype|sms|tel|mailto)://?[^\s<>\"»)]+|\bwww\.[^\s<>\"»)]+)"
    r"|(?<![a-z0-9.-])(?:[a-z0-9][a-z0-9-]{0,62}\.)+(?:[a-z]{2,24}|рф|укр)\b(?:/[^\s<>\"»)]*)?"
)
_NOT_DOMAIN = re.compile(
    r"^(?:e\.g|i\.e|etc|vs|a\.m|p\.m|т\.е|т\.д|т\.п|u\.c|u\.tml)$|\.(?:jpe?g|png|gif|pdf|docx?|xlsx?|zip)$"
)
_MESSENGER = re.compile(
    r"\b(?:telegram\w*|whats ?app\w*|viber\w*|wechat|skype|instagram|insta|facebook|messenger|tiktok|snapchat"
    r"|discord|телеграм\w*|телегу|телеге|тг|вайбер\w*|вайбере|ватсап\w*|вотсап\w*|вацап\w*|инстаграм\w*|інстаграм\w*"
    r"|фейсбук\w*|вк|вконтакте|скайп\w*)\b",
    _I,
)
_HANDLE = re.compile(r"(?<![\w.@+-])@[A-Za-z0-9_][A-Za-z0-9_.]{2,31}\b")
_DIGIT_WORDS = {
    "zero": 0,
    "oh": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ноль": 0,
    "нуль": 0,
    "один": 1,
    "одна": 1,
    "раз": 1,
    "два": 2,
    "две": 2,
    "три": 3,
    "четыре": 4,
    "пять": 5,
    "шесть": 6,
    "семь": 7,
    "восемь": 8,
    "девять": 9,
    "одну": 1,
    "дві": 2,
    "чотири": 4,
    "п'ять": 5,
    "шість": 6,
    "сім": 7,
    "вісім": 8,
    "дев'ять": 9,
    "nulle": 0,
    "viens": 1,
    "divi": 2,
    "tris": 3,
    "cetri": 4,
    "pieci": 5,
    "sesi": 6,
    "septini": 7,
    "astoni": 8,
    "devini": 9,
}
_TENS_WORDS = {
    "twenty": 2,
    "thirty": 3,
    "forty": 4,
    "fifty": 5,
    "sixty": 6,
    "seventy": 7,
    "eighty": 8,
    "ninety": 9,
    "двадцать": 2,
    "тридцать": 3,
    "сорок": 4,
    "пятьдесят": 5,
    "шестьдесят": 6,
    "семьдесят": 7,
    "восемьдесят": 8,
    "девяносто": 9,
    "двадцять": 2,
    "тридцять": 3,
    "п'ятдесят": 5,
    "шістдесят": 6,
    "сімдесят": 7,
    "вісімдесят": 8,
    "дев'яносто": 9,
    "divdesmit": 2,
    "trisdesmit": 3,
    "cetrdesmit": 4,
    "piecdesmit": 5,
    "sesdesmit": 6,
    "septindesmit": 7,
    "astondesmit": 8,
    "devindesmit": 9,
}
_TEEN_WORDS = (
    "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen десять одиннадцать "
    "двенадцать тринадцать четырнадцать пятнадцать шестнадцать семнадцать восемнадцать девятнадцать "
    "одинадцять дванадцять тринадцять чотирнадцять п'ятнадцять шістнадцять сімнадцять вісімнадцять "
    "дев'ятнадцять desmit vienpadsmit divpadsmit trispadsmit cetrpadsmit piecpadsmit sespadsmit "
    "septinpadsmit astonpadsmit devinpadsmit"
).split()
_NUMBER_TOKEN = re.compile(r"[\w']+|[^\w\s']")
_NUMBER_GLUE = frozenset({"-", "(", ")", "+", "plus", "плюс", "pluss", "and", "и", "і", "та", "un", ",", "/"})


def phone_in_words(text: str) -> list[str]:
    """Phone numbers spelled out: seven or more digits told by number words ("two six one…", "двадцать шесть…",
    "divi seši…"), digits and words mixed. `text` is folded."""
    found: list[str] = []
    run: list[str] = []
    digits = 0
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
    text = re.sub(r"\b(t|wa) ?\. ?me ?/ ?", r"\1.me/", text, flags=_I)
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
