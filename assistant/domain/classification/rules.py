"""First-stage classification by rules: the stage that must hold up when the LLM is weak or absent.

Why rules first: the embedded model cannot be trusted to spot extortion or a prompt-injection, and most
reviews are plain ("курьер опоздал", "paldies, viss ātri"). Do-not-engage patterns run first (in all four
languages, on the whole text, so an injected order can only ever make a review *less* engageable); then
lexicon cues + the playbook's rating bands pick thank / apologize / offer_fix / offer_discount, bent to what
the playbook allows. `decided` says whether a second (LLM) opinion could still add something.
Vocabulary lives in data modules: cues.py (words), patterns.py (do-not-engage and fault shapes), injection.py
(orders aimed at a model). When a review carries such an order, its language is that of the customer's own
words, so an English order pasted into a Russian review is answered (by a person) in Russian.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import islice

from assistant.domain.classification.injection import Finding, customer_text, find_injection
from assistant.domain.classification.language import UNDETERMINED, detect_language
from assistant.domain.classification.lexicon import Hit, emoji_balance, lemmas, lexicon, tokenize
from assistant.domain.classification.patterns import (
    ABUSE,
    AIMED,
    EXTORTION_AUDIENCE,
    EXTORTION_CONDITION,
    EXTORTION_DEMAND,
    EXTORTION_REVERSE,
    EXTORTION_THREAT,
    FIX_SHAPES,
    IF_NOT,
    INSULT_ADJECTIVE,
    LEGAL,
    LEGAL_LV_COURT,
    PERKS,
    PERSON,
    PROFANITY,
    QUOTED,
    SARCASM_CUES,
    SPAM_CALL,
    SPAM_CODE,
    SPAM_HANDLE,
    SPAM_LINK,
    SPAM_MESSENGER,
    SPAM_PHONE,
    SPAM_PROMO,
    STRONG_COMPLAINT,
    SYMPTOM_NOT,
)
from assistant.domain.classification.patterns import (
    LETTERS as _LETTERS,
)
from assistant.playbooks import Action, DoNotEngageKind, Playbook, RemedyKind
from assistant.text.normalize import normalize
from assistant.text.scripts import fold, mixed_words

FIX_REMEDIES = frozenset(
    {RemedyKind.replacement, RemedyKind.redo, RemedyKind.repair, RemedyKind.refund, RemedyKind.callback}
)
DECIDED_AT = 0.6
_MESSENGER_LINK = re.compile(r"\b(?:t|wa)\.me/\S+", re.IGNORECASE)
LETTERS_RUN = re.compile(r"[^\W\d_]{2,}")
_DNE_ORDER = ("injection", "extortion", "legal_threat", "abuse", "spam", "stop_word", "off_topic")
_DNE_SEVERITY = {
    "injection": 4,
    "extortion": 5,
    "legal_threat": 5,
    "abuse": 3,
    "spam": 1,
    "stop_word": 3,
    "off_topic": 1,
}
# Kinds that name a customer who still gets an answer unless the playbook refuses them: a careful draft that a
# person with authority approves (reason "escalate:<code>"), never silence: an unhappy customer who wrote is not
# ignored, and readers judge a business by how politely it handles a conflict.
ESCALATE = {"legal_threat": "legal", "stop_word": "stop_word", "abuse": "abuse"}
LONG_REVIEW = 40  # tokens: a story this long with a complaint in it is a customer, whatever else it says


@dataclass(frozen=True)
class RulesVerdict:
    action: Action
    language: str  # ISO 639-1 or "und"
    topics: tuple[str, ...]
    severity: int  # 1 (praise) .. 5 (legal/extortion/safety)
    fixable: bool
    confidence: float  # 0..1
    reasons: tuple[str, ...]  # machine-readable, e.g. "spam:link", "rating:5", "topic:courier:курьер"
    dne_kind: DoNotEngageKind | None
    decided: bool  # True when the rules are sure: no LLM call needed
    escalate: str | None = None  # "legal", "stop_word", "safety", "abuse": answered, approved by someone with authority


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group().strip()[:40] if match else None


def _extortion(folded: str) -> str | None:
    for threat in EXTORTION_THREAT.finditer(folded):
        before, after = folded[max(0, threat.start() - 80) : threat.start()], folded[threat.end() : threat.end() + 60]
        if EXTORTION_CONDITION.search(before) or IF_NOT.search(after) or EXTORTION_DEMAND.search(folded):
            return threat.group()[:40]
    for threat in EXTORTION_AUDIENCE.finditer(folded):
        if IF_NOT.search(folded[max(0, threat.start() - 80) : threat.end() + 60]) or EXTORTION_DEMAND.search(folded):
            return threat.group()[:40]
    reverse = EXTORTION_REVERSE.search(folded)
    if reverse and PERKS.search(folded):
        return reverse.group()[:40]
    return None


def _spam(raw: str, folded: str, negative: int, content: int) -> list[str]:
    channels = [
        name
        for name, rx in (
            ("link", SPAM_LINK),
            ("handle", SPAM_HANDLE),
            ("phone", SPAM_PHONE),
            ("promo_code", SPAM_CODE),
            ("messenger", SPAM_MESSENGER),
        )
        if rx.search(raw)
    ]
    promo = [m.group().strip() for m in SPAM_PROMO.finditer(folded)]
    # "кредит", "займы", "income" name a topic of many complaints; an ad also calls to act (or carries a channel)
    if not SPAM_CALL.search(folded) and not channels:
        promo = []
    # "@bank why is the app down?" addresses someone, it advertises nothing: a handle counts only beside a messenger
    if "handle" in channels and "messenger" not in channels:
        channels.remove("handle")
        if _MESSENGER_LINK.search(raw) and "link" not in channels:  # t.me/…, wa.me/… are links to a chat
            channels.insert(0, "link")
    hard = [c for c in channels if c != "messenger"]
    # a shared link with a caption of one's own is not an ad; a link with (almost) nothing around it is
    bare = len(LETTERS_RUN.findall(_MESSENGER_LINK.sub(" ", SPAM_LINK.sub(" ", raw)))) < 3
    if (
        (channels and promo and (negative == 0 or len(set(promo)) >= 2))
        or (len(set(promo)) >= 2 and negative == 0)
        or (hard and negative == 0 and content == 0 and (bare or hard != ["link"]))
        or (len(channels) >= 2 and negative == 0)
    ):  # "@handle on Telegram": nobody reviews like that
        return [f"spam:{c}" for c in channels] + [f"spam:promo:{p}" for p in promo[:3]]
    return []


# Latvian inflections simplemma misses ("policijai", "PTAC-ā"), added to a stem of at least five letters so that a
# short word never grows into another one. Matched on the text with its diacritics: "tiesā" (in court) ≠ "tiesa".
_LV_ENDINGS = ("", "a", "as", "ai", "u", "ā", "ām", "ās", "s", "i", "is", "im", "iem", "e", "es", "ei", "ē", "ēm")
_RAW_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


@lru_cache(maxsize=256)
def _stop_index(language: str, stop_words: tuple[str, ...]) -> tuple[dict[str, str], tuple]:
    """Whole-word forms of one language's stop words and its multi-word phrases. Never a prefix: "police" is not
    in "policy"; ru/uk/en inflections come from lemmas at match time, Latvian ones from endings here."""
    forms: dict[str, str] = {}
    phrases = []
    for phrase in stop_words:
        parts = [t for t, _ in tokenize(phrase)]
        if len(parts) > 1:
            phrases.append((phrase, tuple(parts)))
            continue
        if not parts:
            continue
        word = unicodedata.normalize("NFC", phrase.strip().lower())
        forms[word] = phrase
        if language != "lv":  # Latvian is matched with its diacritics: folded, "tiesā" (in court) is "tiesa" (true)
            forms.setdefault(parts[0], phrase)  # the folded spelling, for ru/uk/en and lemma lookups
        if language == "lv":
            ending = max((e for e in _LV_ENDINGS if e and word.endswith(e)), key=len, default="")
            stem = word[: len(word) - len(ending)]
            if len(stem) >= 5:
                for e in _LV_ENDINGS:
                    forms.setdefault(stem + e, phrase)
    return forms, tuple(phrases)


def _stop_words(raw: str, tokens: list[str], playbook: Playbook, language: str) -> list[str]:
    """Playbook stop words of the review's own language (all lists when it is undetermined), matched as whole
    words; each reason names the word of the text that fired ("stop_word:суд=суда")."""
    lists = playbook.stop_words if language == UNDETERMINED else {language: playbook.stop_words.get(language, [])}
    raw_words = _RAW_WORD.findall(unicodedata.normalize("NFC", raw).lower().replace("’", "'"))
    found: dict[str, None] = {}
    for lang, words in lists.items():
        if not words:
            continue
        forms, phrases = _stop_index(lang, tuple(words))
        if lang == "lv":
            hits = ((w, forms.get(w)) for w in raw_words)
        else:
            hits = ((t, next((forms[f] for f in sorted(lemmas(t)) if f in forms), None)) for t in tokens)
        for token, phrase in hits:
            if phrase is not None:
                found[f"{phrase}={token}"] = None
        for phrase, parts in phrases:
            n = len(parts)
            for i in range(len(tokens) - n + 1):
                if all(_same_word(tokens[i + k], p) for k, p in enumerate(parts)):
                    found[f"{phrase}={' '.join(tokens[i : i + n])}"] = None
                    break
    return list(found)


def _same_word(token: str, word: str) -> bool:
    return token == word or bool(lemmas(token) & lemmas(word))


_ABSTRACT = re.compile(r"(?:изаци|izacij|ization|изм\w*$|ism$)")


def _sentence_at(text: str, start: int, end: int, reach: int = 200) -> str:
    """The sentence around [start, end), at most `reach` characters either side (bounded: linear overall)."""
    lo, hi = max(0, start - reach), min(len(text), end + reach)
    left = max(text.rfind(c, lo, start) for c in ".!?\n") + 1 or lo
    right = min((i for i in (text.find(c, end, hi) for c in ".!?\n") if i != -1), default=hi)
    return text[max(left, lo) : right]


def _abuse(folded: str, tokens: list[str], negative: int) -> str | None:
    """An insult aimed at people, or swearing with nothing else in it. Swearing inside a complaint ("хуй его знает
    когда привезут", "дибильная реклама") is a customer talking; an insult adjective needs a person beside it."""
    if aimed := _first(AIMED, folded):
        return aimed
    for match in islice(ABUSE.finditer(folded), 20):  # a wall of insults is decided by its first few
        word = match.group()
        if _ABSTRACT.search(word):  # "дебилизация", "debilizācija": a word about things, not a name for a person
            continue
        sentence = _sentence_at(folded, match.start(), match.end())
        if INSULT_ADJECTIVE.fullmatch(word.strip()):
            if PERSON.search(sentence):
                return word.strip()[:40]
        elif not PROFANITY.fullmatch(word.strip()):
            return word.strip()[:40]  # a name for a person ("идиоты", "moron", "kretīns")
        elif negative == 0 and len(tokens) <= 5:
            return word.strip()[:40]  # nothing but swearing
    return None


def _do_not_engage(
    raw: str,
    folded: str,
    hits: tuple[Hit, ...],
    tokens: list[str],
    playbook: Playbook,
    negative: int,
    rating: int | None,
    injection: Finding | None,
    language: str = UNDETERMINED,
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    if injection:
        found["injection"] = [injection.reason] + ([f"mixed-script:{mixed}"] if (mixed := mixed_words(raw)) else [])
    if threat := _extortion(folded):
        found["extortion"] = [f"extortion:{threat}"]
    if legal := _first(LEGAL, folded) or _first(LEGAL_LV_COURT, raw.lower()):
        found["legal_threat"] = [f"legal:{legal}"]
    if abuse := _abuse(folded, tokens, negative):
        found["abuse"] = [f"abuse:{abuse}"]
    elif swear := _first(PROFANITY, folded) or _first(ABUSE, folded):
        found["profanity"] = [f"profanity:{swear}"]  # not aimed at anyone: explained, not refused
    content = sum(1 for h in hits if h.kind in ("topic", "praise", "complaint", "anchor"))
    if spam := _spam(raw, folded, negative, content):
        found["spam"] = spam
    if stops := _stop_words(raw, tokens, playbook, language):
        found["stop_word"] = [f"stop_word:{w}" for w in stops]
    # off-topic cues count in the review's own language only ("test" is an English word, not an Italian one)
    own = hits
    if language != UNDETERMINED and any(h.kind in ("offtopic", "aside") for h in hits):
        own = lexicon().match(raw, languages=(language,), kinds=("offtopic", "aside"))
    offtopic = [h.word for h in own if h.kind == "offtopic"]
    opinion = any(
        h.kind in ("topic", "anchor", "fixable", "unfixable", "praise", "complaint", "ruined", "loss") for h in hits
    ) or any(emoji_balance(raw))
    aside = [h.word for h in own if h.kind == "aside"]
    ignore = ("topic", "complaint", "fixable", "unfixable") + (("praise",) if "?" not in raw else ())
    if aside and not any(h.kind in ignore for h in hits):  # "anyone know a good vet?" asks readers, not us
        offtopic, opinion = aside + offtopic, False
    safety = any(h.kind == "safety" for h in hits)  # someone hurt is never dropped: a person looks (escalate)
    if offtopic and not opinion and not safety and len(tokens) < LONG_REVIEW:
        found["off_topic"] = [f"off_topic:{w}" for w in offtopic[:3]]
    return found


def fit_action(action: Action, playbook: Playbook) -> Action:
    """The nearest action the playbook allows (enabled, and backed by a remedy for fix/discount)."""
    ladders = {
        Action.offer_fix: [Action.offer_fix, Action.offer_discount, Action.apologize, Action.thank],
        Action.offer_discount: [Action.offer_discount, Action.apologize, Action.thank],
        Action.apologize: [Action.apologize, Action.offer_discount, Action.thank],
        Action.thank: [Action.thank, Action.apologize],
        Action.do_not_engage: [Action.do_not_engage],
    }
    for candidate in ladders[action]:
        guide = playbook.actions.get(candidate)
        if guide is None or not guide.enabled:
            continue
        if candidate == Action.offer_fix and not any(r.kind in FIX_REMEDIES for r in playbook.remedies):
            continue
        if candidate == Action.offer_discount and playbook.discount_cap is None:
            continue
        return candidate
    return action


def _band(rating: int | None, playbook: Playbook) -> str | None:
    if rating is None:
        return None
    if rating >= playbook.market.positive_min_rating:
        return "positive"
    return "negative" if rating <= playbook.market.negative_max_rating else "neutral"


def _sentiment(hits: tuple[Hit, ...], raw: str, band: str | None) -> tuple[Action, float, int, list[str]]:
    """(preferred action, confidence, severity, reasons) from cues, emoji and the rating band."""
    good_emoji, bad_emoji = emoji_balance(raw)
    # "not bad" is praise; "nothing got lost" / "не пропал" only takes a complaint away
    praise = {
        h.position
        for h in hits
        if (h.kind == "praise" and not h.negated) or (h.kind == "complaint" and h.negated and _NOT_BAD.match(h.word))
    }
    negative = {
        h.position
        for h in hits
        if (h.kind in ("complaint", "fixable", "unfixable") and not h.negated) or (h.kind == "praise" and h.negated)
    }
    pos, neg = len(praise) + min(good_emoji, 3), len(negative) + min(bad_emoji, 3)
    fix = [h for h in hits if h.kind == "fixable" and not h.negated]
    loss = [h for h in hits if h.kind == "loss" and not h.negated]
    ruined = [h for h in hits if h.kind == "ruined" and not h.negated]
    loss += ruined
    if fix and any(h.kind == "intact" for h in hits):  # "box torn, but the item is fine": nothing to fix
        fix = []
    if loss and band == "negative" and not neg:  # "had to throw it away" with a low rating is a complaint
        neg = 1
    shown = ("praise", "complaint", "fixable", "unfixable", "ruined", "loss")
    reasons = [f"{h.kind}:{h.word}" for h in hits if h.kind in shown and not h.negated][:8]
    if good_emoji or bad_emoji:
        reasons.append(f"emoji:+{good_emoji}:-{bad_emoji}")
    if strong := _first(STRONG_COMPLAINT, fold(raw)):
        reasons.append(f"complaint:strong:{strong}")  # "5★, never again": the words outrank the stars
        neg = max(neg, pos) + 1
    if fix and ruined:  # the fix would come too late for the occasion: make up for it instead
        return Action.offer_discount, 0.6, 4, reasons
    if fix:  # under a high rating with praise a remedy may be moot ("wrong size, but the exchange was quick")
        confidence = 0.85 if band != "positive" else (0.55 if pos else 0.7)
        return Action.offer_fix, confidence, 4 if band == "negative" and neg >= 2 else 3, reasons
    complaint = Action.offer_discount if loss else Action.apologize
    if neg and pos:  # mixed: the rating says which side the customer is on (brief: mixed, nothing to fix → thank)
        if band == "negative":
            return complaint, 0.75, 3, reasons
        if band == "positive":
            return (Action.thank, 0.7, 2, reasons) if pos >= neg else (complaint, 0.6, 3, reasons)
        if band == "neutral":
            return (
                (Action.thank, 0.5, 2, reasons) if pos > neg else (complaint, 0.5 if neg == pos else 0.65, 3, reasons)
            )
        # no stars to say which side: a complaint told among praise is still a complaint, never thanked
        return complaint, 0.5 if pos > neg else 0.65, 3, reasons + ["mixed-no-rating"]
    if neg:
        confidence = 0.8 if band != "positive" else 0.6
        return complaint, confidence, 4 if band == "negative" and neg >= 3 else 3, reasons
    if pos:
        if band is None and pos == 1 and len(hits) and _long_enough(raw):
            # no stars and one good word in a long text ("будет нормально", "labi"): not clearly positive
            return Action.apologize, 0.35, 2, reasons + ["weak-praise-no-rating"]
        if band == "negative":  # praise words under a 1-2 star rating: sarcasm more often than a slip
            return Action.apologize, 0.4, 2, reasons + ["praise-vs-rating"]
        return Action.thank, {"positive": 0.9, None: 0.8, "neutral": 0.65}[band], 1, reasons
    reasons.append("no-sentiment-cues")
    if band in ("negative", "neutral") and any(h.label in ("defect", "repair") for h in hits):
        return Action.offer_fix, 0.5, 3, reasons  # "what about the warranty?" under a low rating
    if band == "positive":
        return Action.thank, 0.7, 1, reasons
    if band == "negative":
        return Action.apologize, 0.5, 3, reasons
    if band == "neutral":
        return Action.apologize, 0.4, 2, reasons
    # no stars, no opinion: a thank-you could land on a complaint told in words we lack; a person or the model decides
    return Action.apologize, 0.3, 2, reasons + ["no-review-content"]


def _long_enough(raw: str) -> bool:
    return len(LETTERS_RUN.findall(raw)) >= 15


_NOT_BAD = re.compile(
    r"(?:плох|ужас|поган|жах|кошмар|slikt|briesm|sausm|bad|terrible|awful|horrible|poor|дорог|dārg"
    r"|darg|expensive|долг|довг|ilgi|slow)"
)
_SENTENCES = re.compile(r"[.!?\n]+")


def _shape_hits(raw: str, folded: str, hits: tuple[Hit, ...], band: str | None) -> tuple[Hit, ...]:
    """Cues that are shapes rather than words: a fault told by its symptom ("часы перестали идти", "won't boil")
    counts as fixable; a praise word in quotes («быстрая» доставка, 'ātro') or "bravo" under a rating that is
    not positive is sarcasm, so it counts against, not for."""
    extra: list[Hit] = []
    sentences = [s for s in _SENTENCES.split(folded) if s.strip()]
    for number, (name, pattern) in enumerate(FIX_SHAPES):
        found = next((m for s in sentences if (m := pattern.search(s))), None)
        if found and not (name == "symptom" and SYMPTOM_NOT.search(folded)):
            extra.append(Hit("fixable", "fixable", "", name, found.group()[-40:], 10_000 + number, False))
    quoted = {fold(m.group(1) or m.group(2)) for m in QUOTED.finditer(raw)}
    if quoted and band != "positive":
        praised = {h.word for q in quoted for h in lexicon().match(q) if h.kind == "praise" and not h.negated}
        hits = tuple(
            replace(h, negated=True, cue="sarcasm") if h.kind == "praise" and h.word in praised else h for h in hits
        )
    if band != "positive" and (cue := SARCASM_CUES.search(folded)):
        extra.append(Hit("complaint", "complaint", "", "sarcasm", cue.group(), 10_100, False))
    return hits + tuple(extra)


def classify_rules(text: str, rating: int | None, playbook: Playbook) -> RulesVerdict:
    """Classify one review by rules alone; pure and deterministic."""
    raw = normalize(text or "")  # one reading of untrusted text: NFKC, invisibles dropped, look-alikes folded
    rating = rating if rating is not None and 1 <= rating <= 5 else None
    folded = fold(raw)
    injection = find_injection(raw if len(raw) == len(folded) else folded, folded)
    # the customer's own words decide the language, not an English order pasted into a Russian review
    language = detect_language(customer_text(raw, injection)) if injection else None
    if language is None or language.code == UNDETERMINED:  # too little of their own to tell ("Товар так себе.")
        language = detect_language(raw)
    band = _band(rating, playbook)
    hits = _shape_hits(raw, folded, lexicon().match(raw), band)
    tokens = [t for t, _ in tokenize(raw)]
    topics: dict[str, str] = {}
    for h in hits:
        if h.kind == "topic":
            topics.setdefault(h.label, h.word)
    safety = [h.word for h in hits if h.kind == "safety"]
    unsupported = (
        [f"lang-unsupported:{language.code}"] if language.code != UNDETERMINED and not language.supported else []
    )
    reasons = (
        [f"lang:{language.code}:{language.confidence:.2f}"]
        + unsupported
        + ([f"rating:{rating}"] if rating else [])
        + [f"topic:{t}:{w}" for t, w in topics.items()]
        + [f"safety:{w}" for w in safety[:2]]
    )
    negative = sum(1 for h in hits if h.kind in ("complaint", "fixable", "unfixable") and not h.negated)

    escalate: str | None = None

    def verdict(
        action: Action,
        severity: int,
        confidence: float,
        extra: list[str],
        kind: str | None = None,
        decided: bool | None = None,
        fixable: bool = False,
    ) -> RulesVerdict:
        fitted = fit_action(action, playbook)
        notes = [f"playbook:{action.value}->{fitted.value}"] if fitted != action else []
        return RulesVerdict(
            fitted,
            language.code,
            tuple(topics),
            severity,
            fixable,
            round(confidence, 2),
            tuple(reasons + extra + notes),
            DoNotEngageKind(kind) if kind else None,
            confidence >= DECIDED_AT if decided is None else decided,
            None if kind else escalate,
        )

    dne = _do_not_engage(raw, folded, hits, tokens, playbook, negative, rating, injection, language.code)
    if band == "positive" and negative == 0 and any(h.kind == "praise" and not h.negated for h in hits):
        # "my lawyer friend recommended it", "fucking amazing": a mention inside praise is no threat
        mentions = [k for k in ("legal_threat", "abuse") if dne.pop(k, None)]
        reasons += [f"mention:{k}" for k in mentions]
    if (
        "abuse" in dne
        and len(tokens) >= LONG_REVIEW
        and negative
        and sum(1 for _ in islice(ABUSE.finditer(folded), 3)) <= 2
    ):
        # a long story of what went wrong with one insult in it: a customer, answered with care
        dne["escalate_abuse"] = dne.pop("abuse")
    allowed = [k for k in _DNE_ORDER if k in dne and DoNotEngageKind(k) in playbook.do_not_engage]
    if allowed and playbook.actions[Action.do_not_engage].enabled:
        kind, extra = allowed[0], [r for k in _DNE_ORDER if k in dne for r in dne[k]]
        weak = kind == "off_topic" and len(tokens) < 3
        return verdict(Action.do_not_engage, _DNE_SEVERITY[kind], 0.55 if weak else 0.95, extra, kind)
    escalate = next((code for kind, code in (*ESCALATE.items(), ("escalate_abuse", "abuse")) if kind in dne), None)
    escalate = escalate or ("safety" if safety else None)
    reasons += [r for k in dne for r in dne[k]]
    reasons += [f"dne-ignored:{k}" for k in dne if k in _DNE_ORDER]
    reasons += [f"escalate:{escalate}"] if escalate else []

    if not _LETTERS.search(raw) and not any(emoji_balance(raw)):  # no words: the rating is all there is
        if rating is None:
            return verdict(Action.do_not_engage, 1, 0.5, ["empty:no-text-no-rating"], "off_topic", True)
        action, confidence = {"positive": (Action.thank, 0.85), "negative": (Action.apologize, 0.4)}.get(
            band, (Action.thank, 0.4)
        )
        return verdict(
            action,
            3 if rating == 1 else 1 if band == "positive" else 2,
            confidence,
            ["empty:rating-only"],
            decided=True,
        )

    action, confidence, severity, extra = _sentiment(hits, raw, band)
    extra += [f"band:{band}"] if band else []
    if safety:
        severity, confidence = 5, min(confidence, 0.5)
    if escalate == "legal":
        severity = 5
    if dne or mentions_of(reasons):  # refused by another business, or a mention in praise: a person should look
        confidence = min(confidence, 0.5)
    if (SPAM_LINK.search(raw) or SPAM_HANDLE.search(raw)) and action == Action.thank:
        confidence, extra = min(confidence, 0.5), extra + ["suspicious:link"]
    return verdict(action, severity, confidence, extra, fixable=action == Action.offer_fix)


def mentions_of(reasons: list[str]) -> bool:
    return any(r.startswith("mention:") for r in reasons)
