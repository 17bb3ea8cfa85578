"""The review page and the decisions taken on it: edit, approve, reject, regenerate, claim, resolve.

Nothing an agent typed is thrown away: approve, reject and regenerate first save a changed text as an edit
(so it is guarded and kept in the history), a stale version comes back as a conflict that shows the other
person's text beside yours, and an edit the guard flags is saved but not approved until the agent has seen
the warnings. With htmx the live part of the page is swapped; without JavaScript every form still works.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import FormMultiDict, State
from litestar.params import Parameter
from litestar.response import Redirect
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import Draft, Review
from assistant.domain.queue import states
from assistant.domain.queue.queries import QueueFilters
from assistant.domain.queue.service import DraftService
from assistant.domain.replies.followup import resolve_case
from assistant.domain.reviews.service import ReviewService
from assistant.domain.snippets.service import SnippetService
from assistant.errors import AssistantError, Conflict, InvalidInput, LLMError, NotFound
from assistant.playbooks import Action
from assistant.web.controllers.queue import queue_service
from assistant.web.forms import int_field, local_path, read_form, text_field
from assistant.web.rendering import flash, is_htmx, offer_undo, render
from assistant.web.review_page import load_review_page
from assistant.web.translation import LANGUAGES, translate

MAX_REPLY = 5000
TRANSLATE_LANGUAGES = {"en": "English", "ru": "Russian", "uk": "Ukrainian", "lv": "Latvian"}


def review_url(review_id: int, q: str, draft_id: int | None = None) -> str:
    params = [("draft", draft_id)] if draft_id else []
    params += [("q", q)] if q else []
    return f"/reviews/{review_id}" + ("?" + urlencode(params) if params else "")


def _filters(q: str) -> QueueFilters:
    try:
        return QueueFilters.parse(dict(parse_qsl(q)))
    except InvalidInput:
        return QueueFilters()


class ReviewPageController(Controller):
    path = "/"
    include_in_schema = False

    def _drafts(self, db_session: AsyncSession, state: State) -> DraftService:
        return DraftService(db_session, state.playbooks, state.llm)

    async def _page(
        self,
        request: Request,
        db_session: AsyncSession,
        state: State,
        review_id: int,
        draft_id: int | None,
        q: str,
        *,
        status_code: int = 200,
        partial: bool | None = None,
        **extra: Any,
    ) -> Response:
        page = await load_review_page(db_session, state.playbooks, review_id, draft_id)
        language = page.classification.language if page.classification else "und"
        prev_id = next_id = None
        if page.draft is not None:
            prev_id, next_id = await queue_service(db_session, state, request.user.actor).neighbours(
                _filters(q), page.draft.id
            )
        queue_url = "/queue" + (f"?{q}" if q else "")
        context = dict(
            page=page,
            q=q,
            queue_url=queue_url,
            claim_minutes=state.settings.claim_minutes,
            prev_url=review_url(prev_id, q) if prev_id else None,
            next_url=review_url(next_id, q) if next_id else None,
            message=None,
            conflict=None,
            text=None,
            reason="",
            instruction="",
            confirm_flags=None,
            escalation_roles=states.ESCALATION_ROLES,
            open_states=states.OPEN,
            needs_draft_anyway=bool(page.draft and DraftService._needs_draft_anyway(page.draft)),
            actions=[a.value for a in Action],
            undo_seconds=int(state.settings.undo_seconds),
            translate_languages=TRANSLATE_LANGUAGES,
            snippets=await SnippetService(db_session).list(business=page.review.business, language=language),
            snippet_scope=(page.review.business, language),
        )
        context.update(extra)
        use_partial = is_htmx(request) if partial is None else partial
        return render(
            request, "_review_live.html" if use_partial else "review.html", status_code=status_code, **context
        )

    @get("/reviews/{review_id:int}")
    async def review(
        self,
        review_id: int,
        request: Request,
        db_session: AsyncSession,
        state: State,
        draft: Annotated[int | None, Parameter(ge=1)] = None,
        q: Annotated[str, Parameter(max_length=2000)] = "",
    ) -> Response:
        return await self._page(request, db_session, state, review_id, draft, q, partial=False)

    # -- decisions ----------------------------------------------------------------------------------
    async def _act(
        self, request: Request, db_session: AsyncSession, state: State, draft_id: int, action: str
    ) -> Response:
        form = await read_form(request)
        q = text_field(form, "q", limit=2000)
        service = self._drafts(db_session, state)
        draft = await service.get(draft_id)
        review_id = draft.review_id
        typed = {
            "text": form.get("text") if isinstance(form.get("text"), str) else None,
            "reason": form.get("reason", "") if isinstance(form.get("reason"), str) else "",
            "instruction": form.get("instruction", "") if isinstance(form.get("instruction"), str) else "",
        }
        try:
            return await getattr(self, f"_{action}")(request, db_session, state, service, draft, form, q)
        except Conflict as exc:
            if "claimed_by" in exc.extra:  # someone else holds the review: nothing changed, their claim shown
                return await self._page(
                    request,
                    db_session,
                    state,
                    review_id,
                    draft_id,
                    q,
                    status_code=409,
                    text=(typed["text"] or "").replace("\r\n", "\n") or None,
                    reason=typed["reason"],
                    instruction=typed["instruction"],
                    message=("warning", exc.detail),
                )
            conflict = {"text": exc.extra.get("current_text", ""), "version": exc.extra.get("current_version")}
            return await self._page(
                request,
                db_session,
                state,
                review_id,
                draft_id,
                q,
                status_code=409,
                conflict=conflict,
                text=(typed["text"] or "").replace("\r\n", "\n"),
                reason=typed["reason"],
                instruction=typed["instruction"],
            )
        except LLMError as exc:
            return await self._page(
                request,
                db_session,
                state,
                review_id,
                draft_id,
                q,
                status_code=502,
                reason=typed["reason"],
                instruction=typed["instruction"],
                message=("danger", f"The language model failed: {exc.detail}. Try again."),
            )
        except AssistantError as exc:
            status = 422 if exc.status_code == 400 else exc.status_code
            return await self._page(
                request,
                db_session,
                state,
                review_id,
                draft_id,
                q,
                status_code=status,
                text=(typed["text"] or "").replace("\r\n", "\n") or None,
                reason=typed["reason"],
                instruction=typed["instruction"],
                message=("danger", exc.detail),
            )

    async def _save_if_changed(
        self, service: DraftService, draft: Draft, form: FormMultiDict, actor: str, *, allow_empty: bool
    ) -> tuple[Draft, bool, int]:
        """Save the editor's text as an edit when it differs from the stored draft; (draft, saved, version)."""
        text = text_field(form, "text", limit=MAX_REPLY, label="The reply") if "text" in form else None
        version = int_field(form, "version") or draft.version
        if text is None or text == draft.text:
            return draft, False, version
        if not text.strip():
            if allow_empty:
                return draft, False, version
            raise InvalidInput("the reply is empty; write one, or reject the draft")
        saved = await service.edit(draft.id, text=text, version=version, actor=actor)
        return saved, True, saved.version

    async def _done(self, request: Request, form: FormMultiDict, q: str, message: str) -> Response:
        flash(request, message, "success")
        target = local_path(form.get("next"), "/queue" + (f"?{q}" if q else ""))
        if is_htmx(request):
            return Response("", status_code=200, headers={"HX-Redirect": target})
        return Redirect(target, status_code=303)

    async def _edit(self, request, db_session, state, service, draft, form, q) -> Response:
        text = text_field(form, "text", limit=MAX_REPLY, required=True, label="The reply")
        version = int_field(form, "version") or draft.version
        saved = await service.edit(draft.id, text=text, version=version, actor=request.user.actor)
        return await self._after_change(request, db_session, state, saved, q, f"Saved version {saved.version}.")

    async def _after_change(self, request, db_session, state, saved: Draft, q: str, done: str) -> Response:
        if saved.flagged:
            message = (
                "warning",
                f"{done} The guard has warnings (below): fix them; approving it will ask you to "
                "confirm the issues by name.",
            )
        else:
            message = ("success", f"{done} The guard passed it.")
        if not is_htmx(request):
            flash(request, message[1], message[0])
            return Redirect(review_url(saved.review_id, q, saved.id), status_code=303)
        return await self._page(request, db_session, state, saved.review_id, saved.id, q, message=message)

    async def _approve(self, request, db_session, state, service, draft, form, q) -> Response:
        """A flagged draft (or an edit that brought new guard issues) is approved only by a second, explicit
        press of a button that names the issues: the form's `confirm` must equal those exact flags."""
        draft, saved, version = await self._save_if_changed(service, draft, form, request.user.actor, allow_empty=False)
        if draft.flagged and form.get("confirm") != states.confirmation(draft.flags):
            done = f"Saved your edit as version {draft.version}, not approved yet. " if saved else ""
            message = (
                "warning",
                f"{done}The guard flagged this reply: approve only if it is right despite the issues named below.",
            )
            return await self._page(
                request,
                db_session,
                state,
                draft.review_id,
                draft.id,
                q,
                message=message,
                confirm_flags=list(draft.flags),
            )
        await service.approve(
            draft.id,
            actor=request.user.actor,
            version=version,
            hold_seconds=state.settings.undo_seconds,
            lead=request.user.is_admin,
            confirm=form.get("confirm"),
        )
        offer_undo(request, [draft.id], f"Approved the reply to review #{draft.review_id}", state.settings.undo_seconds)
        return await self._done(request, form, q, f"Approved the reply to review #{draft.review_id}.")

    async def _reject(self, request, db_session, state, service, draft, form, q) -> Response:
        reason = text_field(form, "reason", limit=2000, required=True, label="A reason for rejecting")
        draft, _, version = await self._save_if_changed(service, draft, form, request.user.actor, allow_empty=True)
        await service.reject(
            draft.id, actor=request.user.actor, reason=reason.strip(), version=version, lead=request.user.is_admin
        )
        offer_undo(
            request, [draft.id], f"Rejected the draft for review #{draft.review_id}", state.settings.undo_seconds
        )
        return await self._done(request, form, q, f"Rejected the draft for review #{draft.review_id}.")

    async def _handle(self, request, db_session, state, service, draft, form, q) -> Response:
        reason = text_field(form, "handled_reason", limit=2000, required=True, label="Why no public reply")
        await service.handle(draft.id, actor=request.user.actor, reason=reason, lead=request.user.is_admin)
        offer_undo(request, [draft.id], f"Marked review #{draft.review_id} handled", state.settings.undo_seconds)
        return await self._done(request, form, q, f"Review #{draft.review_id} handled without a public reply.")

    async def _escalate(self, request, db_session, state, service, draft, form, q) -> Response:
        note = text_field(
            form, "escalate_note", limit=2000, required=True, label="A note for the person you escalate to"
        )
        role = text_field(form, "role", limit=32) or "admin"
        await service.escalate(draft.id, actor=request.user.actor, role=role, note=note)
        return await self._done(
            request, form, q, f"Escalated review #{draft.review_id} to {states.ESCALATION_ROLES.get(role, role)}."
        )

    async def _reopen(self, request, db_session, state, service, draft, form, q) -> Response:
        reopened = await service.reopen(draft.id, actor=request.user.actor)
        return await self._after_change(request, db_session, state, reopened, q, "Reopened: back in the queue.")

    async def _redraft(self, request, db_session, state, service, draft, form, q) -> Response:
        """ "Draft again" on a rejected draft: reopen it and write a new version (with an optional instruction)."""
        instruction = text_field(form, "instruction", limit=500, label="The instruction").strip() or None
        if draft.status != states.PENDING:
            draft = await service.reopen(draft.id, actor=request.user.actor, reason="draft again")
        regenerated = await service.regenerate(draft.id, actor=request.user.actor, instruction=instruction)
        return await self._after_change(
            request, db_session, state, regenerated, q, f"Drafted again: version {regenerated.version}."
        )

    async def _rewrite(self, request, db_session, state, service, draft, form, q) -> Response:
        """ "Write it yourself" on a rejected draft: reopen it with the agent's text as the new version."""
        text = text_field(form, "text", limit=MAX_REPLY, required=True, label="Your reply")
        if draft.status != states.PENDING:
            draft = await service.reopen(draft.id, actor=request.user.actor, reason="write it yourself")
        saved = await service.edit(draft.id, text=text, version=draft.version, actor=request.user.actor)
        return await self._after_change(
            request, db_session, state, saved, q, f"Saved your reply as version {saved.version}."
        )

    async def _anyway(self, request, db_session, state, service, draft, form, q) -> Response:
        reason = text_field(form, "anyway_reason", limit=2000, required=True, label="Why reply anyway")
        text = text_field(form, "text", limit=MAX_REPLY) if "text" in form else None
        drafted = await service.draft_anyway(
            draft.id, actor=request.user.actor, reason=reason, text=text if text and text.strip() else None
        )
        return await self._after_change(
            request,
            db_session,
            state,
            drafted,
            q,
            f"Drafted anyway: version {drafted.version}. It stays flagged: it needs your explicit approval.",
        )

    async def _regenerate(self, request, db_session, state, service, draft, form, q) -> Response:
        instruction = text_field(form, "instruction", limit=500, label="The instruction").strip() or None
        await self._save_if_changed(service, draft, form, request.user.actor, allow_empty=True)
        regenerated = await service.regenerate(draft.id, actor=request.user.actor, instruction=instruction)
        return await self._after_change(
            request, db_session, state, regenerated, q, f"Regenerated: version {regenerated.version}."
        )

    @post("/drafts/{draft_id:int}/edit", status_code=200)
    async def edit(self, draft_id: int, request: Request, db_session: AsyncSession, state: State) -> Response:
        return await self._act(request, db_session, state, draft_id, "edit")

    @post("/drafts/{draft_id:int}/approve", status_code=200)
    async def approve(self, draft_id: int, request: Request, db_session: AsyncSession, state: State) -> Response:
        return await self._act(request, db_session, state, draft_id, "approve")

    @post("/drafts/{draft_id:int}/reject", status_code=200)
    async def reject(self, draft_id: int, request: Request, db_session: AsyncSession, state: State) -> Response:
        return await self._act(request, db_session, state, draft_id, "reject")

    @post("/drafts/{draft_id:int}/regenerate", status_code=200)
    async def regenerate(self, draft_id: int, request: Request, db_session: AsyncSession, state: State) -> Response:
        return await self._act(request, db_session, state, draft_id, "regenerate")

    @post("/drafts/{draft_id:int}/handle", status_code=200)
    async def handle(self, draft_id: int, request: Request, db_session: AsyncSession, state: State) -> Response:
        return await self._act(request, db_session, state, draft_id, "handle")

    @post("/drafts/{draft_id:int}/escalate", status_code=200)
    async def escalate(self, draft_id: int, request: Request, db_session: AsyncSession, state: State) -> Response:
        return await self._act(request, db_session, state, draft_id, "escalate")

    @post("/drafts/{draft_id:int}/reopen", status_code=200)
    async def reopen(self, draft_id: int, request: Request, db_session: AsyncSession, state: State) -> Response:
        return await self._act(request, db_session, state, draft_id, "reopen")

    @post("/drafts/{draft_id:int}/redraft", status_code=200)
    async def redraft(self, draft_id: int, request: Request, db_session: AsyncSession, state: State) -> Response:
        return await self._act(request, db_session, state, draft_id, "redraft")

    @post("/drafts/{draft_id:int}/rewrite", status_code=200)
    async def rewrite(self, draft_id: int, request: Request, db_session: AsyncSession, state: State) -> Response:
        return await self._act(request, db_session, state, draft_id, "rewrite")

    @post("/drafts/{draft_id:int}/draft-anyway", status_code=200)
    async def draft_anyway(self, draft_id: int, request: Request, db_session: AsyncSession, state: State) -> Response:
        return await self._act(request, db_session, state, draft_id, "anyway")

    # -- reviews without a draft (the model failed), and corrections ---------------------------------
    @post("/reviews/{review_id:int}/retry", status_code=200)
    async def retry(self, review_id: int, request: Request, db_session: AsyncSession, state: State) -> Response:
        form = await read_form(request)
        q = text_field(form, "q", limit=2000)
        try:
            await ReviewService(db_session).retry(review_id)
        except AssistantError as exc:
            flash(request, exc.detail, "danger")
        else:
            await state.dispatcher.submit(review_id)
            flash(request, "Sent to the model again; the draft appears here when it is ready.", "success")
        return self._to_review(request, review_id, q)

    @post("/reviews/{review_id:int}/write", status_code=200)
    async def write(self, review_id: int, request: Request, db_session: AsyncSession, state: State) -> Response:
        form = await read_form(request)
        q = text_field(form, "q", limit=2000)
        text = text_field(form, "text", limit=MAX_REPLY, required=True, label="Your reply")
        try:
            saved = await self._drafts(db_session, state).write_reply(review_id, actor=request.user.actor, text=text)
        except AssistantError as exc:
            return await self._page(
                request,
                db_session,
                state,
                review_id,
                None,
                q,
                status_code=422,
                partial=False,
                text=text,
                message=("danger", exc.detail),
            )
        kind = "warning" if saved.flagged else "success"
        flash(
            request,
            f"Saved your reply as a draft{' (the guard has warnings)' if saved.flagged else ''}; "
            "approve it when it is right.",
            kind,
        )
        return self._to_review(request, review_id, q)

    @post("/reviews/{review_id:int}/correct", status_code=200)
    async def correct(self, review_id: int, request: Request, db_session: AsyncSession, state: State) -> Response:
        form = await read_form(request)
        q = text_field(form, "q", limit=2000)
        topics = text_field(form, "topics", limit=600)
        try:
            await self._drafts(db_session, state).correct(
                review_id,
                actor=request.user.actor,
                action=text_field(form, "action", limit=32) or None,
                topics=list(topics.replace(";", ",").split(",")) if "topics" in form else None,
                language=text_field(form, "language", limit=8).strip().lower() or None,
            )
        except AssistantError as exc:
            flash(request, exc.detail, "danger")
        else:
            flash(request, "Classification corrected (kept in the audit trail).", "success")
        return self._to_review(request, review_id, q)

    @get("/reviews/{review_id:int}/translation")
    async def translation(
        self,
        review_id: int,
        request: Request,
        db_session: AsyncSession,
        state: State,
        part: Annotated[str, Parameter(max_length=16)] = "review",
        to: Annotated[str, Parameter(max_length=8)] = "en",
        draft: Annotated[int | None, Parameter(ge=1)] = None,
    ) -> Response:
        """The review (or a draft of it) in the agent's language: an htmx fragment, marked as a translation."""
        review = await db_session.get(Review, review_id)
        if review is None:
            raise NotFound(f"review {review_id} not found")
        if part == "review":
            text = review.text
        elif part == "draft" and draft is not None:
            row = await db_session.get(Draft, draft)
            if row is None or row.review_id != review_id:
                raise NotFound(f"draft {draft} does not belong to review {review_id}")
            text = row.text
        else:
            raise InvalidInput("part must be review, or draft with a draft id", field="part")
        try:
            translated = await translate(db_session, state.llm, text, to, review_id=review_id)
            error = None
        except LLMError as exc:
            translated, error = "", f"The translation failed: {exc.detail}. Try again."
        return render(
            request, "_translation.html", translated=translated, error=error, language=LANGUAGES.get(to, to), part=part
        )

    def _to_review(self, request: Request, review_id: int, q: str) -> Response:
        target = review_url(review_id, q)
        if is_htmx(request):
            return Response("", headers={"HX-Redirect": target})
        return Redirect(target, status_code=303)

    # -- claims and follow-ups ----------------------------------------------------------------------
    @post("/reviews/{review_id:int}/claim", status_code=200)
    async def claim(self, review_id: int, request: Request, db_session: AsyncSession, state: State) -> Response:
        return await self._claim(review_id, request, db_session, state, release=False)

    @post("/reviews/{review_id:int}/release", status_code=200)
    async def release(self, review_id: int, request: Request, db_session: AsyncSession, state: State) -> Response:
        return await self._claim(review_id, request, db_session, state, release=True)

    async def _claim(
        self, review_id: int, request: Request, db_session: AsyncSession, state: State, *, release: bool
    ) -> Response:
        form = await read_form(request)
        q, draft_id = text_field(form, "q", limit=2000), int_field(form, "draft")
        service = self._drafts(db_session, state)
        status, message = 200, None
        try:
            if release:
                await service.release(review_id, actor=request.user.actor)
                message = ("info", "Released: others can pick this review up.")
            else:
                minutes = state.settings.claim_minutes
                await service.claim(review_id, actor=request.user.actor, minutes=minutes)
                message = ("success", f"Claimed for {minutes} minutes; others see you are on it.")
        except Conflict as exc:
            status, message = 409, ("warning", f"{exc.detail}; they hold it until it expires or they release it.")
        if not is_htmx(request):
            flash(request, message[1], message[0])
            return Redirect(review_url(review_id, q, draft_id), status_code=303)
        return await self._page(request, db_session, state, review_id, draft_id, q, status_code=status, message=message)

    @post("/reviews/{review_id:int}/resolve", status_code=200)
    async def resolve(self, review_id: int, request: Request, db_session: AsyncSession, state: State) -> Response:
        form = await read_form(request)
        q = text_field(form, "q", limit=2000)
        try:
            await resolve_case(db_session, state.playbooks, state.llm, review_id, request.user.actor)
        except AssistantError as exc:
            flash(request, exc.detail, "danger")
        else:
            flash(request, "Marked resolved; the follow-up draft asking to update the rating is below.", "success")
        target = review_url(review_id, q)
        if is_htmx(request):
            return Response("", headers={"HX-Redirect": target})
        return Redirect(target, status_code=303)
