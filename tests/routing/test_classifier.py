"""TextRouter on a built-in sample: fit, predict, explain, persistence, determinism. No Django."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from shaobao.routing.classifier import TextRouter


@pytest.fixture(scope="module")
def data(sample: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    return [t for _, t in sample], [label for label, _ in sample]


@pytest.fixture(scope="module")
def router(data: tuple[list[str], list[str]]) -> TextRouter:
    return TextRouter().fit(*data)


def test_predicts_unseen_sentences(router: TextRouter) -> None:
    got = router.predict(["晚上路灯不亮，黑乎乎的", "井盖没了很危险", "门口有人摆摊占道经营",
                          "饭店的油烟熏到我家了"])
    assert [label for label, _ in got] == ["路灯", "井盖", "占道", "油烟"]
    assert all(0 < conf <= 1 for _, conf in got)
    assert router.labels == ["井盖", "占道", "油烟", "路灯"]


def test_proba_rows_sum_to_one_and_rank_is_sorted(router: TextRouter) -> None:
    p = router.proba(["路灯坏了", "一段与这些类别都无关的话"])
    assert p.shape == (2, 4)
    assert np.allclose(p.sum(axis=1), 1.0)
    ranked = router.rank("路灯坏了", 3)
    assert ranked[0][0] == "路灯" and len(ranked) == 3
    assert [c for _, c in ranked] == sorted((c for _, c in ranked), reverse=True)


def test_fast_path_agrees_with_sklearn(router: TextRouter) -> None:
    texts = ["楼下井盖丢了", "烧烤油烟", "", "abc 123"]
    assert router.model is not None
    slow = router.model.predict_proba(router._features(texts))
    assert np.allclose(router.proba(texts), slow, atol=1e-9)


def test_explain_names_the_words_that_decided(router: TextRouter) -> None:
    terms = router.explain("小区门口井盖丢失了，晚上很危险", "井盖", k=5)
    assert 0 < len(terms) <= 5
    assert terms[0][0] == "井盖"
    assert all(weight > 0 for _, weight in terms)
    assert "的" not in [t for t, _ in terms]
    with pytest.raises(KeyError):
        router.explain("井盖", "不存在的类别")


def test_save_load_round_trip(router: TextRouter, tmp_path: Path,
                              data: tuple[list[str], list[str]]) -> None:
    path = router.save(tmp_path / "models" / "router.joblib")
    loaded = TextRouter.load(path)
    texts = ["路灯不亮", "油烟太大了", "摆摊堵路"]
    assert loaded.predict(texts) == router.predict(texts)
    assert np.array_equal(loaded.decision_values(texts), router.decision_values(texts))
    assert loaded.explain("路灯不亮", "路灯") == router.explain("路灯不亮", "路灯")
    assert loaded.meta["rows"] == len(data[0])
    (tmp_path / "junk.joblib").write_bytes(b"not a model")
    with pytest.raises(Exception):  # noqa: B017 - joblib raises various unpickling errors
        TextRouter.load(tmp_path / "junk.joblib")


def test_training_is_deterministic(data: tuple[list[str], list[str]]) -> None:
    a = TextRouter().fit(*data)
    b = TextRouter().fit(*data)
    probe = ["路灯坏了", "井盖丢了", "占道经营", "油烟扰民", "一句无关的话"]
    assert np.array_equal(a.decision_values(probe), b.decision_values(probe))
    assert np.array_equal(a.proba(probe), b.proba(probe))
    assert a.dumps() == b.dumps()


def test_untrained_and_bad_input() -> None:
    with pytest.raises(RuntimeError):
        TextRouter().predict(["路灯"])
    with pytest.raises(ValueError):
        TextRouter().fit(["路灯坏了"], ["路灯", "井盖"])
    with pytest.raises(ValueError):
        TextRouter().fit(["路灯坏了", "路灯不亮"], ["路灯", "路灯"])


def test_two_labels_and_tiny_classes_still_work() -> None:
    # Two samples per label: too few to calibrate with cv=3, softmax fallback is used.
    texts = ["路灯不亮", "路灯坏了", "井盖丢了", "井盖松动"]
    r = TextRouter().fit(texts, ["灯", "灯", "井", "井"])
    assert r.model is None
    assert r.predict(["路灯不亮了"])[0][0] == "灯"
    assert np.allclose(r.proba(["井盖"]).sum(), 1.0)


def test_latency_under_5ms_per_case(router: TextRouter,
                                    data: tuple[list[str], list[str]]) -> None:
    texts = data[0]
    probes = [texts[i % len(texts)] + "，请尽快处理" for i in range(500)]
    router.predict([probes[0]])  # warm-up: jieba dictionary, compiled fast path
    started = time.perf_counter()
    for text in probes:
        router.predict([text])
    ms = (time.perf_counter() - started) * 1000 / len(probes)
    assert ms < 5, f"{ms:.2f} ms per case"


def test_load_refuses_an_older_format_with_a_clear_message(router: TextRouter,
                                                           tmp_path: Path) -> None:
    import joblib

    state = router._state()
    state["format"] = "shaobao-router/1"
    joblib.dump(state, tmp_path / "old.joblib")
    with pytest.raises(ValueError, match="重新训练"):
        TextRouter.load(tmp_path / "old.joblib")


def test_long_texts_are_segmented_only_at_their_start() -> None:
    from shaobao.routing.segment import WordNgrams

    analyzer = WordNgrams(prefix=10, hmm_chars=4)
    long_text = "路灯坏了很久没人修" + "井盖" * 50
    assert "井盖" not in analyzer(long_text)
    assert "路灯" in analyzer(long_text)
    assert analyzer("") == []
    # The settings travel with a pickled vectorizer.
    import pickle

    assert pickle.loads(pickle.dumps(analyzer)) == analyzer

