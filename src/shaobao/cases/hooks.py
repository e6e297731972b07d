"""Apps that must react to a case event inside its transaction register here.

Points (and later analytics facts) live in apps that depend on `cases`, so `cases`
cannot call them directly. Instead each registers a handler in its AppConfig.ready();
the transition service calls every handler explicitly, in the same transaction as the
event, so an event and its consequences are committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from shaobao.cases.models import Case, CaseEvent


@dataclass(frozen=True)
class EventContext:
    case: Case
    event: CaseEvent
    # Facts the service established while applying the action (e.g. "check_in_on_time").
    facts: frozenset[str]


EventHandler = Callable[[EventContext], None]
_handlers: list[EventHandler] = []
_last_handlers: list[EventHandler] = []


def register_event_handler(handler: EventHandler, *, last: bool = False) -> None:
    """`last=True` for handlers that update rows many transactions share (the analytics
    rollups): they run after all others, and the services call the handlers as the final
    step of their transaction, so those row locks are held only until the commit."""
    target = _last_handlers if last else _handlers
    if handler not in target:
        target.append(handler)


def run_event_handlers(ctx: EventContext) -> None:
    for handler in (*_handlers, *_last_handlers):
        handler(ctx)


# Jobs that must follow the deadline sweep (analytics refreshes its time-dependent
# "open and overdue" facts); called by `cases.services.sweep.sla_sweep` with its `now`.
SweepHook = Callable[["datetime"], None]
_sweep_hooks: list[SweepHook] = []


def register_sweep_hook(hook: SweepHook) -> None:
    if hook not in _sweep_hooks:
        _sweep_hooks.append(hook)


def run_sweep_hooks(now: datetime) -> None:
    for hook in _sweep_hooks:
        hook(now)
