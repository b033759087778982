"""The King James Bible as a word-level language-modelling corpus (Debian package `bible-kjv`).

`bible-kjv-text` ships the KJV text compressed in its own format (/usr/lib/bible.data); its reader, the
`bible` program of package `bible-kjv`, prints any range of verses. ``load_verses`` runs
``bible -l100000 gen1:1-rev22:21`` (one line per verse, no wrapping) and parses chapter headings
("Genesis 1") and verse lines ("  1 In the beginning ...").

Corpus preparation (fixed, documented in traces/README.md):

* tokens: lower-cased words (letters with inner apostrophes: ``lord's``) and every punctuation mark as its
  own token (``, . ; : ? ! ( ) ' -``), an ``<eos>`` token after every verse (Wikitext-2 likewise splits
  punctuation and ends lines with ``<eos>``);
* split by chapter, interleaved so that every part covers the whole book: of the 1189 chapters in canonical
  order (ordinal ``i`` from 0), ``i % 20 == 18`` is validation, ``i % 20 == 19`` is test, the rest training
  (90 / 5 / 5 %);
* vocabulary: the ``vocab_size - 1`` most frequent training tokens (ties broken alphabetically) plus
  ``<unk>`` (id 0); everything else maps to ``<unk>``.
"""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
from typing import Dict, List, Tuple

import numpy as np

BIBLE_RANGE = "gen1:1-rev22:21"
UNK = "<unk>"
EOS = "<eos>"
N_CHAPTERS = 1189
N_VERSES = 31102

_TOKEN_RE = re.compile(r"[a-z]+(?:'[a-z]+)*|[^\sa-z]")
_VERSE_RE = re.compile(r"^ +(\d+) (.*)$")


def bible_text() -> str:
    exe = shutil.which("bible")
    if exe is None:
        raise SystemExit("the `bible` program is missing: install it with `apt-get install -y bible-kjv`")
    r = subprocess.run([exe, "-l100000", BIBLE_RANGE], capture_output=True, text=True, check=True)
    return r.stdout


def parse_verses(text: str) -> List[Tuple[int, str]]:
    """[(chapter ordinal, verse text)] in canonical order."""
    verses = []
    chapter = -1
    for line in text.split("\n"):
        if not line.strip():
            continue
        m = _VERSE_RE.match(line)
        if m:
            if chapter < 0:
                raise ValueError(f"verse before the first chapter heading: {line!r}")
            verses.append((chapter, m.group(2)))
        else:
            chapter += 1
    return verses


def tokenize(verse: str) -> List[str]:
    return _TOKEN_RE.findall(verse.lower()) + [EOS]


def split_of_chapter(chapter: int) -> str:
    r = chapter % 20
    return "valid" if r == 18 else "test" if r == 19 else "train"


def load_splits(text: str = None) -> Dict[str, List[str]]:
    """Token lists of the train / valid / test splits."""
    verses = parse_verses(bible_text() if text is None else text)
    out = {"train": [], "valid": [], "test": []}
    for chapter, verse in verses:
        out[split_of_chapter(chapter)].extend(tokenize(verse))
    return out


def build_vocab(train_tokens: List[str], vocab_size: int) -> List[str]:
    counts = collections.Counter(train_tokens)
    counts.pop(UNK, None)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [UNK] + [w for w, _ in ranked[:vocab_size - 1]]


def encode(tokens: List[str], vocab: List[str]) -> np.ndarray:
    index = {w: i for i, w in enumerate(vocab)}
    return np.array([index.get(t, 0) for t in tokens], dtype=np.int64)


def corpus(vocab_size: int):
    """(vocab, {split: int64 token ids}, stats dict)."""
    text = bible_text()
    splits = load_splits(text)
    vocab = build_vocab(splits["train"], vocab_size)
    ids = {k: encode(v, vocab) for k, v in splits.items()}
    stats = {k: (len(v), float((ids[k] == 0).mean())) for k, v in splits.items()}
    return vocab, ids, stats
