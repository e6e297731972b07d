"""Training the router from the district's closed cases or a labelled CSV, and suggesting.

The model file lives at `DATA_DIR/models/router.joblib` and is loaded lazily, once per
process, and again when its mtime changes (a retrain by `shaobao train-router` is picked
up by running servers without a restart). With no model yet, suggestions fall back to
the keywords of the current whistle list, so a fresh demo still gets suggestions.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from shaobao.cases.models import Case, Status
from shaobao.catalogue.models import Item
from shaobao.catalogue.selectors import current_items
from shaobao.core.errors import InvalidInput
from shaobao.routing.bench import read_labelled
from shaobao.routing.classifier import SEED, TextRouter
from shaobao.routing.segment import words

log = logging.getLogger("shaobao.routing")
Progress = Callable[[str], None]
KEYWORD_MAX_CONFIDENCE = 0.6  # a keyword hit is a hint, never as sure as a trained model


@dataclass
class TrainReport:
    rows: int
    labels: dict[str, int]
    dropped_labels: dict[str, int] = field(default_factory=dict)
    holdout_rows: int = 0
    holdout_macro_f1: float | None = None
    holdout_accuracy: float | None = None
    path: Path | None = None


def model_path() -> Path:
    return Path(settings.DATA_DIR) / "models" / "router.joblib"


def _train(texts: list[str], labels: list[str], min_per_label: int,
           progress: Progress) -> TrainReport:
    counts = Counter(labels)
    keep = {label for label, n in counts.items() if n >= min_per_label}
    dropped = {label: n for label, n in sorted(counts.items()) if label not in keep}
    pairs = [(t, y) for t, y in zip(texts, labels, strict=True) if y in keep]
    if len(keep) < 2:
        raise InvalidInput(f"训练数据不足：至少需要两个各有 {min_per_label} 条以上样本的类别",
                           code="not_enough_data", details={"labels": dict(counts)})
    texts, labels = [p[0] for p in pairs], [p[1] for p in pairs]
    report = TrainReport(rows=len(texts), labels=dict(sorted(Counter(labels).items())),
                         dropped_labels=dropped)
    progress(f"{len(texts)} 条样本，{len(keep)} 个类别" +
             (f"；样本不足而略去 {len(dropped)} 个类别" if dropped else ""))
    # Held-out score first (20 %, stratified, fixed seed), then the model on everything.
    if min(Counter(labels).values()) >= 5:
        x_tr, x_te, y_tr, y_te = train_test_split(texts, labels, test_size=0.2,
                                                  stratify=labels, random_state=SEED)
        progress(f"留出评估：训练 {len(x_tr)} 条，评估 {len(x_te)} 条")
        predicted = [label for label, _ in TextRouter().fit(x_tr, y_tr).predict(x_te)]
        report.holdout_rows = len(x_te)
        report.holdout_macro_f1 = round(float(f1_score(y_te, predicted, average="macro")), 4)
        report.holdout_accuracy = round(float(accuracy_score(y_te, predicted)), 4)
        progress(f"留出集 macro-F1 {report.holdout_macro_f1}，准确率 {report.holdout_accuracy}")
    progress("用全部样本训练模型")
    router = TextRouter().fit(texts, labels)
    report.path = router.save(model_path())
    progress(f"模型已保存：{report.path}")
    return report


def _quiet(message: str) -> None:
    return None


def router_train_from_cases(min_per_label: int = 5, progress: Progress = _quiet) -> TrainReport:
    """Closed cases' descriptions → the code of the item that resolved them."""
    rows = (Case.objects.filter(status=Status.CLOSED, item__isnull=False)
            .exclude(description="").values_list("description", "item__code").order_by("id"))
    texts = [d for d, _ in rows]
    labels = [c for _, c in rows]
    progress(f"已结案件 {len(texts)} 件")
    return _train(texts, labels, min_per_label, progress)


