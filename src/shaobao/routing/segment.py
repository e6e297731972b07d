"""Chinese word segmentation for routing: a private, quiet jieba tokenizer.

A private `jieba.Tokenizer` keeps our governance dictionary out of jieba's global
state, so other code that uses jieba is not affected. Pure Python, no Django.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from dataclasses import dataclass

import jieba

jieba.setLogLevel(60)
logging.getLogger("jieba").setLevel(60)

# Words residents and grid workers use that jieba's general dictionary splits badly.
GOVERNANCE_WORDS = (
    "路灯", "井盖", "窨井盖", "占道经营", "出店经营", "流动摊贩", "油烟", "油烟机", "违建",
    "违法建设", "私搭乱建", "网格员", "网格长", "单元长", "物业", "物业费", "业委会", "化粪池",
    "下水道", "污水管", "雨污分流", "垃圾桶", "垃圾分类", "建筑垃圾", "渣土车", "共享单车",
    "电动车", "飞线充电", "楼道堆物", "消防通道", "广场舞", "噪音", "扰民", "积水", "内涝",
    "停水", "停电", "水压", "燃气", "老旧小区", "加装电梯", "小区改造", "绿化带", "行道树",
    "流浪狗", "犬只", "外墙脱落", "高空抛物", "占用车位", "僵尸车", "乱停车", "红绿灯",
    "斑马线", "公交站", "黑臭水体", "排污口", "烧秸秆", "露天焚烧", "社保", "医保", "公积金",
    "低保", "养老金", "拖欠工资", "欠薪", "学区", "入学", "校外培训", "食品安全", "无证经营",
    "传销", "房产证", "不动产证", "烂尾楼", "安置房", "拆迁", "征收", "吹哨", "报到",
)

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_SKIP = re.compile(r"^[\s\W_]+$", re.UNICODE)


def tokenizer() -> jieba.Tokenizer:
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                tk = jieba.Tokenizer()
                tk.initialize()
                for word in GOVERNANCE_WORDS:
                    tk.add_word(word, freq=20000)
                _tokenizer = tk
    return _tokenizer


def words(text: str, *, hmm: bool = True) -> list[str]:
    """jieba words of `text`, without whitespace and punctuation tokens.

    `hmm=False` skips jieba's HMM guess at words missing from the dictionary: about
    2.5× faster on long texts, slightly worse on short ones.
    """
    return [w for w in tokenizer().lcut(text or "", HMM=hmm) if not _SKIP.match(w)]


def word_ngrams(text: str) -> list[str]:
    """Word unigrams and bigrams (bigrams joined with a space) of all of `text`.

    The analyzer of format-1 models: kept so that their files still unpickle and
    `TextRouter.load` can refuse them with a message instead of an AttributeError.
    """
    return _ngrams(words(text))


def _ngrams(ws: list[str]) -> list[str]:
    return ws + [f"{a} {b}" for a, b in itertools.pairwise(ws)]


@dataclass(frozen=True)
class WordNgrams:
    """The router's word analyzer: unigrams and bigrams of the first `prefix` characters.

    Segmentation is the slow part of routing (jieba walks every character in Python),
    and a message's opening names its problem, so long texts are segmented only up to
    `prefix` characters and without jieba's HMM. Texts of at most `hmm_chars`
    characters (subjects, short reports) keep the HMM: it costs little there and finds
    words the dictionary lacks (place and estate names). Character n-grams still see
    the whole text. An object rather than a closure, so a pickled vectorizer keeps
    its settings.
    """

    prefix: int = 200
    hmm_chars: int = 64

    def __call__(self, text: str) -> list[str]:
        text = text or ""
        hmm = len(text) <= self.hmm_chars
        return _ngrams(words(text[: self.prefix], hmm=hmm))
