"""simplemma's dictionaries read from its trie cache give the same lemmas and known words as its default dicts,
on the project's own review and draft texts and on the real reviews when present; and they still work where the
cache cannot be written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import simplemma

from assistant.evaluation.classification import load_real_reviews
from assistant.evaluation.cli import REAL_REVIEWS
from assistant.text import dictionaries

ROOT = Path(__file__).resolve().parents[2]
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# What a process started with another cache asks (all four dictionaries loaded first), and the right answers.
_ASK = (
    "from assistant.text import dictionaries as d\n"
    "d.warm_up()\n"
    "print(d.lemmatize('курьерами', 'ru'), d.lemmatize('замовлення', 'uk'), d.is_known('veikals', 'lv'),"
    " d.is_known('qzxv', 'en'))\n"
)
_ANSWER = ["курьер", "замовлення", "True", "False"]


def _words(texts: list[str]) -> list[str]:
    found = {w for text in texts for w in _WORD.findall(text)}
    return sorted(found | {w.lower() for w in found} | {w.capitalize() for w in found})


def _differences(words: list[str]) -> list[tuple[str, str, str, str]]:
    found = []
    for word in words:
        for language in dictionaries.LANGUAGES:
            ours, theirs = dictionaries.lemmatize(word, language), simplemma.lemmatize(word, lang=language)
            if ours != theirs:
                found.append((word, language, ours, theirs))
            known, listed = dictionaries.is_known(word, language), simplemma.is_known(word, language)
            if known != listed:
                found.append((word, language, str(known), str(listed)))
    return found


def _dataset_texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "eval" / "datasets").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            texts += [value for value in row.values() if isinstance(value, str)]
    return texts


def test_the_tries_agree_with_simplemma_on_our_texts():
    words = _words(_dataset_texts())
    assert len(words) > 3000, "the datasets' words: reviews and drafts in four languages"
    assert _differences(words) == []


def test_a_table_holds_the_same_entries():
    assert dict(dictionaries.table("lv")) == dict(
        simplemma.strategies.dictionaries.DEFAULT_DICTIONARY_FACTORY.get_dictionary("lv")
    )


def test_an_unknown_language_is_refused_as_simplemma_does():
    with pytest.raises(ValueError):
        dictionaries.lemmatize("word", "xx")
    with pytest.raises(ValueError):
        simplemma.lemmatize("word", lang="xx")


@pytest.mark.skipif(not any(REAL_REVIEWS.glob("*.jsonl")), reason=f"no real reviews in {REAL_REVIEWS}")
def test_the_tries_agree_with_simplemma_on_real_reviews():
    words = _words([row["text"] for rows in load_real_reviews(REAL_REVIEWS).values() for row in rows])
    assert _differences(words) == []


def test_an_unwritable_cache_still_gives_the_words(tmp_path):
    """A read-only home (a container): the trie is built in memory, a warning says why, the answers are right."""
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache directory would go")  # mkdir under it fails, as root too
    run = subprocess.run(
        [sys.executable, "-c", _ASK],
        check=False,
        env={**os.environ, "XDG_CACHE_HOME": str(blocked)},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == _ANSWER
    assert "Failed to cache trie" in run.stderr
    assert not (blocked.is_dir())


def test_processes_starting_together_on_a_fresh_machine_all_get_the_words(tmp_path):
    """A server and workers started at once, before any cache exists: each builds or loads the tries, none fails
    on another's half-written file, and the cache is left whole for the next start."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    runs = [
        subprocess.Popen([sys.executable, "-c", _ASK], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0]
    assert all(out.split() == _ANSWER for out in outputs), outputs
    cached = sorted(p.name for p in tmp_path.rglob("*.dic"))
    assert cached == ["en.dic", "lv.dic", "ru.dic", "uk.dic"]
    again = subprocess.run([sys.executable, "-c", _ASK], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert again.stdout.split() == _ANSWER
    assert "Corrupt" not in again.stderr and "Failed" not in again.stderr
