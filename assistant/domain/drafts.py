"""The one owner of drafts: whether a review gets a draft and who writes it (`draft_for`), and the only
writer of `Draft`, `DraftVersion` and `Event` rows.

`assistant/domain/drafting/` writes one guarded text; this module decides when to ask for one and keeps the
records: the pipeline's drafted reviews (`store_results`, Core multi-row statements, batched by
`assistant.processing.results.GroupWriter`), new drafts and versions (`new_draft`, `add_version`), the
conditional state changes of the queue (`change`) and the audit trail (`record`). The state machine itself
stays in `assistant/domain/queue/` (`states.py`, `DraftService`). `tests/unit/test_draft_owner.py` fails
when another module builds these rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from assistant.db.models import (
    Classification,
    Draft,
    DraftKind,
    DraftStatus,
    DraftVersion,
    Event,
    Review,
    ReviewStatus,
    utcnow,
)
from assistant.domain.classification.service import ClassificationResult
from assistant.domain.drafting.guard import GuardResult
from assistant.domain.drafting.service import DraftOutcome, draft_reply
from assistant.playbooks import Action, Playbook

if TYPE_CHECKING:
    from assistant.domain.drafting.service import ChatModel

ASSISTANT = "assistant"  # the actor of what the pipeline writes
DNE_FLAG = "do_not_engage"  # a draft for a review not to engage with: no public reply without a person's reason


class ReviewText(Protocol):
    """What drafting reads of a review (a `Review` row, the pipeline's claimed row, an eval case)."""

    id: int | None
    text: str
    rating: int | None
    source: str | None


class Classified(Protocol):
    """What drafting reads of a classification (a `ClassificationResult` or a stored `Classification`)."""

    @property
    def action(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def topics(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class CaseReview:
    """A review that is not stored (an eval case)."""

    text: str
    rating: int | None
    source: str | None
    id: int | None = None


async def draft_for(
    review: ReviewText,
    classification: Classified | None,
    *,
    playbook: Playbook,
    llm: ChatModel,
    kind: DraftKind = DraftKind.reply,
    instruction: str | None = None,
    recent_replies: Sequence[str] = (),
    asked: bool = False,
) -> DraftOutcome | None:
    """The draft a review gets, or None: a do-not-engage review gets none, unless a person `asked` for one
    (regenerate, "draft anyway", a follow-up): then an apology, and the draft keeps its do-not-engage flag.
    The model writes it; `draft_reply` falls back to the playbook's composer when the model's text is no reply."""
    action = drafting_action(classification, asked=asked)
    if action is None:
        return None
    return await draft_reply(
        review_text=review.text,
        rating=review.rating,
        platform=review.source,
        language=classification.language if classification is not None else "und",
        action=action,
        topics=list(classification.topics) if classification is not None else [],
        playbook=playbook,
        llm=llm,
        review_id=review.id,
        kind=kind,
        instruction=instruction,
        recent_replies=recent_replies,
    )


def drafting_action(classification: Classified | None, *, asked: bool) -> Action | None:
    """The action a draft is written for: the classification's; None for do-not-engage unless a person asked."""
    action = Action(classification.action) if classification is not None else Action.apologize
    if action == Action.do_not_engage:
        return Action.apologize if asked else None
    return action


def issues_of(guard: GuardResult) -> list[dict[str, str]]:
    """A guard result as the JSON stored on a version."""
    return [{"code": i.code, "detail": i.detail} for i in guard.issues]


# -- the ORM path: one draft at a time, inside the caller's transaction ----------------------------------------


def record(
    session: AsyncSession,
    review_id: int,
    *,
    actor: str,
    action: str,
    detail: dict[str, Any],
    draft_id: int | None = None,
) -> None:
    """An audit event, committed with the caller's transaction."""
    session.add(Event(review_id=review_id, draft_id=draft_id, actor=actor, action=action, detail=detail))


async def new_draft(
    session: AsyncSession, review_id: int, *, kind: DraftKind, text: str = "", flags: Sequence[str] = (), version: int
) -> Draft:
    """A draft row (flushed, so it has its id); its versions follow with `add_version`."""
    draft = Draft(review_id=review_id, kind=kind, text=text, flagged=bool(flags), flags=list(flags), version=version)
    session.add(draft)
    await session.flush()
    return draft


def add_version(
    session: AsyncSession,
    draft_id: int,
    version: int,
    text: str,
    *,
    origin: str,
    author: str = ASSISTANT,
    guard_ok: bool,
    guard_issues: list[dict[str, str]],
    overlap: float,
    attempts: int,
    instruction: str | None = None,
) -> None:
    """A version of a draft's text (history is never rewritten), committed with the caller's transaction."""
    session.add(
        DraftVersion(
            draft_id=draft_id,
            version=version,
            text=text,
            origin=origin,
            author=author,
            instruction=instruction,
            guard_ok=guard_ok,
            guard_issues=guard_issues,
            overlap=overlap,
            attempts=attempts,
        )
    )


async def change(
    session: AsyncSession, draft_id: int, values: dict[str, Any], *, allowed: Sequence[str], version: int | None
) -> bool:
    """Apply `values` only while the draft is in one of `allowed` states (at `version`, when given): one
    conditional UPDATE, so of two people acting at once one wins. False: nothing changed."""
    query = update(Draft).where(Draft.id == draft_id, Draft.status.in_(allowed))
    if version is not None:
        query = query.where(Draft.version == version)
    result = await session.execute(query.values(updated_at=utcnow(), **values))
    return bool(result.rowcount)


# -- the pipeline's path: many reviews per statement -------------------------------------------------------------


@dataclass(frozen=True)
class ReviewResult:
    """One review's rows, ready to insert (timestamps and ids are added when stored)."""

    review_id: int
    classification: dict[str, Any]
    draft: dict[str, Any]  # text, flagged, flags
    version: dict[str, Any]  # text, guard_ok, guard_issues, overlap, attempts
    event: dict[str, Any]  # the "drafted" event's detail


def result_of(review_id: int, result: ClassificationResult, outcome: DraftOutcome | None) -> ReviewResult:
    """The rows for a classified review and its guarded draft (`None`: do not engage, an empty flagged draft)."""
    if outcome is None:
        flags = [f"{DNE_FLAG}:{result.dne_kind or 'unspecified'}"]
        text, issues, overlap, attempts = "", [{"code": DNE_FLAG, "detail": str(result.dne_kind or "")}], 0.0, 0
    else:
        issues = issues_of(outcome.guard)
        flags = sorted({i["code"] for i in issues})
        text, overlap, attempts = outcome.text, outcome.guard.overlap, outcome.attempts
    if result.needs_human:
        flags.append("needs_human")
    classification = {
        "action": str(result.action),
        "language": result.language,
        "topics": list(result.topics),
        "severity": result.severity,
        "fixable": result.fixable,
        "confidence": result.confidence,
        "reasons": list(result.reasons),
        "dne_kind": str(result.dne_kind) if result.dne_kind else None,
        "method": result.method,
        "needs_human": result.needs_human,
    }
    return ReviewResult(
        review_id=review_id,
        classification=classification,
        draft={"text": text, "flagged": bool(flags), "flags": flags},
        version={"text": text, "guard_ok": not flags, "guard_issues": issues, "overlap": overlap, "attempts": attempts},
        event={"action": str(result.action), "flags": flags},
    )


# Core statements on the tables: the ORM's bulk paths cost more CPU per row than the rest of the bookkeeping,
# and nothing written here is loaded in a session.
_REVIEWS, _DRAFTS = Review.__table__, Draft.__table__
_DELETE_CLASSIFICATIONS = delete(Classification.__table__).where(
    Classification.__table__.c.review_id.in_(bindparam("ids", expanding=True))
)
_INSERT_CLASSIFICATIONS = insert(Classification.__table__)
_INSERT_DRAFTS = insert(_DRAFTS).returning(_DRAFTS.c.id, _DRAFTS.c.review_id, sort_by_parameter_order=True)
_INSERT_VERSIONS = insert(DraftVersion.__table__)
_INSERT_EVENTS = insert(Event.__table__)
_MARK_DRAFTED = (
    update(_REVIEWS)
    .where(_REVIEWS.c.id.in_(bindparam("ids", expanding=True)))
    .values(status=ReviewStatus.pending_approval, error=None, updated_at=bindparam("now"))
)


async def store_results(sessions: async_sessionmaker, results: list[ReviewResult]) -> None:
    """All of `results` in one transaction, one multi-row statement per table; IntegrityError when any
    review already has its draft."""
    now = utcnow()
    ids = [r.review_id for r in results]
    async with sessions() as session:
        await session.execute(_DELETE_CLASSIFICATIONS, {"ids": ids})
        await session.execute(
            _INSERT_CLASSIFICATIONS,
            [{**r.classification, "review_id": r.review_id, "created_at": now} for r in results],
        )
        drafted = await session.execute(
            _INSERT_DRAFTS,
            [
                {
                    **r.draft,
                    "review_id": r.review_id,
                    "kind": DraftKind.reply,
                    "status": DraftStatus.pending,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for r in results
            ],
        )
        draft_ids = {review_id: draft_id for draft_id, review_id in drafted.all()}
        await session.execute(
            _INSERT_VERSIONS,
            [
                {
                    **r.version,
                    "draft_id": draft_ids[r.review_id],
                    "version": 1,
                    "origin": "llm",
                    "author": ASSISTANT,
                    "created_at": now,
                }
                for r in results
            ],
        )
        await session.execute(
            _INSERT_EVENTS,
            [
                {
                    "review_id": r.review_id,
                    "draft_id": draft_ids[r.review_id],
                    "actor": ASSISTANT,
                    "action": "drafted",
                    "detail": r.event,
                    "created_at": now,
                }
                for r in results
            ],
        )
        await session.execute(_MARK_DRAFTED, {"ids": ids, "now": now})
        await session.commit()


async def store_one(sessions: async_sessionmaker, result: ReviewResult) -> None:
    """Store one review's result; when a concurrent processor of the same review stored its own first
    (unique review_id + kind), theirs stands and the review is marked drafted."""
    try:
        await store_results(sessions, [result])
    except IntegrityError:
        async with sessions() as session:
            theirs = (
                await session.execute(
                    select(Draft.id).where(Draft.review_id == result.review_id, Draft.kind == DraftKind.reply)
                )
            ).first()
            if theirs is None:
                raise
            await session.execute(_MARK_DRAFTED, {"ids": [result.review_id], "now": utcnow()})
            await session.commit()
