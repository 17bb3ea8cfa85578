"""The pipeline a review goes through after ingest: classify → draft (+ guard) → `pending_approval`.

It is idempotent per review: a review already drafted is not drafted again, so a worker that dies
mid-way and a job delivered twice never produce two drafts. A failure keeps the review with status
`failed` and the error; `retry` sends it through again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from assistant.cpu import run_cpu, submit_cpu
from assistant.db.models import Draft, DraftStatus, Review, ReviewStatus, utcnow
from assistant.domain.classification.rules import classify_rules
from assistant.domain.classification.service import ClassificationResult, classify_review, escalation_note
from assistant.domain.drafting.warm_up import warm_up as warm_up_text
from assistant.domain.drafts import draft_for, drafting_action, result_of, store_one
from assistant.llm import LLM
from assistant.playbooks import Action, PlaybookRegistry
from assistant.processing.results import GroupWriter

log = logging.getLogger(__name__)
RECENT_REPLIES = 50
ACTIVE = (ReviewStatus.received, ReviewStatus.processing)
BULK_RECENT_REPLIES_TTL = 15.0  # seconds; batch runs and queue workers
RULES_CPU_BUDGET = 5.0  # seconds of rules per review; a 20,000-character review takes well under one
_REVIEWS = Review.__table__  # Core statements: a claimed review is read, never changed through the ORM
_CLAIM = (
    update(_REVIEWS)
    .where(_REVIEWS.c.id.in_(bindparam("ids", expanding=True)), _REVIEWS.c.status.in_(ACTIVE))
    .values(status=ReviewStatus.processing, attempts=_REVIEWS.c.attempts + 1, updated_at=bindparam("now"))
    .returning(_REVIEWS.c.id, _REVIEWS.c.text, _REVIEWS.c.rating, _REVIEWS.c.business, _REVIEWS.c.source)
)
_STATUSES = select(_REVIEWS.c.id, _REVIEWS.c.status).where(_REVIEWS.c.id.in_(bindparam("ids", expanding=True)))
_SET_STATUS = (
    update(_REVIEWS)
    .where(_REVIEWS.c.id == bindparam("review_id"))
    .values(status=bindparam("status"), error=bindparam("error"), updated_at=bindparam("now"))
)


@dataclass(frozen=True)
class Claimed:
    """What a claim returns: the reviews now `processing` by the claimer, and the status of the others
    (already drafted, decided or failed; "missing" for an unknown id)."""

    reviews: list[Row]
    others: dict[int, str]


@dataclass
class Pipeline:
    """`recent_replies_ttl` > 0 reuses a business's recent approved replies (the variety check's reference) for
    that many seconds: batch runs and workers draft thousands of reviews a minute, and an approval made in the
    last few seconds changes little about "do not repeat yourself"."""

    sessions: async_sessionmaker
    llm: LLM
    playbooks: PlaybookRegistry
    recent_replies_ttl: float = 0.0
    writer: GroupWriter | None = None  # bulk work stores results in groups; the service one by one
    rules_budget: float = RULES_CPU_BUDGET  # seconds; past it the review goes to a person (over_budget)
    _warm: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    _ready: bool = field(default=False, repr=False)
    _recent: dict[str, tuple[float, asyncio.Future[list[str]]]] = field(default_factory=dict, repr=False)

    async def warm_up(self) -> None:
        """Load the text work's tables and do it once per language (`drafting.warm_up`: a second or two) where it
        runs (the text thread, or a batch's text process: assistant/cpu.py), once, so the event loop keeps
        serving requests meanwhile and the first reviews pay nothing extra. With a text process, this one needs
        no tiktoken table: the call log takes the server's token counts (assistant/llm/client.py)."""
        if self._ready:
            return
        async with self._warm:
            if not self._ready:
                await run_cpu(warm_up_text, self.playbooks.for_business(None))
                self._ready = True

    async def process(self, review_id: int) -> str:
        """Run one review through; returns its final status. Never raises for a review's own failure.
        Two transactions on the way: the claim and the result (a review has a draft only once it is stored
        whole, so a claimable review has none; a concurrent processor's stored draft wins)."""
        claimed = await self.claim([review_id])
        if not claimed.reviews:
            return claimed.others[review_id]
        return await self.process_claimed(claimed.reviews[0])

    async def claim(self, review_ids: list[int]) -> Claimed:
        """Mark the claimable ones of `review_ids` as `processing` (attempts + 1) in one statement: bulk work
        claims a group at once, as a statement per review costs as much CPU as the rest of its bookkeeping."""
        async with self.sessions() as session:
            reviews = list((await session.execute(_CLAIM, {"ids": review_ids, "now": utcnow()})).all())
            await session.commit()
            rest = set(review_ids) - {review.id for review in reviews}
            others = dict.fromkeys(rest, "missing")
            if rest:
                others.update((await session.execute(_STATUSES, {"ids": sorted(rest)})).tuples().all())
        return Claimed(reviews, others)

    async def process_claimed(self, review: Row) -> str:
        """Classify and draft a review this process claimed; returns its final status."""
        await self.warm_up()
        try:
            await self._run(review)
        except Exception as exc:
            log.warning("review %s failed: %s", review.id, exc)
            await self._set_status(review.id, ReviewStatus.failed, f"{type(exc).__name__}: {exc}"[:4000])
            return ReviewStatus.failed
        return ReviewStatus.pending_approval

    async def _run(self, review: Row) -> None:
        playbook = self.playbooks.for_business(review.business)
        result = await self._classify(review, playbook)
        outcome = await draft_for(
            review,
            result,
            playbook=playbook,
            llm=self.llm,
            # the variety check's reference: read only for a review that gets a draft (not do-not-engage)
            recent_replies=await self.recent_replies(review.business)
            if drafting_action(result, asked=False) is not None
            else (),
            instruction=escalation_note(result),  # escalated (legal, safety…): a careful draft
        )
        stored = result_of(review.id, result, outcome)
        await (self.writer.store(stored) if self.writer else store_one(self.sessions, stored))

    async def _classify(self, review: Row, playbook) -> ClassificationResult:
        """The rules are CPU work on untrusted text: they run where text work runs (assistant/cpu.py: a thread, or
        a batch's text process), so the event loop keeps answering (health, the API) meanwhile, within a time
        budget counted from when they start (a batch's queue for the thread is not the review's fault): from
        the last look before the work was handed over, checked every tenth of the budget until then. A review
        over it is not waited for (the work finishes on its own) and goes to a person without a draft, with the
        reason."""
        job = submit_cpu(classify_rules, review.text, review.rating, playbook)
        task = asyncio.wrap_future(job)
        looked, started = time.monotonic(), None
        while not task.done():
            if started is None and job.running():
                started = looked  # it began after the previous look: count from there, never less
            left = started + self.rules_budget - time.monotonic() if started is not None else self.rules_budget
            if started is not None and left <= 0:
                task.add_done_callback(lambda t: t.cancelled() or t.exception())  # its outcome is not needed
                log.warning("review %s: rules over their %g s budget; sent to a person", review.id, self.rules_budget)
                return over_budget(self.rules_budget)
            looked = time.monotonic()
            await asyncio.wait({task}, timeout=left if started is not None else self.rules_budget / 10)
        return await classify_review(
            review.text, review.rating, playbook, self.llm, review_id=review.id, verdict=task.result()
        )

    async def recent_replies(self, business: str) -> list[str]:
        """With a TTL, one read per business per TTL, however many reviews ask at once: a batch's first reviews
        and every review in flight when the TTL runs out asked together, each with a query of its own (16 at the
        start of a run, 0.18 s before its first prompts). A read that fails is not kept."""
        if self.recent_replies_ttl <= 0:
            return await self._read_recent(business)
        now = time.monotonic()
        cached = self._recent.get(business)
        if cached is None or now - cached[0] >= self.recent_replies_ttl:
            cached = self._recent[business] = (now, asyncio.ensure_future(self._read_recent(business)))
            cached[1].add_done_callback(lambda read: self._forget_failed(business, read))
        return await asyncio.shield(cached[1])  # a caller cancelled does not cancel the others' read

    def _forget_failed(self, business: str, read: asyncio.Future[list[str]]) -> None:
        current = self._recent.get(business)
        if current is not None and current[1] is read and (read.cancelled() or read.exception() is not None):
            del self._recent[business]

    async def _read_recent(self, business: str) -> list[str]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(Draft.text)
                .join(Review, Review.id == Draft.review_id)
                .where(Review.business == business, Draft.status == DraftStatus.approved)
                .order_by(Draft.decided_at.desc())
                .limit(RECENT_REPLIES)
            )
            return [text for text in rows.scalars().all() if text]

    async def _set_status(self, review_id: int, status: str, error: str | None) -> None:
        async with self.sessions() as session:
            await session.execute(
                _SET_STATUS, {"review_id": review_id, "status": status, "error": error, "now": utcnow()}
            )
            await session.commit()


def over_budget(budget: float) -> ClassificationResult:
    """No automatic answer for a review the rules could not finish in time: no draft, a person decides."""
    return ClassificationResult(
        action=Action.do_not_engage,
        language="und",
        topics=(),
        severity=3,
        fixable=False,
        confidence=0.0,
        reasons=(f"over_budget:rules>{budget:g}s",),
        dne_kind=None,
        method="rules (over budget)",
        llm_calls=0,
        needs_human=True,
    )
