"""One owner of drafts: only `assistant/domain/drafts.py` builds or writes `Draft`, `DraftVersion` and `Event`
rows (the queue's state machine, follow-ups, webhooks and the pipeline call into it), and its `draft_for` is
the one "draft or not" decision."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import assistant
from assistant.domain.drafts import CaseReview, draft_for, drafting_action
from assistant.playbooks import Action, PlaybookRegistry
from assistant.settings import PROJECT_ROOT

ROOT = Path(assistant.__file__).parent
OWNER = ROOT / "domain" / "drafts.py"
TABLES = {"Draft", "DraftVersion", "Event"}
WRITES = {"insert", "update", "delete"}
PLAYBOOKS = PROJECT_ROOT / "playbooks"


def _names(node: ast.AST) -> set[str]:
    """The table names a node refers to: `Draft`, `Draft.__table__`, `models.Draft`."""
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in TABLES:
            found.add(sub.id)
        elif isinstance(sub, ast.Attribute) and sub.attr in TABLES:
            found.add(sub.attr)
    return found


def writes_outside_owner(source: str) -> list[str]:
    """Where a module builds a row of the owned tables or writes to them (line: what)."""
    hits: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name in TABLES:
            hits.append((node.lineno, f"{name}(...)"))
        elif name in WRITES and node.args and (tables := _names(node.args[0])):
            hits.append((node.lineno, f"{name}({', '.join(sorted(tables))})"))
    return [f"{line}: {what}" for line, what in sorted(hits)]


def test_only_the_owner_writes_drafts_versions_and_events():
    assert OWNER.exists()
    offenders = {}
    for path in sorted(ROOT.rglob("*.py")):
        if path == OWNER or "migrations" in path.parts:
            continue
        if hits := writes_outside_owner(path.read_text(encoding="utf-8")):
            offenders[str(path.relative_to(ROOT.parent))] = hits
    assert offenders == {}, "only assistant/domain/drafts.py may write these rows"


def test_the_scan_finds_each_way_of_writing():
    """The scan is not blind: each form a module could use is caught, reads are not."""
    written = """
from sqlalchemy import insert, update, delete, select
session.add(Draft(review_id=1))
session.add(models.DraftVersion(draft_id=1, version=1, text=""))
session.add(Event(review_id=1, actor="a", action="x"))
await session.execute(insert(Event.__table__), rows)
await session.execute(update(Draft).where(Draft.id == 1).values(text=""))
await session.execute(delete(DraftVersion).where(DraftVersion.draft_id == 1))
await session.execute(select(Draft).where(Draft.id == 1))
await session.execute(update(Review).where(Review.id == Draft.review_id))
"""
    hits = writes_outside_owner(written)
    assert [h.split(": ", 1)[1] for h in hits] == [
        "Draft(...)",
        "DraftVersion(...)",
        "Event(...)",
        "insert(Event)",
        "update(Draft)",
        "delete(DraftVersion)",
    ]
    # the owner itself does write them: the scan would see it
    assert writes_outside_owner(OWNER.read_text(encoding="utf-8"))


def test_do_not_engage_gets_no_draft_unless_a_person_asks():
    """`draft_for`'s decision, shared by the pipeline, the eval runner (no draft) and regenerate, "draft anyway"
    and follow-ups (a person asked: an apology; the draft keeps its do-not-engage flag elsewhere)."""
    spam = SimpleNamespace(action="do_not_engage", language="en", topics=[])
    assert drafting_action(spam, asked=False) is None
    assert drafting_action(spam, asked=True) == Action.apologize
    assert drafting_action(SimpleNamespace(action="thank", language="en", topics=[]), asked=True) == Action.thank
    assert drafting_action(None, asked=False) == Action.apologize  # no classification stored: a careful reply


async def test_draft_for_asks_no_model_for_a_review_not_to_engage_with():
    review = CaseReview("Buy followers at spam.example", rating=1, source="shop")
    spam = SimpleNamespace(action="do_not_engage", language="en", topics=[])
    playbook = PlaybookRegistry.from_directory(PLAYBOOKS).for_business("default")
    assert await draft_for(review, spam, playbook=playbook, llm=None) is None  # None: any model call would fail
