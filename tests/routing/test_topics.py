"""Topic mining on a small built-in sample. No Django."""

from __future__ import annotations

from shaobao.routing.topics import mine_topics


def test_topics_separate_the_sample_and_are_deterministic(sample: list[tuple[str, str]]) -> None:
    texts = [t for _, t in sample]
    topics = mine_topics(texts, k=4)
    assert len(topics) == 4
    assert sum(t.size for t in topics) == len(texts)
    tops = [set(t.words[:3]) for t in topics]
    for word in ("路灯", "井盖", "油烟"):
        assert any(word in top for top in tops), (word, tops)
    assert mine_topics(texts, k=4) == topics
    assert mine_topics([], k=3) == []
