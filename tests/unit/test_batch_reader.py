"""The batch reader: column mapping, messy encodings, bad rows by line, filters, stable content keys."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.batch.estimate import Profile, _fit, extrapolate
from assistant.batch.prices import parse_price
from assistant.batch.reader import (
    BadRow,
    BatchFileError,
    Filtered,
    ReadOptions,
    Row,
    parse_date,
    parse_rating,
    read_rows,
)
from assistant.processing.rate_limits import parse_rate_limit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "batch"


def items(path: Path, **options: object) -> list:
    return list(read_rows(path, ReadOptions(source=options.pop("source", "shop"), **options)))  # type: ignore[arg-type]


def test_messy_csv_reports_bad_rows_by_line_and_keeps_the_good_ones():
    found = items(FIXTURES / "messy.csv")
    bad = {i.line: i.reason for i in found if isinstance(i, BadRow)}
    assert sorted(bad) == [5, 6, 7, 9, 13]
    assert bad[5] == "missing text"
    assert "seven" in bad[6] and "undecodable" in bad[7] and "'9'" in bad[9] and "not-a-date" in bad[13]
    rows = [i for i in found if isinstance(i, Row)]
    assert [r.line for r in rows] == [2, 3, 8, 11, 12]  # line 12 repeats line 2: the importer skips it
    multi = rows[1].review
    assert multi.text == "Курьер опоздал на два часа,\nи даже не извинился" and multi.rating == 2
    assert multi.created_at == datetime(2024, 3, 2, tzinfo=UTC) and multi.author == "Иван"
    assert rows[0].review.external_id == "r1" and rows[0].key is None and rows[0].identity == rows[4].identity


def test_messy_jsonl_maps_the_usual_names_and_reports_the_rest():
    found = items(FIXTURES / "messy.jsonl")
    bad = {i.line: i.reason for i in found if isinstance(i, BadRow)}
    assert sorted(bad) == [3, 4, 5, 6]
    assert "invalid JSON" in bad[3] and "undecodable" in bad[4] and "not a JSON object" in bad[5]
    assert bad[6] == "missing text"
    rows = {i.line: i.review for i in found if isinstance(i, Row)}
    assert rows[1].author == "Kim" and rows[1].external_id == "1" and rows[1].rating == 5
    assert rows[2].text.startswith("Товар") and rows[2].rating == 2 and rows[2].created_at.hour == 10
    assert rows[8].text == "Paldies, viss lieliski!" and rows[8].rating == 5 and rows[8].external_id == "5"


def test_explicit_columns_and_delimiter(tmp_path: Path):
    path = tmp_path / "export.tsv"
    path.write_text("Отзыв\tОценка\tКод\nВсё хорошо\t4\tA1\n", encoding="utf-8")
    [row] = items(path, columns={"text": "Отзыв", "rating": "Оценка", "external_id": "Код"})
    assert isinstance(row, Row) and row.review.text == "Всё хорошо" and row.review.rating == 4
    assert row.review.external_id == "A1"
    with pytest.raises(BatchFileError, match="no text column"):
        items(path)
    with pytest.raises(BatchFileError, match="no column 'missing'"):
        items(path, columns={"text": "missing"})


def test_rows_without_ids_get_a_stable_content_key(tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_text("text,rating\nGreat,5\nGreat,4\nGreat,5\n", encoding="utf-8")
    rows = items(path)
    assert rows[0].key and rows[0].key.startswith("batch:shop:") and rows[0].key == rows[2].key
    assert rows[1].key != rows[0].key
    assert items(path)[0].key == rows[0].key, "the same file gives the same keys on every run"
    assert items(path, business="acme")[0].key != rows[0].key


def test_filters_skip_rows_with_a_reason(tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_text("text,rating,date\nA,5,2024-01-10\nB,2,2024-02-10\nC,,2024-03-10\nD,1,2023-12-31\n")
    kinds = [type(i).__name__ for i in items(path, max_rating=3)]
    assert kinds == ["Filtered", "Row", "Filtered", "Row"]
    since = datetime(2024, 1, 1, tzinfo=UTC)
    assert [type(i).__name__ for i in items(path, since=since)] == ["Row", "Row", "Row", "Filtered"]
    assert isinstance(items(path, min_rating=5)[1], Filtered)


def test_whole_file_problems_are_errors_not_rows(tmp_path: Path):
    array = tmp_path / "export.json"
    array.write_text('[{"text": "x"}]')
    with pytest.raises(BatchFileError, match="JSON array"):
        items(array)
    utf16 = tmp_path / "export.csv"
    utf16.write_bytes("text\nhello\n".encode("utf-16"))
    with pytest.raises(BatchFileError, match="UTF-16"):
        items(utf16)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(BatchFileError, match="empty"):
        items(empty)


def test_another_encoding_is_read_when_named(tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_bytes("отзыв;оценка\nКурьер опоздал;2\n".encode("cp1251"))
    with pytest.raises(BatchFileError, match="--encoding"):
        items(path, columns={"text": "отзыв"})  # a header that is not UTF-8 stops the file: no column is known
    path.write_bytes("text;rating\nКурьер опоздал;2\n".encode("cp1251"))
    [bad] = items(path)
    assert isinstance(bad, BadRow) and bad.line == 2 and "undecodable" in bad.reason
    [row] = items(path, encoding="cp1251")
    assert isinstance(row, Row) and row.review.text == "Курьер опоздал"


@pytest.mark.parametrize(
    "value, expected", [(5, 5), ("4", 4), ("4.0", 4), ("3/5", 3), ("★★☆☆☆", 2), ("", None), (None, None), ("2 из 5", 2)]
)
def test_ratings_read(value: object, expected: int | None):
    assert parse_rating(value) == expected


@pytest.mark.parametrize("value", ["seven", "0", "6", "4.5", True, -1])
def test_ratings_refused(value: object):
    with pytest.raises(ValueError):
        parse_rating(value)


def test_dates_read():
    assert parse_date("2024-03-01") == datetime(2024, 3, 1, tzinfo=UTC)
    assert parse_date("2024-03-01T10:00:00+02:00").utcoffset().total_seconds() == 7200
    assert parse_date("31.12.2023") == datetime(2023, 12, 31, tzinfo=UTC)
    assert parse_date(1_700_000_000) == parse_date("1700000000000") == datetime.fromtimestamp(1_700_000_000, UTC)
    with pytest.raises(ValueError):
        parse_date("yesterday")


def test_rate_limits_and_prices_parse():
    assert parse_rate_limit("500") == (500, None)
    assert parse_rate_limit("500,200k") == (500, 200_000)
    assert parse_rate_limit("200000tpm") == (None, 200_000)
    assert parse_rate_limit("1m tpm, 60 rpm") == (60, 1_000_000)
    with pytest.raises(ValueError):
        parse_rate_limit("fast")
    assert parse_price("0.15/0.60") == (0.15, 0.60)
    with pytest.raises(ValueError):
        parse_price("cheap")


def test_the_estimate_fits_prompt_tokens_to_review_length():
    # two calls per review, each prompt 300 tokens of instructions plus the review once
    samples = [(x, 2, 600 + 2 * x, 80, 700) for x in (20, 50, 120, 300)]
    profile = _fit(samples)
    assert profile.calls == 2 and round(profile.base) == 600 and round(profile.per_text_token, 3) == 2
    estimate = extrapolate(profile, reviews=1000, text_tokens=60_000)
    assert estimate.calls == 2000 and estimate.tokens_in == 600_000 + 120_000
    expected, ceiling = estimate.cost((0.15, 0.60))
    assert expected == pytest.approx(0.72 * 0.15 + 0.08 * 0.60) and ceiling > expected
    assert estimate.minutes_at(500, None) == pytest.approx(4.0)
    assert extrapolate(Profile(0, 0, 0, 0, 0, 0), 0, 0).calls == 0