def router_train_from_csv(path: str | Path, text_col: str, label_col: str,
                          min_per_label: int = 5, progress: Progress = _quiet) -> TrainReport:
    try:
        texts, labels = read_labelled(path, text_col, label_col)
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"无法读取训练文件：{exc}", code="bad_training_file") from exc
    progress(f"{path}：{len(texts)} 行")
    return _train(texts, labels, min_per_label, progress)


# -------------------------------------------------------------------- suggestions
_lock = threading.Lock()
_cache: dict[str, Any] = {"mtime": None, "router": None}


def router_loaded() -> TextRouter | None:
    """The trained router, reloaded when the file changes; None when there is none.

    A file of an older model format is treated as no model (keyword suggestions, one
    warning per file version) rather than failing every suggestion until a retrain.
    """
    path = model_path()
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        _cache.update(mtime=None, router=None)
        return None
    if _cache["mtime"] != mtime:
        with _lock:
            if _cache["mtime"] != mtime:
                _cache.update(router=_load_or_none(path), mtime=mtime)
    return _cache["router"]


def _load_or_none(path: Path) -> TextRouter | None:
    try:
        return TextRouter.load(path)
    except ValueError as exc:
        log.warning("%s", exc)
        return None


def _item_rows(codes: list[str]) -> dict[str, Item]:
    return {i.code: i for i in current_items().filter(code__in=codes)}


def _row(item: Item | None, code: str, confidence: float, terms: list[str]) -> dict[str, Any]:
    return {"item": code, "item_name": item.name if item else "",
            "lead_department": item.lead_department.code if item else None,
            "lead_department_name": item.lead_department.name if item else "",
            "confidence": round(confidence, 3), "terms": terms}


def router_suggest(text: str, n: int = 3) -> list[dict[str, Any]]:
    """The `n` most likely whistle items for `text`, best first.

    With a trained model, labels that are not items of the current list (e.g. a model
    trained on a CSV with other labels) are still returned, with empty item fields.
    """
    text = (text or "").strip()
    if not text:
        return []
    router = router_loaded()
    if router is None:
        return keyword_suggest(text, n)
    ranked = router.rank(text, n)
    items = _item_rows([label for label, _ in ranked])
    return [_row(items.get(label), label, conf, [t for t, _ in router.explain(text, label, 5)])
            for label, conf in ranked]


def keyword_suggest(text: str, n: int = 3) -> list[dict[str, Any]]:
    """Fallback without a model: current items whose keywords or name occur in `text`.

    A keyword phrase found whole scores its length; otherwise each of its words of two
    or more characters found among the text's words scores half its length (so "井盖丢了"
    still meets the keyword "井盖没了"). Confidence grows with the score and with the lead
    over the runner-up, capped at `KEYWORD_MAX_CONFIDENCE`.
    """
    tokens = set(words(text))
    scored: list[tuple[float, str, Item, list[str]]] = []
    for item in current_items():
        score = 0.0
        hits: dict[str, float] = {}
        for kw in {item.name, *(item.keywords or [])}:
            if not kw:
                continue
            if kw in text:
                hits[kw] = max(hits.get(kw, 0.0), float(len(kw)))
                continue
            for w in words(kw):
                if len(w) >= 2 and w in tokens:
                    hits[w] = max(hits.get(w, 0.0), len(w) / 2)
        # a word inside a matched phrase adds nothing of its own
        terms = sorted(hits, key=lambda w: (-hits[w], w))
        kept = [w for i, w in enumerate(terms) if not any(w in t for t in terms[:i])]
        score = sum(hits[w] for w in kept)
        if score:
            scored.append((score, item.code, item, kept[:5]))
    scored.sort(key=lambda s: (-s[0], s[1]))
    total = sum(s[0] for s in scored[:n]) or 1.0
    return [_row(item, code, KEYWORD_MAX_CONFIDENCE * min(1.0, score / 4) * score / total, hits)
            for score, code, item, hits in scored[:n]]
