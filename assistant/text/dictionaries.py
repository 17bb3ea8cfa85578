"""simplemma's word lists (ru, uk, lv, en), read from its MARISA-trie cache on disk: lemmas, known words, tables.

simplemma ships each dictionary compressed and decodes it into a Python dict on first use: 1.5 s of CPU and
~230 MB of memory for the four languages in every process (server, each worker, each batch command), before
its first review. Its own `TrieDictionaryFactory` builds a trie of the same entries once per machine and
simplemma version (in the user's cache directory, ~15 MB; a few seconds, done by `warm_up` at install) and
then loads it in milliseconds, ~15 MB in memory. Same words, same lemmas: the lookups run the
same strategies over the same entries (tests/unit/test_dictionaries.py compares them). Where the cache cannot
be written, simplemma keeps the trie in memory and logs a warning; a corrupt one is rebuilt.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from simplemma import Lemmatizer
from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
from simplemma.strategies.dictionaries import TrieDictionaryFactory
from simplemma.utils import normalize_token

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
