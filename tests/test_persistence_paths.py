"""Bad persisted data never half-loads (DESIGN.md section 3, issue 8).

A bad field nested in a configuration document is reported at its own path, not at
the object that holds it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

import test_persistence_documents as docs
from supportflow import SchemaError


def document(name: str, index: int = 0) -> dict[str, Any]:
    return copy.deepcopy(json.loads(json.dumps(docs.documents(name)[index])))


def path_of(name: str, data: dict[str, Any]) -> str:
    with pytest.raises(SchemaError) as caught:
        docs.load(name, data)
    return caught.value.path


# --- configuration: the path of the bad field itself -----------------------------------


def test_calendar_unknown_timezone_names_timezone() -> None:
    data = document("calendar")
    data["timezone"] = "Mars/Olympus"
    assert path_of("calendar", data) == "timezone"


def test_nested_calendar_timezone_names_timezone() -> None:
    data = document("sla_policy_set")
    data["policies"][1]["calendar"]["timezone"] = "Mars/Olympus"
    assert path_of("sla_policy_set", data) == "policies[1].calendar.timezone"


def test_sla_policy_bad_warning_names_warnings() -> None:
    data = document("sla_policy")
    data["warnings"][0] = "half"
    assert path_of("sla_policy", data) == "warnings[0]"
    data["warnings"][0] = 1.5
    assert path_of("sla_policy", data) == "warnings[0]"


def test_sla_policy_bad_pause_status_names_the_pause() -> None:
    data = document("sla_policy_set")
    data["policies"][1]["pauses"]["resolution"] = ["sleeping"]
    assert path_of("sla_policy_set", data) == "policies[1].pauses.resolution"
    data["policies"][1]["pauses"]["resolution"] = ["solved"]  # not a pausable status
    assert path_of("sla_policy_set", data) == "policies[1].pauses.resolution"


@pytest.mark.parametrize(
    ("key", "value"), [("topics", "weather"), ("priorities", "asap"), ("segments", 3)]
)
def test_sla_conditions_name_the_bad_item(key: str, value: object) -> None:
    data = document("sla_policy_set")
    data["policies"][0]["conditions"][key] = ["enterprise", value] if key == "segments" else [value]
    index = 1 if key == "segments" else 0
    assert path_of("sla_policy_set", data) == f"policies[0].conditions.{key}[{index}]"
