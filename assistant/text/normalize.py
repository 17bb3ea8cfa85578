"""One normalization for every check that reads untrusted text, plus extra views for inspection.

Why one function: an order that is caught in plain text must be caught when it is written with zero-width
spaces, soft hyphens, fullwidth or mathematical letters, Cyrillic/Greek look-alikes or 10,000 newlines. If
classification, injection detection and the guard each cleaned text their own way, every difference between
them would be a gap. `normalize` is that one way:

  1. NFKC (fullwidth "ｉｇｎｏｒｅ", "𝐢𝐠𝐧𝐨𝐫𝐞", ligatures, superscripts → plain letters and digits);
  2. drop invisible characters: format characters (zero-width space/joiner, soft hyphen, bidi marks and
     overrides, word joiner, BOM, tag characters), stray combining marks, variation selectors, control
     characters; invisible fillers (Hangul filler, braille blank) become spaces;
  3. fold look-alike letters: a word mixing Latin, Cyrillic and Greek letters is rewritten in its majority
     script, small capitals become letters, and in a Latin text a word spelled only with Cyrillic look-alikes
     ("ѕеnd" → "send") is read as Latin;
  4. collapse whitespace runs: one space, or one newline when the run holds a line break.

Case is kept (canary tokens are told by their capitals); `lexicon.fold` lower-cases afterwards without
changing length. `inspection_views` gives the same text read other ways, for checks only (never shown or
stored): obvious base64 runs decoded, the whole text reversed (right-to-left override, reversed words),
letter-spaced words joined ("i g n o r e"), digits-for-letters words ("1gn0re"), HTML/percent/\\u escapes.
Everything here is linear in the input: single-pass translate tables and regexes without nested quantifiers.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar
from urllib.parse import unquote

T = TypeVar("T")
MAX_VIEW_CHARS = 50_000  # a view longer than this is cut: views are for spotting orders, not for reading books

# -- 2. invisible characters ---------------------------------------------------------------------------------
# Format characters (Unicode category Cf) listed as ranges, so no table of 1.1M code points is built at import.
_FORMAT_RANGES = (
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
_MARK_RANGES = (  # combining marks left over after NFKC (Zalgo, a stray accent), variation selectors
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE00, 0xFE0F),
    (0xFE20, 0xFE2F),
    (0xE0100, 0xE01EF),
)
_CONTROL_RANGES = ((0x00, 0x08), (0x0E, 0x1B), (0x7F, 0x84), (0x86, 0x9F))  # \t \n \v \f \r \x1c-\x1f \x85 are spaces
_BLANKS = "\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5"  # fillers that render as nothing or as a blank


def _ranges_class(*groups: tuple[tuple[int, int], ...]) -> str:
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for group in groups for a, b in group)


_INVISIBLE = re.compile(f"[{_ranges_class(_FORMAT_RANGES, _MARK_RANGES, _CONTROL_RANGES)}]+")
_BLANK = re.compile(f"[{_BLANKS}]")
_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")

# -- 3. look-alike letters -----------------------------------------------------------------------------------
_CYR_LAT = ("аеорсухіјѕһԁԛԝӏкмнтвАВЕКМНОРСТУХІЈЅҺԚԜӀ", "aeopcyxijshdqwlkmhtbABEKMHOPCTYXIJSHQWI")
_GREEK_LAT = ("αβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "aBeikvoptuxABEZHIKMNOPTYX")
_GREEK_CYR = ("αεικορτυχΑΒΕΗΙΚΜΝΟΡΤΥΧ", "аеікортухАВЕНІКМНОРТУХ")
_LAT_CYR = ("aeopcyxiABEKMHOPCTYXI", "аеорсухіАВЕКМНОРСТУХІ")  # lower-case k m n t b look different in Cyrillic
_ALWAYS = str.maketrans(
    {  # not letters of ru/uk/lv/en: small capitals, dotless/dotted i, script g, long s
        **dict(zip("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢ", "abcdefghijklmnoprstuvwyz")),
        "ı": "i",
        "İ": "I",
        "ɡ": "g",
        "ſ": "s",
        "ɑ": "a",
        "ɩ": "i",
        "ꞵ": "B",
    }
)
_TO_LAT = str.maketrans({**dict(zip(*_CYR_LAT)), **dict(zip(*_GREEK_LAT))})
_TO_CYR = str.maketrans({**dict(zip(*_LAT_CYR)), **dict(zip(*_GREEK_CYR))})
_CYR_LOOKALIKES = frozenset(_CYR_LAT[0])

_CYR = re.compile(r"[\u0400-\u052f]")
_LAT = re.compile(r"[a-zA-Z\u00c0-\u024f]")
_GREEK = re.compile(r"[\u0370-\u03ff]")
_WORD = re.compile(r"[^\W\d_]+")
_CYR_ONLY = re.compile(
    "[" + "".join(ch for ch in "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ" if ch not in _CYR_LAT[0]) + "]", re.IGNORECASE
)
_LAT_ONLY = re.compile(
    "[" + "".join(ch for ch in "abcdefghijklmnopqrstuvwxyz" if ch not in _LAT_CYR[0]) + "āčēģīķļņšūž]", re.IGNORECASE
)
_ODD_LETTERS = re.compile("[ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢıİɡſɑɩꞵ]")


def _fold_lookalikes(text: str) -> str:
    if _ODD_LETTERS.search(text):
        text = text.translate(_ALWAYS)
    cyr, lat = len(_CYR.findall(text)), len(_LAT.findall(text))
    greek = bool(_GREEK.search(text))
    if not greek and not (cyr and lat):
        return text
    # the text's script, told by letters that have no look-alike in the other script (б щ л vs g n r)
    cyr_only, lat_only = len(_CYR_ONLY.findall(text)), len(_LAT_ONLY.findall(text))
    whole = "cyr" if (cyr_only, cyr) > (lat_only, lat) else "lat"

    def fix(match: re.Match[str]) -> str:
        word = match.group()
        c, lat = len(_CYR.findall(word)), len(_LAT.findall(word))
        g = len(_GREEK.findall(word))
        if g == 0 and (c == 0 or lat == 0):
            return word
        if c == 0 and lat == 0:  # all Greek: read as the text's script (there is no Greek among our languages)
            target = whole
        else:
            target = "cyr" if c > lat else "lat" if lat > c else whole
        as_lat, as_cyr = word.translate(_TO_LAT), word.translate(_TO_CYR)
        lat_ok, cyr_ok = (
            not _CYR.search(as_lat) and not _GREEK.search(as_lat),
            not _LAT.search(as_cyr) and not _GREEK.search(as_cyr),
        )
        if lat_ok != cyr_ok:  # "МЕLОN": only Latin can spell it whole, whatever the majority
            return as_lat if lat_ok else as_cyr
        if lat_ok:  # "Kaк" spells both ways: the text's script decides
            target = whole
        return as_cyr if target == "cyr" else as_lat

    text = _WORD.sub(fix, text)
    cyr, lat = len(_CYR.findall(text)), len(_LAT.findall(text))
    if cyr and lat >= 4 * cyr:  # a Latin text: a word spelled only in Cyrillic look-alikes is a disguise
        text = _WORD.sub(
            lambda m: m.group().translate(_TO_LAT) if all(ch in _CYR_LOOKALIKES for ch in m.group()) else m.group(),
            text,
        )
    return text


_OTHER_BREAK = re.compile("[" + "".join(sorted(_BREAKS - {"\n"})) + "]")  # a class, not str.translate: 10x faster
_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r" ?\n[ \n]*")  # nothing follows the greedy class: no backtracking


def _collapse_whitespace(text: str) -> str:
    """Runs of whitespace → one space, or one newline when the run holds a line break. Three linear passes."""
    return _NEWLINES.sub("\n", _SPACES.sub(" ", _OTHER_BREAK.sub("\n", text))).strip()


def _strip_invisible(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    return _BLANK.sub(" ", text)


CACHED_CHARS = 4000  # texts up to this long are remembered (at most ~16 MB for normalize's 1,024)


class Remembered(Generic[T]):
    """A text function's results, kept for texts of ordinary length (up to CACHED_CHARS): the rules and the guard
    read the same review and draft about ten times each. Longer texts are computed each time and not kept."""

    def __init__(self, compute: Callable[..., T], maxsize: int) -> None:
        self.compute = compute
        self._cached = lru_cache(maxsize=maxsize)(compute)

    def __call__(self, text: str, *args: Any) -> T:
        return self._cached(text, *args) if len(text) <= CACHED_CHARS else self.compute(text, *args)

    def cache_info(self) -> Any:
        return self._cached.cache_info()


def normalize(text: str | None) -> str:
    """The text every check reads: NFKC, invisible characters dropped, look-alikes folded, whitespace collapsed.
    Idempotent, case-preserving, linear time. Remembered (0.3 ms a review before, bench/pipeline_parts.py)."""
    return _normalized(text) if text else ""


def _normalize(text: str) -> str:
    text = _fold_lookalikes(_strip_invisible(text))
    # NFKC once more: folding can produce a letter + combining mark pair that composes (rare; keeps idempotence)
    text = unicodedata.normalize("NFKC", text)
    return _collapse_whitespace(text)


_normalized = Remembered(_normalize, maxsize=1024)


# -- inspection views ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class View:
    """The review read another way: `name` says how ("base64", "reversed", "spaced", "leet", "escaped")."""

    name: str
    text: str  # normalized, with the decoded parts in place of the encoded ones


# Runs of base64 alphabet, 16+ long; a run ends where the alphabet ends, so there is nothing to backtrack into.
_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_B64_MIN_LETTERS = 0.6


def _decode_b64(run: str) -> str | None:
    """The text a base64 run encodes, if it is readable text; None for words, hashes and binary."""
    body = run.rstrip("=")
    if not (re.search(r"[0-9+/_-]", body) or (re.search(r"[a-z]", body) and re.search(r"[A-Z]", body))):
        return None  # one-case letters only: a long word, not an encoding
    padded = body + "=" * (-len(body) % 4)
    for decoder in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            raw = decoder(padded)
            decoded = raw.decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        letters = sum(ch.isalpha() or ch.isspace() for ch in decoded)
        visible = decoded.replace("\n", " ").replace("\r", " ").replace("\t", " ")
        if len(decoded) >= 6 and letters / len(decoded) >= _B64_MIN_LETTERS and visible.isprintable():
            return decoded
    return None


def _base64_view(text: str) -> str | None:
    changed = False

    def swap(match: re.Match[str]) -> str:
        nonlocal changed
        decoded = _decode_b64(match.group())
        if decoded is None:
            return match.group()
        changed = True
        return f" {decoded} "

    out = _B64_RUN.sub(swap, text)
    if changed and _B64_RUN.search(out):  # base64 inside base64
        out = _B64_RUN.sub(swap, out)
    return out if changed else None


_SPACED_SEPARATORS = frozenset(" .-_*·/|,+~")
_PIECES = re.compile(r"[^\W\d_]+|\s+|.", re.DOTALL)


_SPACED_GATE = re.compile(r"(?<![^\W\d_])[^\W\d_][ .\-_*·/|,+~][^\W\d_][ .\-_*·/|,+~][^\W\d_](?![^\W\d_])")


def _spaced_view(text: str) -> str | None:
    """Letter-spaced words joined: "i g n o r e  a l l" → "ignore all", "I.G.N.O.R.E" → "IGNORE". A run of
    single letters with one-character separators is one word; a wider gap separates words. One pass over
    tokens, no regex backtracking."""
    if not _SPACED_GATE.search(text):
        return None
    pieces = _PIECES.findall(text)
    out: list[str] = []
    run: list[str] = []  # letters of the current spaced run
    changed = False

    def flush() -> None:
        nonlocal changed
        if len(run) >= 3:
            out.append("".join(run))
            changed = True
        else:
            out.append(" ".join(run))
        run.clear()

    i = 0
    while i < len(pieces):
        piece = pieces[i]
        if len(piece) == 1 and piece.isalpha():
            run.append(piece)
            nxt = pieces[i + 1] if i + 1 < len(pieces) else ""
            after = pieces[i + 2] if i + 2 < len(pieces) else ""
            if len(nxt) == 1 and nxt in _SPACED_SEPARATORS and len(after) == 1 and after.isalpha():
                i += 2
                continue
            flush()
            i += 1
            continue
        if run:
            flush()
        out.append(piece)
        i += 1
    if run:
        flush()
    return "".join(out) if changed else None


_LEET_TOKEN = re.compile(r"[\w@$]+")
_LEET_LAT = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s", "|": "l"}
)
_LEET_CYR = str.maketrans({"0": "о", "3": "з", "4": "ч", "6": "б", "@": "а", "1": "і"})
_HAS_DIGITISH = re.compile(r"[0-9@$]")
_HAS_LETTER = re.compile(r"[^\W\d_]")


_LEET_GATE = re.compile(r"[^\W\d_][0-9@$|]|[0-9@$|][^\W\d_]")


def _leet_view(text: str) -> str | None:
    if not _LEET_GATE.search(text):
        return None
    changed = False

    def swap(match: re.Match[str]) -> str:
        nonlocal changed
        token = match.group()
        letters = len(_HAS_LETTER.findall(token))
        if letters < 2 or len(token) > 24 or not _HAS_DIGITISH.search(token) or letters < len(token) / 2:
            return token  # "5", "2024", "A4", a hash or base64: not a disguised word
        changed = True
        return token.translate(_LEET_CYR if _CYR.search(token) else _LEET_LAT)

    out = _LEET_TOKEN.sub(swap, text)
    return out if changed else None


_U_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})")
_PERCENT = re.compile(r"(?:%[0-9a-fA-F]{2}){3,}")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")


def _escaped_view(text: str) -> str | None:
    out = text
    if _ENTITY.search(out):
        out = html.unescape(out)
    if _PERCENT.search(out):
        out = _PERCENT.sub(lambda m: unquote(m.group()), out)
    if _U_ESCAPE.search(out):
        out = _U_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), out)
    return out if out != text else None


def inspection_views(text: str | None) -> tuple[View, ...]:
    """Other readings of `text` worth checking for orders, each normalized; empty when there is none. The plain
    normalized text is not among them: callers check `normalize(text)` first. Remembered like `normalize`: the
    rules and the guard both read the review's views."""
    return _remembered_views(text) if text else ()


