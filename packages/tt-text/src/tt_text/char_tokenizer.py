"""``CharTokenizer``: one id per distinct character of the training text.

The simplest tokenizer, and the one char-level language models use: the
vocabulary is the sorted set of characters seen in training, so
tiny-shakespeare gives 65 ids. Encoding and decoding are vectorised: the text
becomes an array of Unicode code points (its UTF-32 bytes), looked up with
``np.searchsorted`` in the sorted vocabulary, so a megabyte encodes in
milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .tokenizer import Tokenizer


class CharTokenizer(Tokenizer):
    """Character-level tokenizer.

    Example:
        >>> tok = CharTokenizer().train("hello")
        >>> tok.vocab_size, tok.encode("hell"), tok.decode([3, 1])
        (4, [1, 0, 2, 2], 'oh')
    """

    kind = "char"

    def __init__(self) -> None:
        super().__init__()
        self._codes = np.zeros(0, dtype=np.uint32)  # sorted code points; id i is chr(_codes[i])

    def train(self, text: str, special_tokens: Sequence[str] = ()) -> CharTokenizer:
        """Build the vocabulary from the distinct characters of ``text``; returns ``self``.

        Args:
            text: the training text.
            special_tokens: strings that get ids of their own after the characters.
        """
        if not isinstance(text, str):
            raise TypeError(f"CharTokenizer.train: expected a str, got {type(text).__name__}")
        # BEGIN SOLUTION 10
        # TODO: the vocabulary: the sorted distinct code points of text (np.unique of _code_points(text)).
        self._codes = np.unique(_code_points(text))
        # END SOLUTION
        self.special_tokens = {}
        self._trained = True
        self.add_special_tokens(special_tokens)
        return self

    @property
    def ordinary_vocab_size(self) -> int:
        return len(self._codes)

    @property
    def chars(self) -> list[str]:
        """The vocabulary: the character of each ordinary id."""
        return [chr(c) for c in self._codes]

    def _encode_ordinary(self, text: str) -> list[int]:
        # BEGIN SOLUTION 10
        # TODO: each character's id, its position in the sorted vocabulary,
        #   vectorised (§ How it is built, "Characters, vectorised").
        # HINT: np.searchsorted finds positions; a character not in the
        #   vocabulary is a KeyError naming it and where.
        codes = _code_points(text)
        if codes.size == 0:
            return []
        ids = np.searchsorted(self._codes, codes)
        found = ids < len(self._codes)
        found[found] = self._codes[ids[found]] == codes[found]
        if not found.all():
            position = int(np.argmin(found))
            char = chr(int(codes[position]))
            raise ValueError(
                f"CharTokenizer.encode: character {char!r} (U+{ord(char):04X}) at position {position} is not "
                f"in the vocabulary of {len(self._codes)} characters it was trained on"
            )
        return ids.tolist()
        # END SOLUTION

    def _decode_ordinary(self, ids: np.ndarray) -> str:
        # BEGIN SOLUTION 10
        # TODO: the text of ids: their code points as little-endian uint32 bytes, decoded as UTF-32.
        return self._codes[ids].astype("<u4").tobytes().decode("utf-32-le")
        # END SOLUTION

    def _payload(self) -> dict[str, Any]:
        return {"chars": "".join(self.chars)}

    def _restore(self, payload: dict[str, Any]) -> None:
        chars = payload.get("chars")
        if not isinstance(chars, str):
            raise ValueError("CharTokenizer.load: the file has no 'chars' string")
        self._codes = np.unique(_code_points(chars))
        self._check_special_payload(payload)

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab_size={self.vocab_size})"


def _code_points(text: str) -> np.ndarray:
    """The Unicode code points of ``text`` as a uint32 array."""
    return np.frombuffer(text.encode("utf-32-le", errors="surrogatepass"), dtype="<u4")
