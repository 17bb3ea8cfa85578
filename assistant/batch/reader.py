"""Reading platform exports (CSV, TSV, JSON Lines) into reviews, one row at a time, bytes first.

Exports are messy: Excel's `;`, a UTF-8 BOM, quoted text with newlines, a stray line in another encoding. So
the file is read as bytes and each physical line is decoded on its own: an undecodable line spoils only the
row it belongs to, which is reported with its line number, and the rows around it go through. Columns are
matched against the usual export names (text / review / comment / body, rating / stars / score, id /
review_id, date / created_at, author / name, url / link) unless a flag names the column. Nothing is kept
per row beyond what is yielded, so memory stays flat however long the file is.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import msgspec

from assistant.domain.reviews.schemas import ReviewIn

FIELDS = ("text", "rating", "external_id", "created_at", "author", "url")
ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("text", "review", "comment", "body", "content", "message", "review_text", "comment_text", "feedback"),
    "rating": ("rating", "stars", "score", "star_rating", "grade"),
    "external_id": ("id", "review_id", "external_id", "reviewid", "uid"),
    "created_at": ("date", "created_at", "created", "published_at", "review_date", "time", "timestamp", "datetime"),
    "author": ("author", "name", "author_name", "user", "username", "user_name", "reviewer", "customer"),
    "url": ("url", "link", "permalink", "review_url"),
}
FORMATS = ("csv", "jsonl")
_DELIMITERS = (",", ";", "\t", "|")
_DAY_FIRST = (
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
)
_RATING = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:(?:/|of|из|no)\s*5)?", re.IGNORECASE)
MAX_AUTHOR = 300


class BatchFileError(Exception):
    """The file as a whole can't be read (unknown format, no text column, a JSON array): nothing is imported."""


@dataclass(frozen=True)
class ReadOptions:
    source: str
    business: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)  # field -> column named by a flag ("" = ignore it)
    min_rating: int | None = None
    max_rating: int | None = None
    since: datetime | None = None
    encoding: str = "utf-8"
    format: str | None = None  # csv | jsonl; else by the file's extension
    delimiter: str | None = None  # CSV only; else guessed from the header line


@dataclass(frozen=True)
class Row:
    """A good row: the review to ingest, and what identifies it across re-imports."""

    line: int
    review: ReviewIn
    key: str | None  # idempotency key when the file has no id for the row

    @property
    def identity(self) -> str:
        return f"id:{self.review.external_id}" if self.review.external_id else f"key:{self.key}"


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass(frozen=True)
class Filtered:
    line: int
    reason: str


Item = Row | BadRow | Filtered


