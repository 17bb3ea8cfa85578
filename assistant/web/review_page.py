"""Everything the review page shows, gathered in one place: the review, its classification, its drafts,
the chosen draft's versions with diffs, the model calls behind it and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import Classification, Draft, DraftVersion, Event, LLMCall, Review
from assistant.domain.queue.states import OPEN
from assistant.domain.users.service import UserService
from assistant.errors import NotFound
from assistant.playbooks import Playbook, PlaybookRegistry
from assistant.web.diffs import changed_words, word_diff
from assistant.web.rendering import aware

LLM_CALLS_SHOWN = 50


@dataclass
class VersionView:
    row: DraftVersion
    diff: list[tuple[str, str]]
    removed: int
    added: int


@dataclass
class ReviewPage:
    review: Review
    classification: Classification | None
    playbook: Playbook
    drafts: list[Draft]
    draft: Draft | None
    versions: list[VersionView]
    events: list[Event]
    llm_calls: list[LLMCall]
    names: dict[str, str]
    now: datetime

    @property
    def claim_holder(self) -> str | None:
        until = aware(self.review.claimed_until)
        return self.review.claimed_by if self.review.claimed_by and until and until > self.now else None

    @property
    def latest_version(self) -> VersionView | None:
        return self.versions[-1] if self.versions else None

    @property
    def age_seconds(self) -> float | None:
        if self.draft is None:
            return None
        end = aware(self.draft.decided_at) if self.draft.decided_at else self.now
        start = self.review.review_created_at or self.review.created_at  # the customer waits from posting
        return (end - aware(start)).total_seconds()

    @property
    def overdue(self) -> bool:
        age = self.age_seconds
        return age is not None and self.draft.status in OPEN and age > self.playbook.sla_hours * 3600

    def who(self, actor: str | None) -> str:
        return self.names.get(actor or "", actor or "—")


async def load_review_page(
    session: AsyncSession, playbooks: PlaybookRegistry, review_id: int, draft_id: int | None = None
) -> ReviewPage:
    review = await session.get(Review, review_id)
    if review is None:
        raise NotFound(f"review {review_id} not found")
    await session.refresh(review)  # claims change under us; never show a cached row
    classification = (
        (await session.execute(select(Classification).where(Classification.review_id == review_id))).scalars().first()
    )
    drafts = list(
        (await session.execute(select(Draft).where(Draft.review_id == review_id).order_by(Draft.id))).scalars().all()
    )
    for draft in drafts:
        await session.refresh(draft)
    draft = _choose(drafts, draft_id)
    versions: list[VersionView] = []
    if draft is not None:
        rows = (
            (
                await session.execute(
                    select(DraftVersion).where(DraftVersion.draft_id == draft.id).order_by(DraftVersion.version)
                )
            )
            .scalars()
            .all()
        )
        previous = ""
        for row in rows:
            diff = word_diff(previous, row.text) if previous else [("equal", row.text)]
            removed, added = changed_words(diff) if previous else (0, 0)
            versions.append(VersionView(row, diff, removed, added))
            previous = row.text
    events = list(
        (await session.execute(select(Event).where(Event.review_id == review_id).order_by(Event.id))).scalars().all()
    )
    calls = list(
        (
            await session.execute(
                select(LLMCall).where(LLMCall.review_id == review_id).order_by(LLMCall.id.desc()).limit(LLM_CALLS_SHOWN)
            )
        )
        .scalars()
        .all()
    )
    return ReviewPage(
        review=review,
        classification=classification,
        playbook=playbooks.for_business(review.business),
        drafts=drafts,
        draft=draft,
        versions=versions,
        events=events,
        llm_calls=calls,
        names=await UserService(session).names(),
        now=datetime.now(UTC),
    )


def _choose(drafts: list[Draft], draft_id: int | None) -> Draft | None:
    """The asked-for draft, else the newest pending one, else the newest."""
    if draft_id is not None:
        for draft in drafts:
            if draft.id == draft_id:
                return draft
        raise NotFound(f"draft {draft_id} does not belong to this review")
    pending = [d for d in drafts if d.status in OPEN]
    return (pending or drafts or [None])[-1]
