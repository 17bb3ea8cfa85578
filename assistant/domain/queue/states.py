"""Where a review stands in the queue and how it moves: the state machine, written down in this one place.

Every review ends in a human decision. The draft (the reply a person decides on) carries the state; the
review's `status` follows its reply draft (`REVIEW_STATUS`). Every move appends an audit `Event` naming who
and why, and goes through one conditional UPDATE on (id, status[, version]) so two people can't both win.

    review: received → processing → pending_approval ─────────────▶ draft: pending
                                  ↘ failed                                 │
       retried on its own with backoff while the model is down             ├─ approve ─────────▶ approved
       (assistant/processing/in_process.py); then a person: Retry, or                   │    undo, while the undo window is open
       "write the reply yourself" ─────────────────────────▶ pending      │    and the webhook has not fired ─▶ pending
                                                                           ├─ reject(reason) ──▶ rejected
                                                                           │    reopen / "draft again" / "write it
                                                                           │    yourself" ─▶ pending
                                                                           ├─ handle(reason) ──▶ handled
                                                                           │    (no public reply: do-not-engage; who
                                                                           │    and why in the event) reopen ─▶ pending
                                                                           └─ escalate(role, note) ─▶ escalated
                                                                                (its own tab, "to <role>"; only that role
                                                                                approves / rejects / handles it, or
                                                                                sends it back ─▶ pending)

Do-not-engage (spam, extortion, abuse, injection, off-topic): the pipeline stores an empty draft flagged
`do_not_engage:<kind>`. That flag sticks to every later version (edit, regenerate, "draft anyway", an agent's
correction of the action), so such a draft is never clean and never bulk-approvable; writing a public reply
for it at all takes "draft anyway" with a typed reason (`drafted_anyway`, also sticky).
"""

from __future__ import annotations

from assistant.db.models import DraftStatus, ReviewStatus
from assistant.domain.drafts import DNE_FLAG

# the states are listed once, in `DraftStatus` (a string column: no migration); the moves between them are here
PENDING, ESCALATED, APPROVED, REJECTED, HANDLED = DraftStatus
OPEN = (PENDING, ESCALATED)  # a decision is still owed
DRAFT_STATUSES = tuple(DraftStatus)

# move → (from states, to state)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "approve": (OPEN, APPROVED),
    "reject": (OPEN, REJECTED),
    "handle": (OPEN, HANDLED),
    "escalate": ((PENDING,), ESCALATED),
    "reopen": ((REJECTED, HANDLED, ESCALATED), PENDING),
    "undo": ((APPROVED, REJECTED, HANDLED), PENDING),
}

REVIEW_STATUS = {
    PENDING: ReviewStatus.pending_approval,
    ESCALATED: ReviewStatus.escalated,
    APPROVED: ReviewStatus.approved,
    REJECTED: ReviewStatus.rejected,
    HANDLED: ReviewStatus.handled,
}

# who an escalation goes to (the user roles there are) and how it reads
ESCALATION_ROLES = {"admin": "a team lead (admin)"}

DRAFTED_ANYWAY = "drafted_anyway"


def is_dne(flags: list[str] | None) -> bool:
    return any(f == DNE_FLAG or f.startswith(DNE_FLAG + ":") for f in flags or [])


def confirmation(flags: list[str] | None) -> str:
    """What approving a flagged draft must send back (UI button or API `confirm`): the issues the person was
    shown, by name, so a flag added since they looked is never approved unseen."""
    return ",".join(sorted(flags or []))


def sticky_flags(flags: list[str] | None) -> list[str]:
    """The flags a new version inherits whatever the guard says: do-not-engage stays do-not-engage."""
    return [f for f in flags or [] if f in (DRAFTED_ANYWAY, DNE_FLAG) or f.startswith(DNE_FLAG + ":")]
