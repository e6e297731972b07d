"""What people call a division: the official name without the committee's title."""

from __future__ import annotations

# (official suffix, what replaces it), longest first. A residents' committee is its
# community (…社区); a villagers' committee is its village (…村). The official table also
# holds a truncated form (腊树园社区居民委员), hence the short variants.
COMMITTEE_SUFFIXES = (
    ("社区居民委员会", "社区"), ("社区居民委员", "社区"), ("社区居委会", "社区"),
    ("居民委员会", "社区"), ("村民委员会", "村"), ("居民委员", "社区"),
    ("居委会", "社区"), ("村委会", "村"),
)


def short_division_name(name: str) -> str:
    """蔡山社区居民委员会 → 蔡山社区; 南埂村民委员会 → 南埂村; 安原居委会 → 安原社区."""
    stripped = name.strip()
    for suffix, kind in COMMITTEE_SUFFIXES:
        if stripped.endswith(suffix) and len(stripped) > len(suffix):
            stem = stripped[: -len(suffix)]
            return stem if stem.endswith(kind) else stem + kind
    return stripped
