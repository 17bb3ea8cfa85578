"""Reading HTML form posts: bounded text fields, ids, and safe local redirect targets."""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import FormMultiDict

from assistant.errors import InvalidInput


async def read_form(request: Request) -> FormMultiDict:
    """The page forms take text only: a field sent as a file (where `next` or `ids` is expected) is a 400."""
    form = await request.form()
    if any(not isinstance(value, str) for _, value in form.multi_items()):
        raise InvalidInput("this form takes text fields only, not files")
    return form


def whole_number(value: object, max_digits: int = 12) -> bool:
    """ASCII digits only: `"²".isdigit()` is true, but `int("²")` raises (and `int("٣")` is 3)."""
    return isinstance(value, str) and 0 < len(value) <= max_digits and value.isascii() and value.isdigit()


def text_field(form: FormMultiDict, name: str, *, limit: int, required: bool = False, label: str | None = None) -> str:
    """A text input with browser line endings normalised; too long, NUL bytes or missing → 400."""
    value = form.get(name)
    value = value.replace("\r\n", "\n") if isinstance(value, str) else ""
    if "\x00" in value:
        raise InvalidInput(f"{label or name} contains a NUL byte", field=name)
    if len(value) > limit:
        raise InvalidInput(f"{label or name} is longer than {limit} characters", field=name)
    if required and not value.strip():
        raise InvalidInput(f"{label or name} is required", field=name)
    return value


def int_field(form: FormMultiDict, name: str) -> int | None:
    value = form.get(name)
    if value in (None, ""):
        return None
    if not whole_number(value):
        raise InvalidInput(f"{name} must be a whole number", field=name)
    return int(value)


def ids_field(form: FormMultiDict, name: str, limit: int = 500) -> list[int]:
    values = form.getall(name) if name in form else []
    if len(values) > limit:
        raise InvalidInput(f"select at most {limit} items at once", field=name)
    if not all(whole_number(v) for v in values):
        raise InvalidInput("invalid selection", field=name)
    return [int(v) for v in values]


def local_path(target: str | None, default: str) -> str:
    """Only same-site paths: no scheme, no host, no protocol-relative `//` (no open redirects)."""
    if (
        not isinstance(target, str)
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or len(target) > 2000
    ):
        return default
    if any(ch in target for ch in "\r\n\x00"):
        return default
    return target
