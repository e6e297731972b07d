"""Topic mining on unlabelled messages: jieba + TF-IDF + NMF (deterministic). No Django."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

from shaobao.routing.segment import words

# Words that say nothing about the topic of a message to a government board.
STOPWORDS = frozenset("""
的 了 是 在 我 我们 你 你们 他 他们 她 它 和 与 及 或 也 都 就 不 没有 有 没 吗 呢 啊 吧 这 那 这个 那个
这些 那些 一个 一些 什么 怎么 如何 为什么 因为 所以 但是 但 而且 并 还 又 再 很 非常 已经 现在 目前 可以
能 能否 是否 要 会 被 把 对 对于 关于 请 希望 请问 问题 情况 相关 部门 领导 政府 有关 进行 反映 咨询 投诉
建议 市 区 县 省 年 月 日 时 号 多 大 小 上 下 中 等 及其 其 之 后 前 给 让 向 从 到 由 为 以 将 着 过 所
解决 处理 一直 至今 时间 谢谢 您好 尊敬 你好 已 该 个 里 说 去 来 做 无 却 后来 如果 这样 那么 可是
""".split())  # noqa: SIM905


@dataclass(frozen=True)
class Topic:
    words: list[str]
    size: int  # texts whose strongest topic this is
    examples: list[int]  # indices of the most typical texts
    members: tuple[int, ...] = ()  # indices of all its texts (to add up their votes)


def _topic_words(text: str) -> list[str]:
    return [w for w in words(text) if len(w) > 1 and w not in STOPWORDS and not w.isdigit()
            and not any(ch.isascii() and ch.isalnum() for ch in w)]


def mine_topics(texts: Sequence[str], k: int = 10, n_words: int = 8,
                n_examples: int = 3, seed: int = 0) -> list[Topic]:
    """`k` topics of `texts`, largest first, each with its top words and typical texts.

    Words containing ASCII letters or digits are dropped: in the 泰迪杯 data they are the
    anonymised place codes (A市, A3区), which group messages by place, not by problem.
    """
    texts = [t for t in texts if t and t.strip()]
    if not texts:
        return []
    vec = TfidfVectorizer(analyzer=_topic_words, sublinear_tf=True,
                          min_df=2 if len(texts) >= 50 else 1, max_df=0.5 if len(texts) >= 50 else 1.0)
    try:
        X = vec.fit_transform(texts)
    except ValueError:  # nothing but stop words, numbers and codes: no topic to find
        return []
    k = max(1, min(k, X.shape[0], X.shape[1]))
    nmf = NMF(n_components=k, init="nndsvd", random_state=seed, max_iter=400)
    W = nmf.fit_transform(X)
    vocab = vec.get_feature_names_out()
    owner = W.argmax(axis=1)
    topics = []
    for t in range(k):
        top = np.argsort(-nmf.components_[t], kind="stable")[:n_words]
        members = np.flatnonzero(owner == t)
        typical = members[np.argsort(-W[members, t], kind="stable")][:n_examples]
        topics.append(Topic([str(vocab[i]) for i in top if nmf.components_[t, i] > 0],
                            len(members), [int(i) for i in typical],
                            tuple(int(i) for i in members)))
    topics.sort(key=lambda tp: -tp.size)
    return topics


@dataclass(frozen=True)
class TopicSummary:
    """A topic as shown to people: words, size, total votes (if known) and example texts."""

    words: list[str]
    size: int
    votes: int | None
    examples: list[str]


def topics_summarise(texts: Sequence[str], *, votes: Sequence[int] | None = None, k: int = 10,
                     n_words: int = 8, n_examples: int = 3) -> list[TopicSummary]:
    """`mine_topics` with the example texts spelt out and, given `votes` (one per text),
    each topic's total votes — how many residents back the messages it groups."""
    kept = [i for i, t in enumerate(texts) if t and t.strip()]
    mined = mine_topics([texts[i] for i in kept], k=k, n_words=n_words, n_examples=n_examples)
    out = []
    for topic in mined:
        total = sum(votes[kept[j]] for j in topic.members) if votes is not None else None
        out.append(TopicSummary(topic.words, topic.size, total,
                                [texts[kept[j]] for j in topic.examples]))
    return out

