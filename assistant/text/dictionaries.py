"""simplemma's word lists (ru, uk, lv, en), read from its MARISA-trie cache on disk: lemmas, known words, tables.

simplemma ships each dictionary compressed and decodes it into a Python dict on first use: 1.5 s of CPU and
~230 MB of memory for the four languages in every process (server, each worker, each batch command), before
its first review. Its own `TrieDictionaryFactory` builds a trie of the same entries once per machine and
simplemma version (in the user's cache directory, ~15 MB; a few seconds, done by `warm_up` at install) and
then loads it in milliseconds, ~15 MB in memory. Same words, same lemmas: the lookups run the
same strategies over the same entries (tests/unit/test_dictionaries.py compares them). Where the cache cannot
be written, simplemma keeps the trie in memory and logs a warning; a corrupt one is rebuilt.

Word sets the project derives from a whole dictionary (the guard's Latvian stems: 0.5 s of Python over 350,000
forms) are cached the same way, as tries beside ours (`word_set`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import marisa_trie
from platformdirs import user_cache_dir
from simplemma import Lemmatizer
from simplemma.__metadata__ import __version__ as SIMPLEMMA_VERSION
from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
from simplemma.strategies.dictionaries import TrieDictionaryFactory
from simplemma.utils import normalize_token

log = logging.getLogger(__name__)
LANGUAGES = ("ru", "uk", "lv", "en")


@lru_cache(maxsize=1)
def _factory() -> TrieDictionaryFactory:
    return TrieDictionaryFactory()


@lru_cache(maxsize=1)
def _lemmatizer() -> Lemmatizer:
    return Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=_factory()))


@lru_cache(maxsize=1)
def _lookup() -> DictionaryLookupStrategy:
    return DictionaryLookupStrategy(_factory())


def lemmatize(token: str, language: str) -> str:
    """`token`'s lemma in `language` (the token itself, lowercased as simplemma does, when it knows none).
    Raises ValueError for a language simplemma has no dictionary for."""
    return _lemmatizer().lemmatize(token, language)


def is_known(token: str, language: str) -> bool:
    """Whether `token` is listed in `language`'s dictionary (as a form or a lemma), as `simplemma.is_known`."""
    return _lookup().get_lemma(normalize_token(token), language) is not None


def table(language: str) -> Mapping[str, str]:
    """The whole dictionary of `language`: form → lemma."""
    return _factory().get_dictionary(language)


def warm_up() -> None:
    """Load (the first time on a machine: build and cache) the four dictionaries now, not on a review."""
    for language in LANGUAGES:
        table(language)


def word_set(name: str, recipe: bytes, build: Callable[[], Iterable[str]]) -> marisa_trie.Trie:
    """The words `build` derives from the dictionaries, as a trie (`word in trie`), cached on disk: built once per
    machine, simplemma version and `recipe` (the bytes that decide what `build` returns, e.g. its module's
    source), then loaded in well under a millisecond; an older recipe's file is removed. Where the cache cannot be
    written, the set is built in memory and a warning says so; a corrupt file is built again."""
    digest = hashlib.sha256(SIMPLEMMA_VERSION.encode() + b"\0" + recipe).hexdigest()[:16]
    path = cache_dir() / f"{name}-{digest}.marisa"
    try:
        return marisa_trie.Trie().load(str(path))
    except FileNotFoundError:
        pass
    except (OSError, RuntimeError) as exc:  # marisa says RuntimeError for a truncated or foreign file
        log.warning("word set %s: cached file unreadable (%s); building it again", name, exc)
    trie = marisa_trie.Trie(build())
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        trie.save(str(partial))
        os.replace(partial, path)  # atomic: a process starting meanwhile reads no half-written file
        # an older recipe's file of this set (a process that loaded it keeps it); not "lv-stems-x"'s for "lv-stems"
        for stale in path.parent.glob(f"{name}-{'?' * len(digest)}.marisa"):
            if stale != path:
                with contextlib.suppress(OSError):
                    stale.unlink()
    except OSError as exc:
        log.warning("word set %s: cannot cache it in %s (%s); built in memory for this process", name, path.parent, exc)
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return trie


def cache_dir() -> Path:
    """Where `word_set` keeps its tries: the user's cache directory, beside simplemma's."""
    return Path(user_cache_dir("review-reply-assistant")) / "word-sets"
