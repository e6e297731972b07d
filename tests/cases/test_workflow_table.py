"""The workflow table pinned literally, and docs/workflow.md kept in step with it.

Changing a move in `TRANSITIONS` must be a deliberate act: this test spells out the
whole table by hand, so any change shows up here (and in docs/workflow.md) for review.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shaobao.cases.workflow import TRANSITIONS, Action, Transition
from shaobao.points import workflow_doc
from shaobao.points.workflow_doc import DOC_PATH, render_workflow_markdown

OPEN = {"submitted", "accepted", "station", "whistled", "in_progress", "suspended", "handled",
        "escalated"}
EVERYONE = {"resident", "grid_worker", "grid_police", "unit_leader", "station", "street",
            "department", "command", "leader", "admin"}

# action: (sources (None = any), target (None = unchanged), performers, requesters, required)
EXPECTED = {
    "accept": ({"submitted"}, "accepted", {"station", "command"}, set(), ()),
    "reject": ({"submitted", "accepted"}, "rejected", {"station", "command"}, set(),
               ("reason",)),
    "merge": ({"submitted", "accepted"}, "merged", {"station", "command"}, set(), ("target",)),
    "take_in_station": ({"accepted"}, "station", {"station"}, set(), ()),
    "whistle": ({"accepted", "station", "escalated"}, "whistled",
                {"station", "street", "command"}, set(), ("lead_department",)),
    "check_in": ({"whistled"}, "in_progress", {"lead_department"}, set(), ()),
    "return": ({"whistled", "in_progress"}, "accepted", {"lead_department"}, set(),
               ("reason",)),
    "request_extension": ({"in_progress"}, None, {"lead_department"}, set(), ("until",)),
    "decide_extension": ({"in_progress"}, None, {"station", "command"}, set(), ("approved",)),
    "suspend": ({"in_progress"}, "suspended", {"command"}, {"lead_department"}, ("reason",)),
    "resume": ({"suspended"}, "in_progress", {"command"}, set(), ()),
    "handle": ({"station", "in_progress"}, "handled", {"station", "lead_department"}, set(),
               ("result",)),
    "verify": ({"handled"}, "closed", {"grid_worker", "station", "command"}, set(),
               ("passed",)),
    "escalate": ({"accepted", "station", "whistled", "in_progress"}, "escalated",
                 {"station", "street"}, set(), ("reason",)),
    "rate": ({"closed"}, None, {"reporter", "command"}, set(), ("rating",)),
    "reopen": ({"closed"}, "accepted", {"command"}, set(), ()),
    "supervise": (OPEN, None, {"command", "leader"}, set(), ()),
    "comment": (None, None, EVERYONE, set(), ("text",)),
}


def _as_plain(t: Transition) -> tuple[Any, ...]:
    return ({str(s) for s in t.sources} if t.sources is not None else None,
            str(t.target) if t.target is not None else None,
            {str(p) for p in t.performers}, {str(p) for p in t.requesters}, tuple(t.required))


def test_the_whole_table_is_pinned() -> None:
    actual = {str(action): _as_plain(t) for action, t in TRANSITIONS.items()}
    assert actual == EXPECTED


def test_only_verify_has_a_failure_target() -> None:
    failures = {str(a): str(t.target_on_failure) for a, t in TRANSITIONS.items()
                if t.target_on_failure is not None}
    assert failures == {"verify": "in_progress"}


def test_every_action_is_in_the_table() -> None:
    assert set(TRANSITIONS) == set(Action)
    assert all(TRANSITIONS[a].action == a for a in Action)


def test_docs_workflow_md_is_current() -> None:
    assert DOC_PATH.exists(), "docs/workflow.md is missing; run `shaobao workflow-doc`"
    assert DOC_PATH.read_text(encoding="utf-8") == render_workflow_markdown(), (
        "docs/workflow.md is stale; run `shaobao workflow-doc`")


def test_rendered_doc_mentions_every_action_and_state() -> None:
    text = render_workflow_markdown()
    for action in Action:
        assert f"| `{action.value}` |" in text
    for state in OPEN | {"closed", "rejected", "merged"}:
        assert f"| `{state}` |" in text


def test_check_command_fails_when_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "workflow.md"
    stale.write_text("old\n", encoding="utf-8")
    monkeypatch.setattr(workflow_doc, "DOC_PATH", stale)
    command = importlib.import_module("shaobao.points.management.commands.workflow-doc")
    monkeypatch.setattr(command, "DOC_PATH", stale)
    with pytest.raises(CommandError):
        call_command("workflow-doc", "--check")
    call_command("workflow-doc")
    assert stale.read_text(encoding="utf-8") == render_workflow_markdown()
    call_command("workflow-doc", "--check")
