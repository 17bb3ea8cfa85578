"""Sign in and out. Failed sign-ins are limited per client address and account (a small in-process window)."""

from __future__ import annotations

import time
from collections import deque
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from litestar.response import Redirect
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.domain.users.service import UserService
from assistant.web.forms import local_path, read_form, text_field
from assistant.web.rendering import render
from assistant.web.security import start_session

FAILURE_WINDOW = 300.0
MAX_FAILURES = 10


class LoginThrottle:
    """At most MAX_FAILURES failed sign-ins per (address, email) in FAILURE_WINDOW seconds."""

    def __init__(self) -> None:
        self.failures: dict[str, deque[float]] = {}

    def blocked(self, key: str) -> bool:
        window = self.failures.get(key)
        now = time.monotonic()
        while window and window[0] < now - FAILURE_WINDOW:
            window.popleft()
        return bool(window) and len(window) >= MAX_FAILURES

    def fail(self, key: str) -> None:
        if len(self.failures) > 10_000:
            self.failures.clear()
        self.failures.setdefault(key, deque()).append(time.monotonic())


class AuthController(Controller):
    path = "/"
    opt = {"exclude_from_auth": True}
    include_in_schema = False

    @get("/login")
    async def login_form(self, request: Request,
                         next_: Annotated[str | None, Parameter(query="next", max_length=2000)] = None) -> Response:
        return render(request, "login.html", next=local_path(next_, "/queue"), error=None, email="")

    @post("/login", status_code=200)
    async def login(self, request: Request, db_session: AsyncSession, state: State) -> Response:
        form = await read_form(request)
        email = text_field(form, "email", limit=320).strip()
        password = text_field(form, "password", limit=1024)
        target = local_path(form.get("next"), "/queue")
        client = f"{request.client.host if request.client else 'unknown'}|{email.lower()}"  # per address and account
        throttle: LoginThrottle = state.setdefault("login_throttle", LoginThrottle())
        if throttle.blocked(client):
            return render(request, "login.html", status_code=429, next=target, email=email,
                          error="Too many failed sign-ins. Wait a few minutes and try again.")
        user = await UserService(db_session).authenticate(email, password) if email and password else None
        if user is None:
            throttle.fail(client)
            return render(request, "login.html", status_code=401, next=target, email=email,
                          error="That email and password don't match an active account.")
        start_session(request, user)
        return Redirect(target, status_code=303)

    @post("/logout", status_code=200)
    async def logout(self, request: Request) -> Response:
        request.clear_session()
        return Redirect("/login", status_code=303)
