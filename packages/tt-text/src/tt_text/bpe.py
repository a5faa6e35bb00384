"""``BPETokenizer``: byte-level byte-pair encoding, as in GPT-2.

Text is first turned into UTF-8 bytes, so the 256 byte values are the base
vocabulary and *any* string (accents, CJK, emoji) encodes with no unknown
token. Training then repeatedly finds the most frequent adjacent pair of ids
and gives it a new id (a *merge*), until the vocabulary reaches the target
size. Encoding replays the merges in the order they were learned; decoding
concatenates each id's bytes and decodes them as UTF-8, so
``decode(encode(s)) == s`` for every string (lone surrogates included: see
:func:`decode_utf8`). For a given vocabulary, encoding costs time linear in
the text: each chunk is rescanned once per merge it applies.

Before counting, text is cut into chunks by a regular expression (GPT-2's
idea: words with their leading space, runs of digits, runs of punctuation,
whitespace), and merges never cross a chunk boundary. Chunks repeat a lot,
so training works on the distinct chunks with their counts.

Training cost: counting every pair once, then for each merge touching only
the chunks that contain the merged pair. An index ``pair -> chunks holding
it`` finds those chunks, pair counts are updated by the difference each
rewritten chunk makes, and a heap (with stale entries skipped when popped)
gives the most frequent pair without rescanning all counts. On the 1 MB
tiny-shakespeare text, 1,000 merges take about a second.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from .tokenizer import Tokenizer

#: GPT-2's pre-tokenization pattern written for Python's ``re`` (which lacks ``\p{L}``):
#: contractions, letters with an optional leading space, digits, other symbols, whitespace.
#: Every character matches one branch, so the chunks always concatenate back to the text.
DEFAULT_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+"""

#: The split patterns a loaded tokenizer file may name. A regular expression from a file is code
#: that ``encode`` runs: a crafted one such as ``(a+)+$`` backtracks for exponential time and
#: hangs it. To load a file you wrote with your own pattern, add that pattern here first.
TRUSTED_PATTERNS: set[str] = {DEFAULT_PATTERN}

_CACHE_LIMIT = 200_000