def _views(text: str) -> tuple[View, ...]:
    text = text[: MAX_VIEW_CHARS * 2]
    spaced_source = _fold_lookalikes(_strip_invisible(text))  # before collapsing: wide gaps separate words
    plain = _collapse_whitespace(spaced_source)
    candidates = (
        ("base64", _base64_view(plain)),
        ("spaced", _spaced_view(spaced_source)),
        ("leet", _leet_view(plain)),
        ("escaped", _escaped_view(plain)),
    )
    seen = {plain}
    views = []
    for name, value in candidates:
        if value is None:
            continue
        value = normalize(value[:MAX_VIEW_CHARS])
        if value and value not in seen:
            seen.add(value)
            views.append(View(name, value))
    # The whole text backwards, always (a slice: cheap). Scoring segments for "reads better backwards" missed
    # short reversed orders ("…:АМЕТСИС"); a right-to-left override stores its text in exactly this order.
    backwards = plain[:MAX_VIEW_CHARS][::-1]
    if backwards not in seen:
        views.append(View("reversed", backwards))
    return tuple(views)


_remembered_views = Remembered(_views, maxsize=256)


def reversed_text(text: str | None) -> str:
    """The whole normalized text backwards: for checks that look for orders written right to left."""
    return normalize(text)[::-1]


__all__ = ["MAX_VIEW_CHARS", "View", "inspection_views", "normalize", "reversed_text"]
