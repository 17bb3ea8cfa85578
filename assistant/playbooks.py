"""Playbooks: each business's reply script, prepared in advance and validated on load.

A playbook says which actions exist and when to use them, which remedies the business allows (in ladder
order: fix first, discount only when nothing can be fixed), what never to engage with, the brand facts a
reply may use, the tone per language and how to read ratings in the business's market.

A broken file never takes the service down: `PlaybookRegistry` keeps the valid ones, records the errors
(file, field, what was expected) and falls back to `default`.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

LANGUAGES = ("ru", "uk", "lv", "en")


class Action(StrEnum):
    thank = "thank"
    apologize = "apologize"
    offer_fix = "offer_fix"
    offer_discount = "offer_discount"
    do_not_engage = "do_not_engage"


class RemedyKind(StrEnum):
    replacement = "replacement"
    redo = "redo"
    repair = "repair"
    refund = "refund"
    callback = "callback"
    discount = "discount"
    none = "none"


FIX_KINDS = frozenset({RemedyKind.replacement, RemedyKind.redo, RemedyKind.repair})


class DoNotEngageKind(StrEnum):
    spam = "spam"
    extortion = "extortion"
    legal_threat = "legal_threat"
    abuse = "abuse"
    injection = "injection"
    off_topic = "off_topic"
    stop_word = "stop_word"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActionGuide(_Strict):
    enabled: bool = True
    when: str = Field(min_length=3, description="When an agent (or the model) should pick this action.")


class Remedy(_Strict):
    kind: RemedyKind
    description: str = Field(default="", description="How the customer gets it, in plain words.")
    max_percent: int | None = Field(default=None, ge=1, le=100, description="Cap for a discount, in %.")

    @model_validator(mode="after")
    def _discount_needs_cap(self) -> Remedy:
        if self.kind == RemedyKind.discount and self.max_percent is None:
            raise ValueError("a discount remedy needs max_percent (the cap, 1-100)")
        if self.kind != RemedyKind.discount and self.max_percent is not None:
            raise ValueError("max_percent is only for the discount remedy")
        return self


class Contact(_Strict):
    email: str | None = None
    phone: str | None = None
    url: str | None = None


class Brand(_Strict):
    name: str = Field(min_length=1)
    signature: dict[str, str] = Field(default_factory=dict, description="Sign-off per language code.")
    contact: Contact = Field(default_factory=Contact)
    never_say: list[str] = Field(default_factory=list)
    allow_ai_mention: bool = False


class Tone(_Strict):
    address: dict[str, Literal["formal", "informal"]] = Field(
        default_factory=lambda: {"ru": "formal", "uk": "formal", "lv": "formal", "en": "formal"}
    )
    style: str = "warm, plain, specific; no corporate clichés"


class Market(_Strict):
    """How ratings read in this market: rating norms differ between cultures (a "7" from a customer in France may
    mean an "8" from one in the US), so a 3 star here is not a 3 star everywhere."""

    positive_min_rating: int = Field(default=4, ge=1, le=5)
    negative_max_rating: int = Field(default=2, ge=1, le=5)

    @model_validator(mode="after")
    def _bands_ordered(self) -> Market:
        if self.negative_max_rating >= self.positive_min_rating:
            raise ValueError("negative_max_rating must be below positive_min_rating")
        return self


class Length(_Strict):
    min_chars: int = Field(default=60, ge=1)
    max_chars: int = Field(default=900, ge=20)


# Placeholders a building block may use; the composer fills them from the review and the playbook.
BLOCK_FIELDS = {
    "greeting": set(),
    "acknowledge": {"problem", "quote"},
    "ownership": set(),
    "change": {"problem"},
    "thank": {"praise", "quote"},
    "closing": set(),
    "remedy": {"item", "contact", "percent"},
}
_FIELD = re.compile(r"\{(\w+)(?::(\w+))?\}")


class LanguageBlocks(_Strict):
    """One language's building blocks for replies composed without the model: response scripts written in advance
    (when to thank, when to apologise, what to leave alone) keep a small business from answering on impulse.
    Each list holds variants; the composer picks different ones so replies in a row differ.
    `problems`/`praises` name a review's topic in the grammatical form the acknowledge/thank lines expect."""

    greeting: list[str] = Field(default_factory=lambda: [""], description='Openings; "" = none.')
    acknowledge: list[str] = Field(min_length=2, description="Names the customer's problem: {problem}, {quote}.")
    ownership: list[str] = Field(min_length=2, description="We own it.")
    change: list[str] = Field(min_length=2, description="What changes, when nothing can be fixed now.")
    thank: list[str] = Field(min_length=2, description="Thanks for the specific thing praised: {praise}, {quote}.")
    closing: list[str] = Field(default_factory=lambda: [""], description="Last line before the sign-off.")
    remedy: dict[RemedyKind, list[str]] = Field(description="Per remedy kind: the offer and how to get it.")
    problems: dict[str, str] = Field(
        min_length=1, description="Topic → the problem, as {problem} is used; 'other' when no topic is known."
    )
    praises: dict[str, str] = Field(min_length=1, description="Topic → what was praised; 'other' as a fallback.")
    item: str = Field(min_length=1, description="The word for the item when the review names none.")
    contact: str = Field(min_length=1, description="How to reach us when the brand has no email.")

    @model_validator(mode="after")
    def _placeholders(self) -> LanguageBlocks:
        problems: list[str] = []
        for name, allowed in BLOCK_FIELDS.items():
            value = getattr(self, name)
            lines = [x for v in value.values() for x in v] if isinstance(value, dict) else value
            for line in lines:
                for field, _ in _FIELD.findall(line):
                    if field not in allowed:
                        problems.append(
                            f"{name}: «{line}» uses {{{field}}}; allowed here: {', '.join(sorted(allowed)) or 'none'}"
                        )
        for line in self.acknowledge:
            if "{problem}" not in line and "{quote}" not in line:
                problems.append(f"acknowledge: «{line}» must name the problem ({{problem}} or {{quote}})")
        for kind, lines in self.remedy.items():
            if not lines:
                problems.append(f"remedy.{kind.value}: needs at least one line")
            if kind != RemedyKind.discount and any("{percent}" in x for x in lines):
                problems.append(f"remedy.{kind.value}: {{percent}} belongs to the discount only")
        for name in ("problems", "praises"):
            if "other" not in getattr(self, name):
                problems.append(f"{name}: needs an 'other' entry for reviews with no known topic")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Playbook(_Strict):
    business: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    name: str = Field(min_length=1)
    actions: dict[Action, ActionGuide]
    remedies: list[Remedy] = Field(description="Allowed remedies in ladder order: fixes first, discount last.")
    do_not_engage: list[DoNotEngageKind] = Field(default_factory=lambda: list(DoNotEngageKind))
    brand: Brand
    tone: Tone = Field(default_factory=Tone)
    market: Market = Field(default_factory=Market)
    stop_words: dict[str, list[str]] = Field(default_factory=dict, description="Per language: force human handling.")
    length: dict[str, Length] = Field(default_factory=lambda: {"default": Length()}, description="Per platform.")
    sla_hours: float = Field(default=24, gt=0)
    blocks: dict[str, LanguageBlocks] = Field(
        default_factory=dict,
        description="Per language: building blocks for replies composed without the model (all four languages).",
    )

    @field_validator("actions")
    @classmethod
    def _all_actions(cls, value: dict[Action, ActionGuide]) -> dict[Action, ActionGuide]:
        missing = [a.value for a in Action if a not in value]
        if missing:
            raise ValueError(f"every action needs a guide; missing: {', '.join(missing)}")
        return value

    @field_validator("remedies")
    @classmethod
    def _ladder(cls, value: list[Remedy]) -> list[Remedy]:
        kinds = [r.kind for r in value]
        if len(set(kinds)) != len(kinds):
            raise ValueError("each remedy kind may appear once")
        if RemedyKind.discount in kinds:
            after_discount = kinds[kinds.index(RemedyKind.discount) + 1 :]
            if any(k in FIX_KINDS for k in after_discount):
                raise ValueError("ladder order: fixes (replacement, redo, repair) come before the discount")
        return value

    @model_validator(mode="after")
    def _blocks_cover(self) -> Playbook:
        if not self.blocks:
            return self
        problems = [f"blocks: missing language {lang}" for lang in LANGUAGES if lang not in self.blocks]
        problems += [
            f"blocks: unknown language {lang} (use {', '.join(LANGUAGES)})"
            for lang in self.blocks
            if lang not in LANGUAGES
        ]
        # remedy lines need not cover every allowed remedy, nor only those: the composer offers a remedy only
        # when the playbook allows it and the language has lines for it
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- questions the pipeline asks -------------------------------------------------------------
    def allows(self, kind: RemedyKind | str) -> bool:
        return any(r.kind == kind for r in self.remedies)

    @property
    def discount_cap(self) -> int | None:
        return next((r.max_percent for r in self.remedies if r.kind == RemedyKind.discount), None)

    @property
    def fixes(self) -> list[Remedy]:
        return [r for r in self.remedies if r.kind not in (RemedyKind.discount, RemedyKind.none)]

    def length_for(self, platform: str | None) -> Length:
        return self.length.get((platform or "").lower()) or self.length.get("default") or Length()

    def signature(self, language: str) -> str:
        return self.brand.signature.get(language) or self.brand.signature.get("en") or self.brand.name