class BPETokenizer(Tokenizer):
    """Byte-level BPE tokenizer: 256 byte ids, then one id per learned merge, then special tokens.

    Example:
        >>> tok = BPETokenizer().train("low lower lowest " * 50, vocab_size=260)
        >>> ids = tok.encode("lowest 👍")
        >>> tok.decode(ids)
        'lowest 👍'
    """

    kind = "bpe"

    def __init__(self, pattern: str = DEFAULT_PATTERN) -> None:
        super().__init__()
        self.pattern = pattern
        self._regex = re.compile(pattern)
        self.merges: list[tuple[int, int]] = []
        self._ranks: dict[tuple[int, int], int] = {}
        self._bytes: list[bytes] = [bytes([i]) for i in range(256)]
        self._cache: dict[str, list[int]] = {}

    # ----------------------------------------------------------------- training
    def train(self, text: str, vocab_size: int, special_tokens: Sequence[str] = ()) -> BPETokenizer:
        """Learn merges from ``text`` until the vocabulary has ``vocab_size`` ids; returns ``self``.

        Args:
            text: the training corpus.
            vocab_size: target size, counting the 256 byte ids and the special
                tokens. Training stops earlier if no pair is left to merge.
            special_tokens: strings that always encode to one id of their own.
        """
        if not isinstance(text, str):
            raise TypeError(f"BPETokenizer.train: expected a str, got {type(text).__name__}")
        # BEGIN SOLUTION 10
        # TODO: learn vocab_size - 256 - len(special_tokens) merges from text (§ How it is built, "BPE:
        #   pre-split, then merge"): pre-split with the regex, count each distinct chunk once, learn_merges.
        # HINT: chunks as UTF-8 bytes (errors="surrogatepass" keeps lone
        #   surrogates); a too small vocab is an error.
        n_merges = int(vocab_size) - 256 - len(special_tokens)
        if n_merges < 0:
            raise ValueError(
                f"BPETokenizer.train: vocab_size={vocab_size} is below 256 byte ids + {len(special_tokens)} "
                f"special tokens = {256 + len(special_tokens)}"
            )
        chunks = Counter(self._regex.findall(text))
        words = [list(chunk.encode("utf-8", errors="surrogatepass")) for chunk in chunks]
        self._set_merges(learn_merges(words, list(chunks.values()), n_merges))
        # END SOLUTION
        self.special_tokens = {}
        self._trained = True
        self.add_special_tokens(special_tokens)
        return self

    def _set_merges(self, merges: list[tuple[int, int]]) -> None:
        self.merges = [(int(a), int(b)) for a, b in merges]
        self._ranks = {pair: rank for rank, pair in enumerate(self.merges)}
        self._bytes = [bytes([i]) for i in range(256)]
        for a, b in self.merges:
            if a >= len(self._bytes) or b >= len(self._bytes):
                raise ValueError(f"BPETokenizer: merge ({a}, {b}) uses an id that no earlier merge created")
            self._bytes.append(self._bytes[a] + self._bytes[b])
        self._cache = {}

    @property
    def ordinary_vocab_size(self) -> int:
        return 256 + len(self.merges)

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes an ordinary id stands for (e.g. ``b" the"``)."""
        return self._bytes[token_id]

    # ----------------------------------------------------------------- encode / decode
    def _encode_ordinary(self, text: str) -> list[int]:
        ids: list[int] = []
        cache = self._cache
        for chunk in self._regex.findall(text):
            cached = cache.get(chunk)
            if cached is None:
                cached = self._encode_chunk(chunk.encode("utf-8", errors="surrogatepass"))
                if len(cache) >= _CACHE_LIMIT:
                    cache.clear()
                cache[chunk] = cached
            ids.extend(cached)
        return ids

    def _encode_chunk(self, data: bytes) -> list[int]:
        """Apply the merges to one chunk, always the earliest-learned pair present first."""
        # BEGIN SOLUTION 10
        # TODO: replay the merges on one chunk's bytes, always the earliest-learned pair present first
        #   (§ How it is built, "Encoding").
        # APPROACH: loop: find the adjacent pair with the lowest rank (self._ranks); none -> done; else merge
        #   every occurrence of it (merge_pair) and repeat.
        ids = list(data)
        ranks = self._ranks
        while len(ids) >= 2:
            best_rank, best = None, None
            for pair in zip(ids, ids[1:]):
                rank = ranks.get(pair)
                if rank is not None and (best_rank is None or rank < best_rank):
                    best_rank, best = rank, pair
            if best is None:
                break
            ids = merge_pair(ids, best, 256 + best_rank)
        return ids
        # END SOLUTION

    def _decode_ordinary(self, ids: np.ndarray) -> str:
        # BEGIN SOLUTION 10
        # TODO: join each id's bytes (self._bytes) and decode them as
        #   UTF-8 (decode_utf8 handles broken sequences).
        table = self._bytes
        data = b"".join([table[i] for i in ids.tolist()])
        return decode_utf8(data)
        # END SOLUTION

    # ----------------------------------------------------------------- files
    def _payload(self) -> dict[str, Any]:
        return {"pattern": self.pattern, "merges": [list(pair) for pair in self.merges]}

    def _restore(self, payload: dict[str, Any]) -> None:
        merges, pattern = payload.get("merges"), payload.get("pattern")
        if not isinstance(merges, list) or not isinstance(pattern, str):
            raise ValueError("BPETokenizer.load: the file needs a 'merges' list and a 'pattern' string")
        if pattern not in TRUSTED_PATTERNS:
            raise ValueError(
                f"BPETokenizer.load: the file's split pattern {pattern!r:.80} is not one of TinyTorch's own. "
                "A pattern from a file is code that encode() runs, and a crafted one can hang it, so it is "
                "refused; if you wrote this file yourself, add its pattern to tt_text.bpe.TRUSTED_PATTERNS"
            )
        self.pattern = pattern
        self._regex = re.compile(pattern)
        self._set_merges(checked_merges(merges))
        self._check_special_payload(payload)

    def __repr__(self) -> str:
        return f"BPETokenizer(vocab_size={self.vocab_size}, merges={len(self.merges)})"


def decode_utf8(data: bytes) -> str:
    """``data`` as text: exactly what :meth:`BPETokenizer.encode` was given, for any ``str``.

    ``encode`` writes lone surrogates (``"\\ud800"``, or the ``"\\udc80"`` that
    ``os.fsdecode`` makes of an undecodable byte) as their 3-byte forms
    (``surrogatepass``), so decoding with ``surrogatepass`` gives them back
    and the round trip is lossless. Bytes that no ``str`` encodes to (a
    sequence cut mid-character, ids a model made up) become U+FFFD.
    """
    try:
        return data.decode("utf-8", errors="surrogatepass")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


def checked_merges(merges: list[Any]) -> list[tuple[int, int]]:
    """A file's merges as pairs of ids, each id made by an earlier merge (or a byte), no pair twice."""
    pairs: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    for rank, merge in enumerate(merges):
        ok = isinstance(merge, (list, tuple)) and len(merge) == 2
        ok = ok and all(type(i) is int and 0 <= i < 256 + rank for i in merge)
        if not ok:
            raise ValueError(
                f"BPETokenizer.load: merge {rank} is {merge!r:.60}; each merge must be a pair of ids "
                f"below {256 + rank} (the bytes and the merges before it)"
            )
        pair = (merge[0], merge[1])
        if pair in seen:
            raise ValueError(f"BPETokenizer.load: merge {rank} {pair} repeats an earlier merge")
        seen.add(pair)
        pairs.append(pair)
    return pairs


