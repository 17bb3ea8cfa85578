"""Is a draft a reply at all? The guard's first checks (issue 20), against the drafts the issue quotes, a junk set
built from real SmolLM2-135M output and other small-model shapes, and good replies written by people."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from assistant.domain.drafting import fluency, variety
from assistant.domain.drafting.fluency import CODES, UNUSABLE, check_fluency, is_unusable, known
from assistant.domain.drafting.guard import check_draft
from assistant.playbooks import Action

ROOT = Path(__file__).resolve().parents[2]
JUNK = [json.loads(line) for line in (ROOT / "eval/datasets/junk_drafts.jsonl").read_text().splitlines() if line]
GOOD = [json.loads(line) for line in (ROOT / "eval/datasets/good_drafts.jsonl").read_text().splitlines() if line]


def guard(playbook, row, draft=None):
    return check_draft(
        draft if draft is not None else row["draft"],
        review_text=row["review"],
        language=row["language"],
        action=Action(row["action"]),
        playbook=playbook,
    )


def test_datasets_are_big_enough_and_cover_four_languages():
    assert len(JUNK) >= 100 and len(GOOD) >= 48
    for rows in (JUNK, GOOD):
        assert {r["language"] for r in rows} == {"ru", "uk", "lv", "en"}
    assert sum(r["shape"] == "small_model" for r in JUNK) >= 40, "most junk must be real small-model output"


@pytest.mark.parametrize(
    "row", [r for r in JUNK if r["id"].startswith(("issue20-", "scripted-"))], ids=lambda r: r["id"]
)
def test_issue_drafts_and_scripted_model_drafts_are_not_replies(playbook, row):
    result = guard(playbook, row)
    assert not result.ok and is_unusable(result.codes), result.codes


def test_every_junk_draft_is_flagged_and_nearly_all_as_not_a_reply(playbook):
    """100% flagged; a fluent reply to another review that shares no topic the lexicon knows is flagged as
    `not_about_review` (generic) rather than `wrong_review`, so it is not replaced by a composed reply."""
    verdicts = {r["id"]: guard(playbook, r) for r in JUNK}
    assert not [k for k, v in verdicts.items() if v.ok]
    unusable = [k for k, v in verdicts.items() if is_unusable(v.codes)]
    assert len(unusable) >= 0.97 * len(JUNK), sorted(set(verdicts) - set(unusable))


def test_good_drafts_written_by_people_pass(playbook):
    flagged = [(r["id"], guard(playbook, r).codes) for r in GOOD if not guard(playbook, r).ok]
    assert len(flagged) <= 0.02 * len(GOOD), flagged


def test_a_good_reply_with_its_words_shuffled_is_word_salad(playbook):
    """The class, not the examples: a good reply's words in a random order must not pass as a reply. Real words
    in no order are caught by seams (sentences starting mid-phrase, capitals mid-sentence, "за." / "with."), so a
    shuffle that happens to keep them is missed: measured 87% caught, the floor is 80%."""
    caught = total = 0
    for row in GOOD:
        body, signature = row["draft"].rsplit("\n\n", 1)
        for seed in range(2):
            shuffled = body.split()
            random.Random(seed).shuffle(shuffled)
            result = guard(playbook, row, " ".join(shuffled) + "\n\n" + signature)
            caught += is_unusable(result.codes)
            total += 1
    assert caught / total >= 0.8


def test_every_issue_has_a_sentence_an_agent_understands(playbook):
    seen = set()
    for row in JUNK:
        for issue in guard(playbook, row).issues:
            if issue.code in CODES:
                seen.add(issue.code)
                assert len(issue.detail.split()) >= 5 and not issue.detail.startswith(issue.code)
    assert seen >= {
        "not_words",
        "mixed_language",
        "repetition",
        "wrong_review",
        "bot_introduction",
        "outline",
        "heading",
        "review_echoed",
        "mixed_script",
    }


@pytest.mark.parametrize(
    "language, text, code",
    [
        (
            "uk",
            "Дякуємо, что написали, и извините за задержку. Ми вже все перевірили і скоро напишемо.",
            "mixed_language",
        ),
        (
            "ru",
            "Спасибо за отзыв! Ми дуже вдячні, що ви розповіли про кур'єра, і вибачте за затримку.",
            "mixed_language",
        ),
        ("en", "Thаnk yоu fоr the lоvely review, we are glad yоu liked it.", "mixed_script"),
        ("ru", "Спасибо, что написали! We are sorry the courier was late, we will talk to him today.", "mixed_script"),
        (
            "lv",
            "Paldies! We are sorry the courier was late and rude, we will talk to the delivery team.",
            "mixed_language",
        ),
        ("en", "Thank you thank you thank you thank you for the review of the review of the review.", "repetition"),
        ("ru", "Введение: курьер опоздал.\nЗаключение: мы разберёмся с доставкой.", "heading"),
        ("en", "- Apologise for the delay\n- Offer a replacement\n- Ask for the order number", "outline"),
        (
            "en",
            "Hello, my name is [Your Name], your customer service representative. How can I help you today?",
            "bot_introduction",
        ),
        ("uk", "Вітаю! Я ваш віртуальний помічник. Чим можу допомогти?", "bot_introduction"),
    ],
)
def test_each_check_on_its_own(language, text, code):
    assert code in [i.code for i in check_fluency(text, language=language)]


def test_a_hotel_thank_you_is_not_a_reply_to_a_courier_complaint():
    review = "The courier was two hours late and then rude to me at the door."
    draft = "Thank you for staying with us! We're glad the room was spotless and the reception team helped."
    codes = [i.code for i in check_fluency(draft, review_text=review, language="en", action="apologize")]
    assert "wrong_review" in codes
    answer = "We're sorry the courier was two hours late and rude at your door; we've reported it to the delivery firm."
    assert not check_fluency(answer, review_text=review, language="en", action="apologize")


def test_a_follow_up_is_not_judged_on_the_review_words():
    review = "Курьер опоздал на два часа, суп остыл."
    follow = "Здравствуйте! Рады, что чайник заменили и всё работает. Если впечатление изменилось, обновите оценку."
    assert not check_fluency(follow, review_text=review, language="ru", action="apologize", kind="follow_up")


def test_dictionaries_know_the_four_languages():
    assert known("извините", "ru") and known("вибачте", "uk") and known("atvainojamies", "lv")
    assert known("apologise", "en") and known("nākamreiz", "lv")
    assert not known("необхиальной", "ru") and not known("десерієміціва", "uk") and not known("vaihēkimu", "lv")


def test_unusable_codes_include_the_guard_basics():
    assert {"empty", "placeholder", "language_mismatch"} <= UNUSABLE
    assert {"not_about_review"} == CODES - UNUSABLE  # a generic reply is flagged but left for the agent to edit


@pytest.mark.parametrize("split", ["variety", "fluency"])
def test_remembered_word_lists_are_the_callers_own(split):
    """The guard splits a draft into words ~15 times (variety.words) and ~19 times (fluency._words): the split is
    remembered per text, and each caller gets a list of its own to change."""
    text = "Sorry the kettle broke, write to help@example.com and we will replace it."
    split_words, remembered = (
        (variety.words, variety._words) if split == "variety" else (fluency._words, fluency._remembered_words)
    )
    first = split_words(text)
    first.append("changed")
    hits = remembered.cache_info().hits
    assert split_words(text) == first[:-1] and split_words(text) is not split_words(text)
    assert remembered.cache_info().hits == hits + 3, "split once, read back after"
