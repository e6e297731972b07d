"""The points rule table: what each fact is worth to the department responsible."""

from __future__ import annotations

from enum import StrEnum


class Rule(StrEnum):
    CHECK_IN_ON_TIME = "check_in_on_time"
    CHECK_IN_LATE = "check_in_late"
    CLOSED_ON_TIME = "closed_on_time"
    CLOSED_LATE = "closed_late"
    REWORK = "rework"
    UNJUSTIFIED_RETURN = "unjustified_return"
    RATED_SATISFIED = "rated_satisfied"
    RATED_UNSATISFIED = "rated_unsatisfied"
    SUPERVISED = "supervised"
    APPEAL_UPHELD = "appeal_upheld"


POINTS: dict[Rule, int] = {
    Rule.CHECK_IN_ON_TIME: 1,
    Rule.CHECK_IN_LATE: -1,
    Rule.CLOSED_ON_TIME: 3,
    Rule.CLOSED_LATE: -2,
    Rule.REWORK: -2,
    Rule.UNJUSTIFIED_RETURN: -1,
    Rule.RATED_SATISFIED: 1,
    Rule.RATED_UNSATISFIED: -2,
    Rule.SUPERVISED: -1,
}

LABELS: dict[Rule, str] = {
    Rule.CHECK_IN_ON_TIME: "按时报到",
    Rule.CHECK_IN_LATE: "超时报到",
    Rule.CLOSED_ON_TIME: "按期办结",
    Rule.CLOSED_LATE: "超期办结",
    Rule.REWORK: "核查不通过返工",
    Rule.UNJUSTIFIED_RETURN: "无正当理由退回",
    Rule.RATED_SATISFIED: "群众满意",
    Rule.RATED_UNSATISFIED: "群众不满意",
    Rule.SUPERVISED: "被督办",
    Rule.APPEAL_UPHELD: "申诉成立冲正",
}
