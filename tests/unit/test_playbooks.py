"""Playbooks: every broken field is reported with its file and field, unknown businesses get the default, and
one broken file never takes the others down."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.playbooks import Action, PlaybookError, PlaybookRegistry, RemedyKind, load_playbook

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = yaml.safe_load((ROOT / "playbooks" / "default.yaml").read_text(encoding="utf-8"))


def _write(directory: Path, name: str, data) -> Path:
    path = directory / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _broken(**changes) -> dict:
    data = yaml.safe_load(yaml.safe_dump(DEFAULT))
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if value is KeyError:
            del target[last]
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return data


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"remedies__3": {"kind": "discount"}}, "remedies.3", "max_percent"),
        ({"remedies__3": {"kind": "discount", "max_percent": 150}}, "remedies.3.max_percent", "100"),
        ({"remedies__0": {"kind": "replacement", "max_percent": 5}}, "remedies.0", "only for the discount"),
        ({"remedies__0": {"kind": "voucher"}}, "remedies.0.kind", "replacement"),
        ({"remedies": [{"kind": "discount", "max_percent": 5}, {"kind": "repair"}]}, "remedies", "ladder order"),
        ({"remedies": [{"kind": "repair"}, {"kind": "repair"}]}, "remedies", "once"),
        ({"actions__thank": KeyError}, "actions", "missing: thank"),
        ({"actions__apologize__when": ""}, "actions.apologize.when", "at least 3"),
        ({"market__negative_max_rating": 4}, "market", "negative_max_rating must be below"),
        ({"market__positive_min_rating": 9}, "market.positive_min_rating", "less than or equal to 5"),
        ({"business": "Bad Name!"}, "business", "pattern"),
        ({"brand__colour": "red"}, "brand.colour", "Extra inputs"),
        ({"do_not_engage": ["spam", "gossip"]}, "do_not_engage.1", "spam"),
        ({"sla_hours": 0}, "sla_hours", "greater than 0"),
        ({"brand": KeyError}, "brand", "Field required"),
    ],
)
def test_each_broken_field_names_file_and_field(tmp_path, changes, field, words):
    path = _write(tmp_path, "shop-x.yaml", _broken(**changes))
    with pytest.raises(PlaybookError) as caught:
        load_playbook(path)
    message = str(caught.value)
    assert message.startswith("shop-x.yaml: ")
    assert any(p.startswith(f"{field}: ") and words in p for p in caught.value.problems), caught.value.problems


@pytest.mark.parametrize(
    ("text", "words"), [("business: [unclosed", "cannot read YAML"), ("- just\n- a list\n", "top level")]
)
def test_unreadable_yaml_is_a_playbook_error(tmp_path, text, words):
    with pytest.raises(PlaybookError, match=words):
        load_playbook(_write(tmp_path, "odd.yaml", text))


def test_business_defaults_to_the_file_name(tmp_path):
    data = _broken(business=KeyError)
    assert load_playbook(_write(tmp_path, "cafe-riga.yaml", data)).business == "cafe-riga"


def test_unknown_or_missing_business_gets_default():
    registry = PlaybookRegistry.from_directory(ROOT / "playbooks")
    assert registry.for_business("no-such-shop").business == "default"
    assert registry.for_business(None).business == "default"
    assert registry.for_business("").business == "default"
    assert registry.for_business("Kurjers-LV").business == "kurjers-lv"


def test_a_broken_file_does_not_stop_the_registry(tmp_path):
    _write(tmp_path, "default.yaml", DEFAULT)
    good = _broken(business="cafe")
    _write(tmp_path, "cafe.yaml", good)
    _write(tmp_path, "broken.yaml", _broken(business="broken", remedies__3={"kind": "discount"}))
    _write(tmp_path, "garbage.yml", "::: not yaml [")
    registry = PlaybookRegistry.from_directory(tmp_path)
    assert set(registry.playbooks) == {"default", "cafe"}
    assert sorted(e.path.name for e in registry.errors) == ["broken.yaml", "garbage.yml"]
    assert registry.for_business("broken").business == "default"


def test_registry_without_a_valid_default_refuses_to_start(tmp_path):
    _write(tmp_path, "default.yaml", _broken(sla_hours=-1))
    with pytest.raises(PlaybookError, match="default"):
        PlaybookRegistry.from_directory(tmp_path)


def test_shipped_playbooks_are_valid_and_show_overrides():
    registry = PlaybookRegistry.from_directory(ROOT / "playbooks")
    assert registry.errors == []
    assert {"default", "kurjers-lv", "atelier-ru"} <= set(registry.playbooks)
    courier, atelier = registry.for_business("kurjers-lv"), registry.for_business("atelier-ru")
    assert courier.discount_cap == 15 and courier.allows(RemedyKind.redo) and not courier.allows("replacement")
    assert (courier.market.positive_min_rating, courier.market.negative_max_rating) == (5, 3)
    assert atelier.discount_cap is None and not atelier.actions[Action.offer_discount].enabled
    assert atelier.tone.address["uk"] == "informal" and atelier.tone.address["ru"] == "formal"
    assert "пожар" in atelier.stop_words["ru"]
