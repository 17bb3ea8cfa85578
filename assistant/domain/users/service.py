"""Accounts for the web UI: create, authenticate, list, (de)activate.

Passwords are hashed with argon2id (argon2-cffi's defaults, rehashed on login when the parameters change).
A login with an unknown email still runs one verification against a dummy hash, so response time doesn't
tell which emails exist. Deactivation keeps the row (the audit trail names people by email) and ends every
session at the next request, because the web layer reloads the user on each one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from assistant.db.models import User, utcnow
from assistant.errors import Conflict, InvalidInput, NotFound

ROLES = ("agent", "admin")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password-just-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD or len(password) > MAX_PASSWORD or "\x00" in password:
        raise InvalidInput(f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters", field="password")


class UserService:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def create(self, *, email: str, name: str, password: str, role: str = "agent") -> User:
        email, name = normalize_email(email), name.strip()
        if not _EMAIL.match(email) or len(email) > 320 or "\x00" in email:
            raise InvalidInput("a valid email address is required", field="email")
        if not name or len(name) > 200 or "\x00" in name:
            raise InvalidInput("a name of 1 to 200 characters is required", field="name")
        if role not in ROLES:
            raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
        check_password(password)
        user = User(email=email, name=name, password_hash=hash_password(password), role=role)
        self.session.add(user)
        try:
            await self.session.commit()
        except IntegrityError as exc:
            await self.session.rollback()
            raise Conflict(f"a user with the email {email} already exists", field="email") from exc
        return user

    async def authenticate(self, email: str, password: str) -> User | None:
        """The active user with these credentials, or None (never says which part was wrong)."""
        if len(password) > MAX_PASSWORD:
            return None
        user = await self.by_email(email)
        if user is None:
            verify_password(_DUMMY_HASH, password)
            return None
        if not verify_password(user.password_hash, password) or not user.active:
            return None
        values: dict[str, object] = {"last_login_at": utcnow()}
        if _hasher.check_needs_rehash(user.password_hash):
            values["password_hash"] = hash_password(password)
        await self.session.execute(update(User).where(User.id == user.id).values(**values))
        await self.session.commit()
        await self.session.refresh(user)
        return user

    async def by_email(self, email: str) -> User | None:
        query = select(User).where(User.email == normalize_email(email))
        return (await self.session.execute(query)).scalars().first()

    async def get(self, user_id: int) -> User:
        user = await self.session.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found")
        return user

    async def active_user(self, user_id: int) -> User | None:
        """The user behind a session, fresh from the database; None once deactivated or deleted."""
        row = (
            (await self.session.execute(select(User).where(User.id == user_id, User.active.is_(True))))
            .scalars()
            .first()
        )
        return row

    async def list(self) -> Sequence[User]:
        return (await self.session.execute(select(User).order_by(User.active.desc(), User.email))).scalars().all()

    async def names(self) -> dict[str, str]:
        """email → display name, for showing who did what (the audit stores emails)."""
        rows = await self.session.execute(select(User.email, User.name))
        return dict(rows.all())

    async def set_active(self, user_id: int, active: bool, *, acting_user_id: int | None = None) -> User:
        user = await self.get(user_id)
        if not active and user_id == acting_user_id:
            raise InvalidInput("you cannot deactivate your own account")
        if not active and user.role == "admin" and user.active and await self._active_admins() <= 1:
            raise InvalidInput("the last active admin cannot be deactivated")
        await self.session.execute(update(User).where(User.id == user_id).values(active=active))
        await self.session.commit()
        await self.session.refresh(user)
        return user

    async def _active_admins(self) -> int:
        query = select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True))
        return (await self.session.execute(query)).scalar_one()
