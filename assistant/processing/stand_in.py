"""A stand-in model's answers to our prompts: the simplest JSON that fits a structured call's schema, and a
plain, specific reply in the review's language for a draft (it quotes the customer's first clause, as a capable
model names what the review says) — enough for the real pipeline to run every step and
for its prompts to be counted. The offline estimator and scripted evals use it in-process
(`ScriptedCompleter(default_responder)`), tests and benchmarks behind a real HTTP server.
"""

from __future__ import annotations

import json
import re
from typing import Any

from assistant.domain.classification.language import detect_language
from assistant.domain.drafting.composer import QUOTES
from assistant.domain.drafting.guard import remedy_mentions
from assistant.llm.scripted import fit_schema

REPLIES = {
    "ru": "Мы понимаем, как неприятно было получить заказ не таким, каким вы его ждали. Мы разберёмся с этим "
    "случаем и напишем вам, чтобы всё исправить. Команда поддержки",
    "uk": "Ми розуміємо, як неприємно було отримати замовлення не таким, яким ви його чекали. Ми розберемося з "
    "цим випадком і напишемо вам, щоб усе виправити. Команда підтримки",
    "lv": "Mēs saprotam, cik nepatīkami bija saņemt pasūtījumu ne tādu, kādu jūs gaidījāt. Mēs izpētīsim šo "
    "gadījumu un sazināsimies ar jums, lai visu labotu. Atbalsta komanda",
    "en": "We understand how annoying it was to get your order in a different state than you expected. We will "
    "look into what happened and get in touch to put it right. The support team",
}
# What a capable model writes: the customer's own words first, then the answer the task asks for. Quoting a clause
# of the review is the simplest way to be specific in any language; the guard then checks a realistic reply.
SPECIFIC = {
    "ru": (
        "Спасибо, что нашли время написать! Нам очень приятно читать {quote}, передадим ваши слова всей команде.",
        "Нам жаль, что так вышло: {quote}, такого быть не должно. Мы разберёмся с этим случаем и напишем вам, "
        "чтобы всё исправить.",
    ),
    "uk": (
        "Дякуємо, що знайшли час написати! Нам дуже приємно читати {quote}, передамо ваші слова всій команді.",
        "Нам шкода, що так сталося: {quote}, такого не мало бути. Ми розберемося з цим випадком і напишемо вам, "
        "щоб усе виправити.",
    ),
    "lv": (
        "Paldies, ka atradāt laiku uzrakstīt! Mums ļoti patīkami lasīt {quote}, nodosim jūsu vārdus visai komandai.",
        "Mums ļoti žēl, ka tā notika: {quote}, tā nedrīkstēja būt. Mēs izpētīsim šo gadījumu un sazināsimies ar "
        "jums, lai visu labotu.",
    ),
    "en": (
        "It made our day to read {quote}, and we will pass your words on to the whole team.",
        "We are sorry it went this way: {quote}, and that should not have happened. We will look into what "
        "happened and get in touch to put it right.",
    ),
}
_TASK = re.compile(r"^TASK \((\w+)\)", re.MULTILINE)
_SIGNATURE = re.compile(r'end with the signature "([^"\n]*)"')
_CONTACTISH = re.compile(r"@|https?:|www\.|\d{4}")  # handles, links, phone-like numbers: a reply never repeats them
_CLAUSE = re.compile(r"[.!?…,;:(\n]")
# The review inside the prompt's fences (`<<<REVIEW nonce … REVIEW nonce>>>`, see drafting/prompting.py)
_DELIMITED = re.compile(
    r"<<<REVIEW (\w+)\n(?P<text>.*?)\nREVIEW \1>>>|<review>(?P<plain>.*?)</review>", re.DOTALL | re.IGNORECASE
)


def _content(body: dict[str, Any], role: str) -> str:
    return " ".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == role)


def _review(user: str) -> str:
    match = _DELIMITED.search(user)
    return (match.group("text") or match.group("plain") or "") if match else user


def _review_language(review: str) -> str:
    code = detect_language(review).code
    return code if code in REPLIES else "en"


def _draft(body: dict[str, Any]) -> str:
    """The customer's first clause quoted inside a thank-you or an apology (by the prompt's task), signed as asked;
    the generic reply when the review has no clause worth quoting."""
    user = _content(body, "user")
    review = _review(user)
    language = _review_language(review)
    clauses = (" ".join([w for w in c.split() if not _CONTACTISH.search(w)][:6]) for c in _CLAUSE.split(review))
    clause = next((c for c in clauses if len(c.split()) >= 2 and not any(remedy_mentions(c).values())), "")
    if not clause:
        return REPLIES[language]
    task = _TASK.search(_content(body, "system"))
    thank, apologize = SPECIFIC[language]
    left, right = QUOTES[language]
    text = (thank if task and task.group(1) == "thank" else apologize).format(quote=f"{left}{clause}{right}")
    signature = _SIGNATURE.search(user)
    return f"{text}\n\n{signature.group(1)}" if signature and signature.group(1) else text


def default_responder(body: dict[str, Any]) -> str:
    """JSON fitting the schema for a structured call, else a reply in the language of the review in the prompt."""
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        return json.dumps(fit_schema(response_format["json_schema"]["schema"]), ensure_ascii=False)
    return _draft(body)
