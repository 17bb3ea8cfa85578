"""simplemma's dictionaries read from its trie cache give the same lemmas and known words as its default dicts,
on the project's own review and draft texts and on the real reviews when present; and they still work where the
cache cannot be written. The word sets derived from them are cached too, and rebuilt when their recipe changes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import simplemma

from assistant.domain.drafting import fluency
from assistant.evaluation.classification import load_real_reviews
from assistant.evaluation.cli import REAL_REVIEWS
from assistant.text import dictionaries

ROOT = Path(__file__).resolve().parents[2]
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# What a process started with another cache asks (all four dictionaries loaded first), and the right answers.
# The guard's Latvian stems too: «izpētīsim» is known through them only (the dictionary does not list it).
_ASK = (
    "from assistant.text import dictionaries as d\n"
    "from assistant.domain.drafting import fluency as f\n"
    "f.warm_up()\n"
    "print(d.lemmatize('курьерами', 'ru'), d.lemmatize('замовлення', 'uk'), d.is_known('veikals', 'lv'),"
    " d.is_known('qzxv', 'en'), d.is_known('izpētīsim', 'lv'), f.known('izpētīsim', 'lv'), f.known('qzxvlk', 'lv'))\n"
)
_ANSWER = ["курьер", "замовлення", "True", "False", "False", "True", "False"]


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
    assert "Failed to cache trie" in run.stderr and "cannot cache it" in run.stderr
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
    word_sets = sorted(p.name.rsplit("-", 1)[0] for p in (tmp_path / "review-reply-assistant" / "word-sets").iterdir())
    assert word_sets == ["lv-heads", "lv-stems"]  # one of each, no partial file left
    again = subprocess.run([sys.executable, "-c", _ASK], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert again.stdout.split() == _ANSWER
    assert "Corrupt" not in again.stderr and "Failed" not in again.stderr
    assert "unreadable" not in again.stderr and "cannot cache" not in again.stderr


# -- word sets derived from the dictionaries, cached as tries ----------------------------------------------------
def _counting(words: list[str]) -> tuple[list[int], Callable[[], list[str]]]:
    calls: list[int] = []

    def build() -> list[str]:
        calls.append(1)
        return words

    return calls, build


def test_a_word_set_is_built_once_then_loaded(tmp_path, monkeypatch):
    monkeypatch.setattr(dictionaries, "cache_dir", lambda: tmp_path / "word-sets")
    calls, build = _counting(["ābols", "veikals", "курьер"])
    first = dictionaries.word_set("demo", b"recipe 1", build)
    again = dictionaries.word_set("demo", b"recipe 1", build)
    assert calls == [1]
    assert sorted(again.keys()) == sorted(first.keys()) == ["veikals", "ābols", "курьер"]
    assert "ābols" in again and "ābol" not in again
    assert [p.name.split("-")[0] for p in (tmp_path / "word-sets").iterdir()] == ["demo"]  # no partial file left


def test_another_recipe_builds_another_set_and_drops_the_old_one(tmp_path, monkeypatch):
    """An upgrade (or an edit of the module that builds the set) builds it again; the cache does not grow."""
    monkeypatch.setattr(dictionaries, "cache_dir", lambda: tmp_path)
    calls, build = _counting(["a"])
    dictionaries.word_set("demo", b"recipe 1", build)
    dictionaries.word_set("other", b"recipe 1", build)
    dictionaries.word_set("demo-extra", b"recipe 1", build)  # a name that begins with the other's
    (first,) = tmp_path.glob("demo-????????????????.marisa")
    dictionaries.word_set("demo", b"recipe 2", build)
    assert calls == [1, 1, 1, 1]
    assert len(list(tmp_path.glob("demo-extra-*.marisa"))) == 1
    (second,) = tmp_path.glob("demo-????????????????.marisa")
    assert second != first and len(list(tmp_path.glob("other-*.marisa"))) == 1


def test_a_corrupt_cached_set_is_built_again(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(dictionaries, "cache_dir", lambda: tmp_path)
    calls, build = _counting(["veikals"])
    dictionaries.word_set("demo", b"r", build)
    (cached,) = tmp_path.glob("demo-*.marisa")
    cached.write_bytes(cached.read_bytes()[:20])  # a write cut short by a full disk
    assert "veikals" in dictionaries.word_set("demo", b"r", build)
    assert calls == [1, 1] and "unreadable" in caplog.text
    assert "veikals" in dictionaries.word_set("demo", b"r", build) and calls == [1, 1]  # and cached whole again


def test_an_unwritable_cache_builds_the_set_in_memory(tmp_path, monkeypatch, caplog):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache directory would go")
    monkeypatch.setattr(dictionaries, "cache_dir", lambda: blocked / "word-sets")
    calls, build = _counting(["veikals"])
    assert "veikals" in dictionaries.word_set("demo", b"r", build)
    assert "veikals" in dictionaries.word_set("demo", b"r", build)
    assert calls == [1, 1] and "cannot cache it" in caplog.text


def test_the_guards_latvian_stems_from_the_cache_are_the_dictionarys(tmp_path, monkeypatch):
    """What the guard loads is what the dictionary gives now: from a fresh cache, and from the machine's own (a
    cache left by an older recipe would differ here)."""
    fresh = fluency._lv_forms()
    expected = (fluency._lv_stem_set(fresh), fluency._lv_head_set(fresh))
    machine = fluency._lv_stems()
    fluency._lv_stems_loaded.cache_clear()
    monkeypatch.setattr(dictionaries, "cache_dir", lambda: tmp_path)
    try:
        built = fluency._lv_stems()
        fluency._lv_stems_loaded.cache_clear()
        loaded = fluency._lv_stems()
    finally:
        fluency._lv_stems_loaded.cache_clear()
    assert len(list(tmp_path.glob("lv-*.marisa"))) == 2
    for tries in (machine, built, loaded):
        assert [set(trie.keys()) for trie in tries] == [set(words) for words in expected]  # type: ignore[attr-defined]
