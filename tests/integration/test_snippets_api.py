"""Snippets over the API, as the /snippets page offers them: a review's phrases by business and language, adding
one, removing your own (an admin key: any), with problem details for bad input and missing scopes."""

from __future__ import annotations

from assistant.db.engine import create_engine, session_factory
from assistant.domain.keys.service import create_key

PHRASE = {"business": "kafejnica", "language": "lv", "key": "atlaide", "text": "Nākamreiz – kafija no mums."}


async def _key(settings, name: str, scopes: list[str]) -> dict[str, str]:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return {"Authorization": f"Bearer {await create_key(session, name, scopes)}"}
    finally:
        await engine.dispose()


async def test_an_agent_lists_a_reviews_phrases_adds_one_and_removes_only_their_own(client, settings):
    agent = await _key(settings, "agent ilze", ["agent"])
    added = await client.post("/api/v1/snippets", json=PHRASE, headers=agent)
    assert added.status_code == 201, added.text
    mine = added.json()
    assert {k: mine[k] for k in PHRASE} == PHRASE and mine[
        "created_by"
    ] == "key:agent ilze"  # as the audit trail names a key
    assert mine["created_at"].endswith(("Z", "+00:00"))
    other = await client.post("/api/v1/snippets", json={**PHRASE, "key": "paldies", "text": "Paldies!"})  # admin
    assert other.status_code == 201
    await client.post("/api/v1/snippets", json={**PHRASE, "language": "en", "text": "Next coffee is on us."})

    listed = await client.get("/api/v1/snippets", params={"business": "kafejnica", "language": "LV"}, headers=agent)
    assert listed.status_code == 200
    assert [s["key"] for s in listed.json()] == ["atlaide", "paldies"]  # not the English one
    assert len((await client.get("/api/v1/snippets", headers=agent)).json()) == 3

    duplicate = await client.post("/api/v1/snippets", json=PHRASE, headers=agent)
    assert duplicate.status_code == 409 and "atlaide" in duplicate.json()["detail"]
    refused = await client.delete(f"/api/v1/snippets/{other.json()['id']}", headers=agent)
    assert refused.status_code == 409, "an agent removes only the phrases they added"
    assert (await client.delete(f"/api/v1/snippets/{mine['id']}", headers=agent)).status_code == 204
    assert (await client.delete(f"/api/v1/snippets/{other.json()['id']}")).status_code == 204  # an admin: any
    assert (await client.delete(f"/api/v1/snippets/{mine['id']}")).status_code == 404
    assert [s["language"] for s in (await client.get("/api/v1/snippets")).json()] == ["en"]


async def test_bad_phrases_and_keys_without_the_agent_scope_get_problem_details(client, settings):
    for bad in (
        {**PHRASE, "key": "Has Spaces"},
        {**PHRASE, "language": "latvian"},
        {**PHRASE, "text": "   "},
        {**PHRASE, "text": "x" * 2001},
        {**PHRASE, "business": ""},
        {**PHRASE, "extra": 1},
        {"business": "kafejnica"},
    ):
        response = await client.post("/api/v1/snippets", json=bad)
        assert response.status_code == 400, (bad, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/api/v1/snippets", params={"business": "b" * 101})).status_code == 400
    ingest_only = await _key(settings, "shop feed", ["ingest"])
    assert (await client.get("/api/v1/snippets", headers=ingest_only)).status_code == 403
    assert (await client.post("/api/v1/snippets", json=PHRASE, headers=ingest_only)).status_code == 403
    client.headers.pop("Authorization", None)
    client.headers.pop("X-API-Key", None)
    assert (await client.get("/api/v1/snippets")).status_code == 401
