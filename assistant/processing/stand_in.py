"""A stand-in model's answers to our prompts: the simplest JSON that fits a structured call's schema, and a
plain, specific reply in the review's language for a draft — enough for the real pipeline to run every step and
for its prompts to be counted. The offline estimator and scripted evals use it in-process
(`ScriptedCompleter(default_responder)`), tests and benchmarks behind a real HTTP server.
"""

from __future__ import annotations

import json
import re
from typing import Any

from assistant.domain.classification.language import detect_language
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
# The review inside the prompt's fences (`<<<REVIEW nonce … REVIEW nonce>>>`, see drafting/prompting.py)
_DELIMITED = re.compile(
    r"<<<REVIEW (\w+)\n(?P<text>.*?)\nREVIEW \1>>>|<review>(?P<plain>.*?)</review>", re.DOTALL | re.IGNORECASE
)


def _review_language(body: dict[str, Any]) -> str:
    user = " ".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user")
    match = _DELIMITED.search(user)
    code = detect_language((match.group("text") or match.group("plain")) if match else user).code
    return code if code in REPLIES else "en"


def default_responder(body: dict[str, Any]) -> str:
    """JSON fitting the schema for a structured call, else a reply in the language of the review in the prompt."""
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        return json.dumps(fit_schema(response_format["json_schema"]["schema"]), ensure_ascii=False)
    return REPLIES[_review_language(body)]
