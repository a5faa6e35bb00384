"""Module 10 — CharTokenizer: one id per character, exact round trips, clear errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tt_text import CharTokenizer

MIXED = "naïve café — 日本語 and emoji 👍🏽👨‍👩‍👧 ok\n\ttabs"


def test_vocabulary_is_the_sorted_distinct_characters():
    tok = CharTokenizer().train("hello world")
    assert tok.chars == sorted(set("hello world"))
    assert tok.vocab_size == len(set("hello world"))
    assert tok.encode("hello") == [tok.chars.index(c) for c in "hello"]


def test_round_trip_with_multibyte_characters_and_emoji():
    tok = CharTokenizer().train(MIXED)
    ids = tok.encode(MIXED)
    assert len(ids) == len(MIXED), "one id per Python character (code point)"
    assert tok.decode(ids) == MIXED


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40))
def test_round_trip_on_any_text(text):
    tok = CharTokenizer().train(text)
    assert tok.decode(tok.encode(text)) == text


def test_special_tokens_get_their_own_ids_after_the_characters():
    tok = CharTokenizer().train("abc", special_tokens=["<|end|>"])
    assert tok.vocab_size == 4 and tok.special_tokens == {"<|end|>": 3}
    assert tok.encode("ab<|end|>c") == [0, 1, 3, 2]
    assert tok.decode([0, 3, 2]) == "a<|end|>c"


def test_save_and_load_give_the_same_tokenizer(tmp_path):
    tok = CharTokenizer().train(MIXED, special_tokens=["<pad>"])
    tok.save(tmp_path / "char.json")
    again = CharTokenizer.load(tmp_path / "char.json")
    assert again.vocab_size == tok.vocab_size and again.special_tokens == tok.special_tokens
    assert again.encode(MIXED + "<pad>") == tok.encode(MIXED + "<pad>")


def test_unknown_character_names_the_character_and_position():
    tok = CharTokenizer().train("abc")
    with pytest.raises(ValueError, match=r"'é' \(U\+00E9\) at position 2"):
        tok.encode("abé")
    with pytest.raises(ValueError, match=r"'b' \(U\+0062\) at position 1"):
        CharTokenizer().train("ac").encode("ab")  # 'b' sorts inside the vocabulary, yet is not in it


def test_decode_of_an_unknown_id_is_a_clear_error():
    tok = CharTokenizer().train("abc")
    with pytest.raises(
        ValueError, match=r"id 7 at position 1 is not in the vocabulary \(ids run from 0 to 2\)"
    ):
        tok.decode([0, 7])


def test_encode_before_training_is_a_clear_error():
    with pytest.raises(RuntimeError, match=r"no vocabulary yet; call train"):
        CharTokenizer().encode("abc")