class PlaybookError(Exception):
    """A playbook file that failed validation: file, field and what was expected."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__(f"{path.name}: " + "; ".join(problems))


def load_playbook(path: Path) -> Playbook:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PlaybookError(path, [f"cannot read YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise PlaybookError(path, ["top level: expected a mapping of fields"])
    raw.setdefault("business", path.stem)
    try:
        return Playbook.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()]
        raise PlaybookError(path, problems) from exc


class PlaybookRegistry:
    """All playbooks of a directory; unknown or broken business → `default`."""

    def __init__(self, playbooks: dict[str, Playbook], errors: list[PlaybookError]):
        if "default" not in playbooks:
            raise PlaybookError(Path("default.yaml"), ["the default playbook is missing or invalid"])
        self.playbooks = playbooks
        self.errors = errors

    @classmethod
    def from_directory(cls, directory: Path) -> PlaybookRegistry:
        playbooks: dict[str, Playbook] = {}
        errors: list[PlaybookError] = []
        for path in sorted(directory.glob("*.y*ml")):
            try:
                playbook = load_playbook(path)
            except PlaybookError as exc:
                errors.append(exc)
                continue
            playbooks[playbook.business] = playbook
        return cls(playbooks, errors)

    def for_business(self, business: str | None) -> Playbook:
        return self.playbooks.get((business or "default").lower()) or self.playbooks["default"]
