"""Loading what the text work needs before the first review, by doing it once per language.

Loading the tables by name (`classification.service.warm_up`, `fluency.warm_up`) is not all of it: the first
prompt compiles its template and loads tiktoken's table (~0.14 s on a 2-core VM), the first Ukrainian draft's
guard and the first English complaint's rules load more of lingua's models (~0.15 s and ~0.24 s). Paid by the
first reviews, that time holds the first model requests back; paid here, where text work runs (the text thread,
or a batch's text process: assistant/cpu.py), it is done before them. Our own short sentences, one complaint and
its reply per language: they touch the same tables as any review in that language.
"""

from __future__ import annotations

from assistant.domain.classification.rules import classify_rules
from assistant.domain.classification.service import warm_up as load_classifier_tables
from assistant.domain.drafting import fluency
from assistant.domain.drafting.guard import check_draft
from assistant.domain.drafting.prompting import build_draft_messages
from assistant.playbooks import Playbook, PlaybookRegistry
from assistant.settings import get_settings

SAMPLES = (  # (language, rating, review, reply)
    (
        "ru",
        2,
        "Курьер опоздал на два часа, а чайник привезли помятым.",
        "Здравствуйте! Жаль, что курьер опоздал и чайник пришёл помятым. Мы заменим его.",
    ),
    (
        "uk",
        2,
        "Кур'єр запізнився на дві години, а чайник прийшов подряпаний.",
        "Вітаємо! Шкода, що кур'єр запізнився і чайник прийшов подряпаний. Ми його замінимо.",
    ),
    (
        "lv",
        2,
        "Kurjers kavējās divas stundas, un tējkanna bija saskrāpēta.",
        "Labdien! Žēl, ka kurjers kavējās un tējkanna bija saskrāpēta. Mēs to apmainīsim.",
    ),
    (
        "en",
        1,
        "The kettle broke after two days. I want a replacement, not excuses.",
        "Hello! We are sorry the kettle broke after two days. We will replace it.",
    ),
)


def warm_up(playbook: Playbook | None = None) -> None:
    """The classifier's and the guard's tables, then one review per language through the rules, the prompt and
    the guard (with `playbook`, else the settings' default one)."""
    load_classifier_tables()
    fluency.warm_up()
    exercise(playbook or PlaybookRegistry.from_directory(get_settings().playbooks_dir).for_business(None))


def exercise(playbook: Playbook) -> None:
    for language, rating, review, reply in SAMPLES:
        verdict = classify_rules(review, rating, playbook)
        messages = build_draft_messages(
            review_text=review,
            rating=rating,
            platform=None,
            language=language,
            action=verdict.action,
            topics=list(verdict.topics),
            playbook=playbook,
        )
        check_draft(
            reply,
            review_text=review,
            language=language,
            action=verdict.action,
            playbook=playbook,
            system_prompt=messages[0]["content"],
        )
