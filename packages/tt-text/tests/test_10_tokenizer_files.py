"""Module 10: lossless round trips for every ``str``, and loaded tokenizer files are validated (issue #14).

Before: lone surrogates came back as U+FFFD; a file with the pattern
``(a+)+$`` hung ``encode``; merges, special ids and patterns were not checked.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tt_text import BPETokenizer, CharTokenizer
from tt_text.bpe import DEFAULT_PATTERN, TRUSTED_PATTERNS

CORPUS = "the quick brown fox jumps over the lazy dog; the dog sleeps. " * 20


@pytest.fixture(scope="module")
def bpe():
    return BPETokenizer().train(CORPUS, vocab_size=300, special_tokens=["<|endoftext|>"])


@pytest.mark.parametrize(
    "text",
    [
        "lone \ud800 high",
        "low \udfff end",
        "escaped byte \udc80\udcff",
        "pair \ud83d\ude00 as units",
        "\udc80",
    ],
)
def test_surrogates_round_trip(bpe, text):
    assert bpe.decode(bpe.encode(text)) == text
    assert bpe.decode(bpe.encode(text + "<|endoftext|>" + text)) == text + "<|endoftext|>" + text


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()), max_size=40
    )
)
def test_every_string_round_trips(bpe, text):  # surrogates (category Cs) included
    assert bpe.decode(bpe.encode(text)) == text


def test_bytes_no_string_encodes_to_still_decode_to_replacement_characters(bpe):
    assert bpe.decode([0xFF, ord("a")]) == "\ufffda"
    assert bpe.decode([0xE2, 0x82]) == "\ufffd"  # a character cut in half


def save_and_edit(tokenizer, path, **changes):
    tokenizer.save(path)
    payload = json.loads(path.read_text(encoding="utf-8"))
    payload.update(changes)
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def test_a_crafted_split_pattern_is_refused_not_run(bpe, tmp_path):
    path = save_and_edit(bpe, tmp_path / "tok.json", pattern="(a+)+$")
    with pytest.raises(ValueError, match=r"split pattern '\(a\+\)\+\$' is not one of TinyTorch's own"):
        BPETokenizer.load(path)


def test_a_trusted_custom_pattern_loads(tmp_path):
    custom = r"\w+|\s+|[^\w\s]+"
    tokenizer = BPETokenizer(pattern=custom).train(CORPUS, vocab_size=270)
    tokenizer.save(tmp_path / "custom.json")
    with pytest.raises(ValueError, match="TRUSTED_PATTERNS"):
        BPETokenizer.load(tmp_path / "custom.json")
    TRUSTED_PATTERNS.add(custom)
    try:
        loaded = BPETokenizer.load(tmp_path / "custom.json")
        assert loaded.encode(CORPUS[:50]) == tokenizer.encode(CORPUS[:50])
    finally:
        TRUSTED_PATTERNS.discard(custom)
    assert TRUSTED_PATTERNS == {DEFAULT_PATTERN}


@pytest.mark.parametrize(
    ("merges", "message"),
    [
        ([[104, 101], [-1, 5]], r"merge 1 is \[-1, 5\]"),
        ([[104, 101], [256, 400]], r"merge 1 is \[256, 400\]; each merge must be a pair of ids below 257"),
        ([[104, 101, 3]], "merge 0 is"),
        ([[104, 101.0]], "merge 0 is"),
        (["ab"], "merge 0 is"),
        ([[104, 101], [104, 101]], r"merge 1 \(104, 101\) repeats"),
    ],
)
def test_bad_merges_are_refused(bpe, tmp_path, merges, message):
    path = save_and_edit(bpe, tmp_path / "tok.json", merges=merges, special_tokens={})
    with pytest.raises(ValueError, match=message):
        BPETokenizer.load(path)


@pytest.mark.parametrize(
    "special",
    [
        {"<|endoftext|>": 5},
        {"<|endoftext|>": -1},
        {"<|endoftext|>": "300"},
        {"": 300},
        {"a": 300, "b": 300},
        [],
    ],
)
def test_bad_special_tokens_are_refused(bpe, tmp_path, special):
    path = save_and_edit(bpe, tmp_path / "tok.json", special_tokens=special)
    with pytest.raises(ValueError, match="BPETokenizer.load: .*special"):
        BPETokenizer.load(path)


def test_char_tokenizer_files_check_special_ids_too(tmp_path):
    tokenizer = CharTokenizer().train("abc", special_tokens=["<pad>"])
    path = save_and_edit(tokenizer, tmp_path / "chars.json", special_tokens={"<pad>": 0})
    with pytest.raises(ValueError, match="CharTokenizer.load: the special tokens' ids"):
        CharTokenizer.load(path)


def test_a_good_file_still_loads(bpe, tmp_path):
    bpe.save(tmp_path / "tok.json")
    loaded = BPETokenizer.load(tmp_path / "tok.json")
    assert loaded.encode(CORPUS) == bpe.encode(CORPUS) and loaded.special_tokens == bpe.special_tokens
