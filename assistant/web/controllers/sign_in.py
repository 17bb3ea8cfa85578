"""Sign in and out. Failed sign-ins are limited per account, whatever address they come from, and per client
address across accounts (password spraying); a small in-process window each."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from litestar.response import Redirect
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.domain.users.service import UserService
from assistant.web.forms import local_path, read_form, text_field
from assistant.web.rendering import render
from assistant.web.sessions import start_session

FAILURE_WINDOW = 300.0
MAX_FAILURES = 10  # per account: guesses at one password, from any number of addresses
MAX_ADDRESS_FAILURES = 50  # per client address, over all accounts
MAX_KEYS = 10_000


class FailureWindow:
    """Failures per key in the last FAILURE_WINDOW seconds, at most MAX_KEYS keys. When full, keys whose
    failures have all expired go first, then the least recently failed: never the whole table at once."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        window = self.failures.get(key)
        while window and window[0] < now - FAILURE_WINDOW:
            window.popleft()
        return window

    def blocked(self, key: str) -> bool:
        window = self._recent(key, time.monotonic())
        return bool(window) and len(window) >= self.limit

    def fail(self, key: str) -> None:
        now = time.monotonic()
        window = self._recent(key, now)
        if window is None:
            if len(self.failures) >= MAX_KEYS:
                self._evict(now)
            window = self.failures[key] = deque(maxlen=self.limit)
        self.failures.move_to_end(key)
        window.append(now)

    def _evict(self, now: float) -> None:
        for stale in [k for k, w in self.failures.items() if not w or w[-1] < now - FAILURE_WINDOW]:
            del self.failures[stale]
        while len(self.failures) >= MAX_KEYS:
            self.failures.popitem(last=False)


class LoginThrottle:
    """At most MAX_FAILURES failed sign-ins per account and MAX_ADDRESS_FAILURES per client address in
    FAILURE_WINDOW seconds. The address is the socket's peer unless `ASSISTANT_FORWARDED_ALLOW_IPS` names the
    proxy whose X-Forwarded-For the server may believe (see assistant/server/run.py)."""

    def __init__(self) -> None:
        self.accounts = FailureWindow(MAX_FAILURES)
        self.addresses = FailureWindow(MAX_ADDRESS_FAILURES)

    def blocked(self, account: str, address: str) -> bool:
        return self.accounts.blocked(account) or self.addresses.blocked(address)

    def fail(self, account: str, address: str) -> None:
        self.accounts.fail(account)
        self.addresses.fail(address)


class SignInController(Controller):
    path = "/"
    opt = {"exclude_from_auth": True}
    include_in_schema = False

    @get("/login")
    async def login_form(
        self, request: Request, next_: Annotated[str | None, Parameter(query="next", max_length=2000)] = None
    ) -> Response:
        return render(request, "login.html", next=local_path(next_, "/queue"), error=None, email="")

    @post("/login", status_code=200)
    async def login(self, request: Request, db_session: AsyncSession, state: State) -> Response:
        form = await read_form(request)
        email = text_field(form, "email", limit=320).strip()
        password = text_field(form, "password", limit=1024)
        target = local_path(form.get("next"), "/queue")
        account, address = email.lower(), request.client.host if request.client else "unknown"
        throttle: LoginThrottle = state.setdefault("login_throttle", LoginThrottle())
        if throttle.blocked(account, address):
            return render(
                request,
                "login.html",
                status_code=429,
                next=target,
                email=email,
                error="Too many failed sign-ins. Wait a few minutes and try again.",
            )
        user = await UserService(db_session).authenticate(email, password) if email and password else None
        if user is None:
            throttle.fail(account, address)
            return render(
                request,
                "login.html",
                status_code=401,
                next=target,
                email=email,
                error="That email and password don't match an active account.",
            )
        start_session(request, user)
        return Redirect(target, status_code=303)

    @post("/logout", status_code=200)
    async def logout(self, request: Request) -> Response:
        request.clear_session()
        return Redirect("/login", status_code=303)