def merge_pair(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """``ids`` with every non-overlapping occurrence of ``pair`` (left to right) replaced by ``new_id``."""
    # BEGIN SOLUTION 10
    # TODO: ids with every non-overlapping occurrence of pair, left to right, replaced by new_id.
    # EXAMPLE: merge_pair([1, 1, 1, 2], (1, 1), 9) == [9, 1, 2].
    a, b = pair
    out: list[int] = []
    i, n = 0, len(ids)
    while i < n:
        if i + 1 < n and ids[i] == a and ids[i + 1] == b:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
    # END SOLUTION


def learn_merges(words: list[list[int]], counts: list[int], n_merges: int) -> list[tuple[int, int]]:
    """Learn up to ``n_merges`` merges from distinct ``words`` (lists of ids) seen ``counts`` times.

    Ties between equally frequent pairs go to the smallest pair, so training
    is deterministic. ``words`` is rewritten in place.
    """
    # BEGIN SOLUTION 10
    # TODO: up to n_merges merges from distinct words seen counts times: each time the most frequent pair
    #   (ties: the smaller pair), merged everywhere (§ How it is built, "Training without rescanning").
    # APPROACH: count pairs once and remember which words hold each pair; after a merge update only the
    #   counts of the words that changed; a heap with lazy deletion finds the top pair.
    # HINT: the naive version (recount everything after each merge) passes the tests too, just slowly.
    pair_counts: dict[tuple[int, int], int] = defaultdict(int)
    where: dict[tuple[int, int], set[int]] = defaultdict(set)
    for index, (word, count) in enumerate(zip(words, counts)):
        for pair in zip(word, word[1:]):
            pair_counts[pair] += count
            where[pair].add(index)
    heap = [(-count, pair) for pair, count in pair_counts.items()]
    heapq.heapify(heap)
    merges: list[tuple[int, int]] = []
    while heap and len(merges) < n_merges:
        negative, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -negative:
            continue  # stale entry: the count changed after it was pushed
        new_id = 256 + len(merges)
        merges.append(pair)
        delta: dict[tuple[int, int], int] = defaultdict(int)
        for index in where.pop(pair):
            word = words[index]
            merged = merge_pair(word, pair, new_id)
            if len(merged) == len(word):
                continue  # the index is a superset: this word lost the pair to an earlier merge
            count = counts[index]
            for old in zip(word, word[1:]):
                delta[old] -= count
            for new in zip(merged, merged[1:]):
                delta[new] += count
                where[new].add(index)
            words[index] = merged
        for changed, difference in delta.items():
            if difference:
                total = pair_counts[changed] + difference
                if total > 0:
                    pair_counts[changed] = total
                    heapq.heappush(heap, (-total, changed))
                else:
                    del pair_counts[changed]
    return merges
    # END SOLUTION
