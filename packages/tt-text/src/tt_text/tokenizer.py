"""What every tokenizer shares: special tokens, id checks, JSON files.

A tokenizer maps text to a list of integer ids and back. :class:`Tokenizer`
holds the parts that do not depend on *how* text is cut: special tokens
(strings such as ``"<|endoftext|>"`` that always become one id of their own),
the check that every id given to ``decode`` exists, and saving to / loading
from a JSON file (no pickle: loading a file runs no code; writing goes to a
temporary file that is then renamed, so a crash never leaves half a file).

Subclasses (:class:`~tt_text.CharTokenizer`, :class:`~tt_text.BPETokenizer`)
implement ``train``, ``_encode_ordinary`` (text without special tokens),
``_token_bytes`` (the bytes each ordinary id stands for) and the JSON payload.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tt_nn.serialization import atomic_write_bytes

FORMAT = "tinytorch-tokenizer"


class Tokenizer:
    """Base class: special tokens, ``decode`` checks and JSON save/load.

    Attributes:
        special_tokens: ``{string: id}`` of the special tokens, ids after the ordinary ones.
    """

    kind = "base"

    def __init__(self) -> None:
        self.special_tokens: dict[str, int] = {}
        self._special_pattern: re.Pattern[str] | None = None
        self._trained = False

    # ----------------------------------------------------------------- to implement
    @property
    def ordinary_vocab_size(self) -> int:
        """Number of ids that are not special tokens."""
        raise NotImplementedError

    def _encode_ordinary(self, text: str) -> list[int]:
        raise NotImplementedError

    def _decode_ordinary(self, ids: np.ndarray) -> str:
        raise NotImplementedError

    def _payload(self) -> dict[str, Any]:
        raise NotImplementedError

    def _restore(self, payload: dict[str, Any]) -> None:
        raise NotImplementedError

    # ----------------------------------------------------------------- public API
    @property
    def vocab_size(self) -> int:
        """Number of ids, special tokens included: the ``num_embeddings`` a model needs."""
        return self.ordinary_vocab_size + len(self.special_tokens)

    def __len__(self) -> int:
        return self.vocab_size

    def encode(self, text: str, allowed_special: bool = True) -> list[int]:
        """The ids of ``text``.

        Args:
            text: any Python string (every Unicode character, emoji included).
            allowed_special: if True, special-token strings found in ``text``
                become their single id; if False they are encoded as ordinary text.
        """
        self._check_trained("encode")
        if not isinstance(text, str):
            raise TypeError(f"{type(self).__name__}.encode: expected a str, got {type(text).__name__}")
        # BEGIN SOLUTION 10
        # TODO: the ids of text: ordinary text through _encode_ordinary, each special token (if allowed)
        #   as its own id (§ How it is built, "A shared base").
        # HINT: _special_pattern.finditer splits the text at the special tokens.
        if not allowed_special or self._special_pattern is None:
            return self._encode_ordinary(text)
        ids: list[int] = []
        start = 0
        for match in self._special_pattern.finditer(text):
            ids.extend(self._encode_ordinary(text[start : match.start()]))
            ids.append(self.special_tokens[match.group()])
            start = match.end()
        ids.extend(self._encode_ordinary(text[start:]))
        return ids
        # END SOLUTION

    def decode(self, ids: Iterable[int] | np.ndarray) -> str:
        """The text of ``ids`` (a list, array or 1-d tensor of ints); ``decode(encode(s)) == s``."""
        self._check_trained("decode")
        # BEGIN SOLUTION 10
        # TODO: the text of ids: out-of-range ids refused (an error naming the id and its position); runs of
        #   ordinary ids decoded together, special ids as their strings.
        array = _as_id_array(ids, type(self).__name__)
        bad = (array < 0) | (array >= self.vocab_size)
        if bad.any():
            position = int(np.argmax(bad))
            raise ValueError(
                f"{type(self).__name__}.decode: id {int(array[position])} at position {position} is not in "
                f"the vocabulary (ids run from 0 to {self.vocab_size - 1})"
            )
        if not self.special_tokens:
            return self._decode_ordinary(array)
        names = {i: s for s, i in self.special_tokens.items()}
        special = array >= self.ordinary_vocab_size
        if not special.any():
            return self._decode_ordinary(array)
        parts: list[str] = []
        cuts = np.flatnonzero(special)
        start = 0
        for cut in cuts:
            parts.append(self._decode_ordinary(array[start:cut]))
            parts.append(names[int(array[cut])])
            start = cut + 1
        parts.append(self._decode_ordinary(array[start:]))
        return "".join(parts)
        # END SOLUTION

    def add_special_tokens(self, tokens: Sequence[str]) -> None:
        """Give each new string in ``tokens`` an id after all existing ones."""
        for token in tokens:
            if not isinstance(token, str) or not token:
                raise ValueError(
                    f"{type(self).__name__}: a special token must be a non-empty str, got {token!r}"
                )
            if token not in self.special_tokens:
                self.special_tokens[token] = self.vocab_size
        self._compile_special()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the tokenizer to a JSON file (atomically: a temporary file, then a rename)."""
        self._check_trained("save")
        payload = {"format": FORMAT, "kind": self.kind, "version": 1, **self._payload()}
        payload["special_tokens"] = self.special_tokens
        write_json_atomic(Path(path), payload)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Tokenizer:
        """Read a tokenizer written by :meth:`save`; a clear error for any other file."""
        # BEGIN SOLUTION 10
        # TODO: read a tokenizer written by save (JSON), with a clear error for a missing file, another format
        #   or another kind of tokenizer; then a new instance, _restore(payload), the special tokens, trained.
        path = Path(path)
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FileNotFoundError(f"{cls.__name__}.load: no file at {path}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ValueError(f"{cls.__name__}.load: {path} is not a tokenizer JSON file ({error})") from None
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ValueError(f"{cls.__name__}.load: {path} was not written by a TinyTorch tokenizer's save()")
        if payload.get("kind") != cls.kind:
            raise ValueError(
                f"{cls.__name__}.load: {path} holds a {payload.get('kind')!r} tokenizer, not {cls.kind!r}"
            )
        tokenizer = cls()
        tokenizer._restore(payload)
        tokenizer.special_tokens = {str(k): int(v) for k, v in payload.get("special_tokens", {}).items()}
        tokenizer._compile_special()
        tokenizer._trained = True
        return tokenizer
        # END SOLUTION

    # ----------------------------------------------------------------- helpers
    def _check_special_payload(self, payload: dict[str, Any]) -> None:
        """Refuse a file's special tokens unless they are non-empty strings with the ids save() gives them.

        Those ids are ``ordinary_vocab_size, ordinary_vocab_size + 1, …`` in
        some order; anything else (a negative id, one inside the ordinary
        vocabulary, a repeat, a non-integer) would decode wrongly, so it is refused.
        """
        owner = f"{type(self).__name__}.load"
        special = payload.get("special_tokens", {})
        if not isinstance(special, dict):
            raise ValueError(
                f"{owner}: 'special_tokens' must be an object {{token: id}}, got {special!r:.80}"
            )
        for token, value in special.items():
            if not token or isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(
                    f"{owner}: special token {token!r:.40} has id {value!r:.40}; expected a non-empty "
                    "string with an integer id"
                )
        first = self.ordinary_vocab_size
        if sorted(special.values()) != list(range(first, first + len(special))):
            raise ValueError(
                f"{owner}: the special tokens' ids {sorted(special.values())[:10]} must be {first} to "
                f"{first + len(special) - 1}, one each, right after the {first} ordinary ids"
            )

    def _compile_special(self) -> None:
        if not self.special_tokens:
            self._special_pattern = None
            return
        longest_first = sorted(self.special_tokens, key=len, reverse=True)
        self._special_pattern = re.compile("|".join(re.escape(token) for token in longest_first))

    def _check_trained(self, method: str) -> None:
        # BEGIN SOLUTION 10
        # TODO: refuse to encode or decode before train (a RuntimeError naming the method and what to call).
        if not self._trained:
            raise RuntimeError(
                f"{type(self).__name__}.{method}: the tokenizer has no vocabulary yet; call train(text, ...) "
                f"first, or {type(self).__name__}.load(path)"
            )
        # END SOLUTION


def _as_id_array(ids: object, owner: str) -> np.ndarray:
    """``ids`` as a 1-d int64 array; a tensor works too (through its ``array``)."""
    ids = getattr(ids, "array", ids)
    array = np.asarray(ids)
    if array.size == 0:
        return array.reshape(0).astype(np.int64)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{owner}.decode: ids must be integers, got dtype {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"{owner}.decode: expected a 1-d sequence of ids, got shape {array.shape}")
    return array.astype(np.int64, copy=False)


def write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as JSON to ``path`` atomically (tt-nn's temporary file, fsync and rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, json.dumps(payload, ensure_ascii=False).encode("utf-8"))