def normalize_name(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").strip().lower())


def content_key(
    source: str,
    business: str | None,
    text: str,
    rating: int | None,
    author: str | None,
    created_at: datetime | None,
    url: str | None,
) -> str:
    """A stable idempotency key for a row with no id: the same row imported twice maps to the same review."""
    canonical = json.dumps(
        [(business or "default").lower(), text, rating, author, created_at.isoformat() if created_at else None, url],
        ensure_ascii=False,
    )
    return f"batch:{source}:{hashlib.sha256(canonical.encode()).hexdigest()[:40]}"


def parse_rating(value: Any) -> int | None:
    """1..5 from `5`, `"4.0"`, `"4/5"`, `"★★★★☆"`; None when empty; ValueError for anything else."""
    if isinstance(value, bool):
        raise ValueError(f"rating {value!r} is not a number from 1 to 5")
    if value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        if not text:
            return None
        if set(text) <= {"★", "☆", " "}:
            number = float(text.count("★"))
        elif match := _RATING.fullmatch(text):
            number = float(match.group(1).replace(",", "."))
        else:
            raise ValueError(f"rating {text[:40]!r} is not a number from 1 to 5")
    if number != int(number) or not 1 <= number <= 5:
        raise ValueError(f"rating {value!r} is not a whole number from 1 to 5")
    return int(number)


def parse_date(value: Any) -> datetime | None:
    """ISO 8601, day-first `31.12.2024` / `31/12/2024`, or a Unix timestamp (s or ms); naive means UTC."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric or (isinstance(value, str) and value.strip().isdigit()):
        seconds = float(value)
        try:
            return datetime.fromtimestamp(seconds / 1000 if seconds > 1e11 else seconds, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise ValueError(f"timestamp {value!r} is out of range") from exc
    text = str(value).strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        for pattern in _DAY_FIRST:
            try:
                parsed = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValueError(f"date {text[:40]!r} is not ISO 8601, DD.MM.YYYY or a Unix timestamp")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def build_item(line: int, values: Mapping[str, Any], options: ReadOptions) -> Item:
    """One record's mapped values → a good row, a bad row (with the reason) or a filtered one."""
    text = _text(values.get("text"))
    text = text.replace("\r\n", "\n").replace("\r", "\n") if text else None
    if text is None:
        return BadRow(line, "missing text")
    if "\x00" in text:
        return BadRow(line, "text contains a NUL byte")
    try:
        rating = parse_rating(values.get("rating"))
        created_at = parse_date(values.get("created_at"))
    except ValueError as exc:
        return BadRow(line, str(exc))
    if options.min_rating is not None and (rating is None or rating < options.min_rating):
        return Filtered(line, f"rating {rating} below --min-rating {options.min_rating}")
    if options.max_rating is not None and (rating is None or rating > options.max_rating):
        return Filtered(line, f"rating {rating} above --max-rating {options.max_rating}")
    if options.since is not None and (created_at is None or created_at < options.since):
        return Filtered(line, f"dated {created_at.date() if created_at else 'never'}, before --since")
    external_id, author, url = _text(values.get("external_id")), _text(values.get("author")), _text(values.get("url"))
    author = author[:MAX_AUTHOR] if author else None
    try:
        review = msgspec.convert(
            {
                "text": text,
                "source": options.source,
                "external_id": external_id,
                "rating": rating,
                "author": author,
                "url": url,
                "business": options.business,
                "created_at": created_at,
            },
            ReviewIn,
        )
    except msgspec.ValidationError as exc:
        return BadRow(line, f"invalid: {exc}".replace("$.", ""))
    key = None if external_id else content_key(options.source, options.business, text, rating, author, created_at, url)
    return Row(line, review, key)


def detect_format(path: Path, options: ReadOptions) -> str:
    if options.format:
        if options.format not in FORMATS:
            raise BatchFileError(f"unknown format {options.format!r}: use csv or jsonl")
        return options.format
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt", ""):
        return "csv"
    raise BatchFileError(f"can't tell the format of {path.name}: pass --format csv or --format jsonl")


def read_rows(path: Path, options: ReadOptions) -> Iterator[Item]:
    """Every record of the file, in order, as Row / BadRow / Filtered. BatchFileError if the file can't be read."""
    try:
        codecs.lookup(options.encoding)
    except LookupError as exc:
        raise BatchFileError(f"unknown encoding {options.encoding!r}") from exc
    if codecs.lookup(options.encoding).name.startswith(("utf-16", "utf-32")):
        raise BatchFileError("UTF-16/32 files can't be read line by line: save the export as UTF-8")
    kind = detect_format(path, options)
    with path.open("rb") as handle:
        head = handle.read(4)
        handle.seek(0)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise BatchFileError("the file is UTF-16: save the export as UTF-8")
        if kind == "jsonl":
            yield from _read_jsonl(handle, options)
        else:
            yield from _read_csv(handle, options, path)


def _decoded_lines(handle: BinaryIO, encoding: str, bad: set[int]) -> Iterator[str]:
    """Physical lines decoded one by one; undecodable ones are noted in `bad` and passed on with U+FFFD."""
    for number, raw in enumerate(handle, start=1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            yield raw.decode(encoding)
        except UnicodeDecodeError:
            bad.add(number)
            yield raw.decode(encoding, errors="replace")


def _guess_delimiter(handle: BinaryIO, path: Path) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    first = handle.readline().decode("utf-8", errors="replace")
    handle.seek(0)
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def resolve_columns(headers: list[str], flags: Mapping[str, str]) -> dict[str, int]:
    """field → column index, from the flags or the usual names; BatchFileError when there is no text column."""
    names = [normalize_name(h) for h in headers]
    resolved: dict[str, int] = {}
    for name in FIELDS:
        if name in flags:
            wanted = flags[name]
            if not wanted:
                continue
            if normalize_name(wanted) not in names:
                raise BatchFileError(f"no column {wanted!r} for {name}; the header has: {', '.join(headers)}")
            resolved[name] = names.index(normalize_name(wanted))
            continue
        for alias in ALIASES[name]:
            if alias in names:
                resolved[name] = names.index(alias)
                break
    if "text" not in resolved:
        raise BatchFileError(f"no text column among: {', '.join(headers)}; name it with --text-column")
    return resolved


def _read_csv(handle: BinaryIO, options: ReadOptions, path: Path) -> Iterator[Item]:
    bad: set[int] = set()
    delimiter = options.delimiter or _guess_delimiter(handle, path)
    reader = csv.reader(_decoded_lines(handle, options.encoding, bad), delimiter=delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        raise BatchFileError("the file is empty") from None
    except csv.Error as exc:
        raise BatchFileError(f"line 1 (the header): {exc}") from exc
    if bad:
        raise BatchFileError(f"the header (line 1) is not valid {options.encoding}: pass --encoding (e.g. cp1251)")
    columns = resolve_columns(headers, options.columns)
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield BadRow(start, f"CSV: {exc}")
            continue
        end = reader.line_num
        if not any(cell.strip() for cell in record):
            continue  # a blank line
        spoiled = sorted(n for n in bad if start <= n <= end)
        bad.difference_update(spoiled)
        if spoiled:
            yield BadRow(start, f"undecodable bytes on line {spoiled[0]} (not {options.encoding}; see --encoding)")
            continue
        values = {name: record[index] if index < len(record) else None for name, index in columns.items()}
        yield build_item(start, values, options)


def _lookup(obj: Mapping[str, Any], lowered: Mapping[str, str], path: str) -> Any:
    """A key, case-insensitively, or a dotted path into nested objects (`author.name`)."""
    if (key := lowered.get(normalize_name(path))) is not None:
        return obj[key]
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _map_object(obj: Mapping[str, Any], flags: Mapping[str, str]) -> dict[str, Any]:
    lowered = {normalize_name(k): k for k in obj}
    values: dict[str, Any] = {}
    for name in FIELDS:
        if name in flags:
            values[name] = _lookup(obj, lowered, flags[name]) if flags[name] else None
            continue
        for alias in ALIASES[name]:
            if alias in lowered:
                values[name] = obj[lowered[alias]]
                break
    for name in ("author", "text"):  # {"author": {"name": …}} and {"text": {"text": …}} shapes
        if isinstance(values.get(name), Mapping):
            inner = values[name]
            values[name] = inner.get("name") or inner.get("text") or inner.get("display_name")
    return values


def _read_jsonl(handle: BinaryIO, options: ReadOptions) -> Iterator[Item]:
    for number, raw in enumerate(handle, start=1):
        if number == 1:
            raw = raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw
            if raw.lstrip().startswith(b"["):
                raise BatchFileError("a JSON array, not JSON Lines: convert it with  jq -c '.[]' FILE > FILE.jsonl")
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw.decode(options.encoding))
        except UnicodeDecodeError:
            yield BadRow(number, f"undecodable bytes (not {options.encoding}; see --encoding)")
            continue
        except json.JSONDecodeError as exc:
            yield BadRow(number, f"invalid JSON, column {exc.colno}: {exc.msg.removesuffix(' at')}")
            continue
        if not isinstance(obj, dict):
            yield BadRow(number, f"not a JSON object but {type(obj).__name__}")
            continue
        yield build_item(number, _map_object(obj, options.columns), options)
