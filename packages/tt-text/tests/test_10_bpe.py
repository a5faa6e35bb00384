"""Module 10 — byte-level BPE: training, exact round trips on any UTF-8, special tokens, files, speed."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tt_text import BPETokenizer, load_tiny_shakespeare
from tt_text.bpe import learn_merges, merge_pair

MIXED = "naïve café — 日本語 and emoji 👍🏽👨‍👩‍👧 ok\n\ttabs __init__ 2024!!"
CORPUS = ("the cat sat on the mat. the dog sat on the log. " * 40) + MIXED


@pytest.fixture(scope="module")
def tok():
    return BPETokenizer().train(CORPUS, vocab_size=300, special_tokens=["<|endoftext|>"])


def test_merge_pair_replaces_non_overlapping_occurrences_left_to_right():
    assert merge_pair([1, 1, 1, 2, 1, 1], (1, 1), 9) == [9, 1, 2, 9]


def test_first_merge_is_the_most_frequent_pair():
    words = [list(b"ab"), list(b"abc"), list(b"bc")]
    merges = learn_merges(words, [5, 1, 2], n_merges=2)
    assert merges[0] == (ord("a"), ord("b")), "pair (a, b) occurs 6 times, (b, c) 3 times"
    assert merges[1] == (256, ord("c")) or merges[1] == (ord("b"), ord("c"))


def test_incremental_counts_match_a_full_recount():
    """After every merge, the pair the trainer picks is the most frequent in a recount from scratch."""
    words = [list(w.encode()) for w in ["lower", "lowest", "newer", "wider", "new", "low"]]
    counts = [5, 2, 6, 3, 2, 7]
    merges = learn_merges([list(w) for w in words], counts, n_merges=8)
    current = [list(w) for w in words]
    for rank, pair in enumerate(merges):
        tally = Counter()
        for word, count in zip(current, counts):
            for p in zip(word, word[1:]):
                tally[p] += count
        best = max(tally.values())
        assert tally[pair] == best, f"merge {rank} chose {pair} with {tally[pair]}, but the maximum is {best}"
        current = [merge_pair(w, pair, 256 + rank) for w in current]


def reference_merges(words, counts, n_merges):
    """Textbook BPE: recount every pair from scratch, merge the most frequent (ties: smallest pair)."""
    words, merges = [list(w) for w in words], []
    while len(merges) < n_merges:
        tally = Counter()
        for word, count in zip(words, counts):
            for pair in zip(word, word[1:]):
                tally[pair] += count
        if not tally:
            break
        pair = min(tally, key=lambda p: (-tally[p], p))
        merges.append(pair)
        words = [merge_pair(w, pair, 256 + len(merges) - 1) for w in words]
    return merges


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_merges_equal_textbook_bpe_until_no_pair_is_left(seed):
    rng = np.random.default_rng(seed)
    words = [list(rng.integers(97, 101, rng.integers(1, 9))) for _ in range(25)]
    words = [[int(i) for i in w] for w in words] + [[97, 97, 97, 97], [98, 98, 98]]  # overlapping runs
    counts = [int(c) for c in rng.integers(1, 4, len(words))]
    expected = reference_merges(words, counts, 1000)
    assert learn_merges([list(w) for w in words], counts, 1000) == expected
    assert learn_merges([list(w) for w in words], counts, 5) == expected[:5]


def test_zero_merges_is_a_byte_level_tokenizer():
    tok = BPETokenizer().train("hello hello", vocab_size=256)
    assert tok.vocab_size == 256 and tok.merges == [] and tok.encode("hé") == list("hé".encode())
    one = BPETokenizer().train("hello hello", vocab_size=257, special_tokens=["<s>"])
    assert one.merges == [] and one.encode("<s>") == [256]


def test_training_reaches_the_target_vocab_size(tok):
    assert tok.vocab_size == 300
    assert len(tok.merges) == 300 - 256 - 1
    assert tok.token_bytes(256) in (b" t", b"th", b"he", b"at")


def test_round_trip_with_multibyte_characters_and_emoji(tok):
    for text in (MIXED, "", " ", "   leading and trailing   ", "\n\n", "日本語", "👍🏽" * 5, CORPUS[:500]):
        assert tok.decode(tok.encode(text)) == text


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60))
def test_round_trip_on_any_text(tok, text):
    assert tok.decode(tok.encode(text)) == text


def test_merges_shorten_the_encoding(tok):
    text = "the cat sat on the mat."
    assert len(tok.encode(text)) < len(text.encode("utf-8")) / 2


def test_special_tokens_encode_to_one_id_unless_disallowed(tok):
    eot = tok.special_tokens["<|endoftext|>"]
    assert eot == 299
    ids = tok.encode("the cat<|endoftext|>the dog")
    assert ids.count(eot) == 1 and tok.decode(ids) == "the cat<|endoftext|>the dog"
    plain = tok.encode("<|endoftext|>", allowed_special=False)
    assert eot not in plain and tok.decode(plain) == "<|endoftext|>"


def test_save_and_load_give_the_same_encoding(tok, tmp_path):
    path = tmp_path / "bpe.json"
    tok.save(path)
    payload = json.loads(path.read_text(encoding="utf-8"))
    assert payload["kind"] == "bpe" and len(payload["merges"]) == len(tok.merges)
    again = BPETokenizer.load(path)
    assert again.vocab_size == tok.vocab_size
    assert again.encode(MIXED + "<|endoftext|>") == tok.encode(MIXED + "<|endoftext|>")


def test_load_refuses_other_files_clearly(tmp_path):
    (tmp_path / "x.json").write_text('{"hello": 1}')
    with pytest.raises(ValueError, match="not written by a TinyTorch tokenizer"):
        BPETokenizer.load(tmp_path / "x.json")
    with pytest.raises(FileNotFoundError, match="no file at"):
        BPETokenizer.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="is not a tokenizer JSON file"):
        BPETokenizer.load(str(tmp_path / "bad.json"))  # str paths work as well as Path
    (tmp_path / "bytes.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="is not a tokenizer JSON file"):
        BPETokenizer.load(tmp_path / "bytes.json")


def test_load_refuses_the_other_kind_of_tokenizer(tok, tmp_path):
    from tt_text import CharTokenizer

    CharTokenizer().train("abc").save(str(tmp_path / "char.json"))
    with pytest.raises(ValueError, match="holds a 'char' tokenizer, not 'bpe'"):
        BPETokenizer.load(str(tmp_path / "char.json"))
    tok.save(tmp_path / "bpe.json")
    assert BPETokenizer.load(str(tmp_path / "bpe.json")).encode(MIXED) == tok.encode(MIXED)


def test_decode_of_an_unknown_id_is_a_clear_error(tok):
    with pytest.raises(
        ValueError, match=r"id 300 at position 0 is not in the vocabulary \(ids run from 0 to 299\)"
    ):
        tok.decode([300])
    with pytest.raises(ValueError, match=r"id -1"):
        tok.decode([5, -1])


def test_encode_before_training_is_a_clear_error():
    with pytest.raises(RuntimeError, match=r"BPETokenizer.encode: the tokenizer has no vocabulary yet"):
        BPETokenizer().encode("hello")


def test_vocab_size_below_the_byte_alphabet_is_refused():
    with pytest.raises(ValueError, match="below 256 byte ids"):
        BPETokenizer().train("abc", vocab_size=100)


def test_training_on_tiny_shakespeare_compresses_and_round_trips():
    # Its speed (seconds, not minutes) is measured by `nox -s bench` (benchmarks/text.py), not here.
    text = load_tiny_shakespeare()
    tok = BPETokenizer().train(text, vocab_size=512)
    sample = text[:20_000]
    assert tok.decode(tok.encode(sample)) == sample
    assert len(tok.encode(sample)) < 0.55 * len(sample)
