"""The rest of PyTorch's Store API: append, multi_get/multi_set, list_keys, queues, clone, barrier.

One process: each test runs on a HashStore, a FileStore and PrefixStores over both,
and compares with what PyTorch 2.x's store of the same name returns (checked by
hand against it: bytes values, ``queue_pop`` waiting then ``QueueEmptyError``, a
queue seen by ``check`` but not by ``get`` or ``num_keys``). Two processes: one
``mpiexec -n 2`` run of ``workers/store_more_checks.py`` appends to one key and
pops one queue from both ranks at once.
"""

from __future__ import annotations

import datetime
import gc
import json
import struct
import threading
import time

import pytest
import tt_dist as dist
from tt_dist import DistStoreError, FileStore, HashStore, PrefixStore, QueueEmptyError

MS = datetime.timedelta(milliseconds=1)


@pytest.fixture(params=["hash", "file", "prefix-hash", "prefix-file"])
def store(request, tmp_path):
    kind = request.param
    base = HashStore() if kind.endswith("hash") else FileStore(tmp_path / "store", 1)
    return PrefixStore("pre", base) if kind.startswith("prefix") else base


def name_of(store) -> str:
    return type(store.underlying_store if isinstance(store, PrefixStore) else store).__name__


def test_append_adds_bytes_at_the_end_and_starts_a_missing_key(store):
    store.append("a", "po")
    store.append("a", b"ta")
    store.append("a", bytearray(b"to"))
    assert store.get("a") == b"potato"
    assert store.add("n", 5) == 5
    store.append("n", "1")
    assert store.get("n") == b"51" and store.add("n", 1) == 52
    store.set("empty", "")
    store.append("empty", "x")
    assert store.get("empty") == b"x"
    with pytest.raises(TypeError, match=r"\.append: a value is str or bytes, got int 5"):
        store.append("a", 5)
    with pytest.raises(TypeError, match=r"\.append: a key is a str, got int 5"):
        store.append(5, "v")
    assert store.get("a") == b"potato"


def test_multi_set_and_multi_get_keep_the_order_of_the_keys(store):
    store.multi_set(["x", "y", "z"], ["1", b"\x00", "é"])
    assert store.multi_get(["z", "x", "y", "x"]) == ["é".encode(), b"1", b"\x00", b"1"]
    assert store.multi_get([]) == [] and store.num_keys() == 3
    store.multi_set(["x", "x"], ["a", "b"])  # the last value wins, as sets in order
    assert store.get("x") == b"b"
    store.multi_set([], [])
    name = name_of(store) if not isinstance(store, PrefixStore) else "PrefixStore"
    with pytest.raises(ValueError, match=rf"^{name}.multi_set: 2 keys but 1 values; give one value per key"):
        store.multi_set(["p", "q"], ["1"])
    with pytest.raises(TypeError, match=rf"^{name}.multi_set: values is a list of str or bytes, got 'ab'"):
        store.multi_set(["p", "q"], "ab")
    with pytest.raises(TypeError, match=rf"^{name}.multi_set: a value is str or bytes, got int 3"):
        store.multi_set(["p"], [3])
    with pytest.raises(TypeError, match=rf"^{name}.multi_get: keys is a list of str, got 'xy'"):
        store.multi_get("xy")
    with pytest.raises(TypeError, match=rf"^{name}.multi_set: keys is a list of str, got 'pq'"):
        store.multi_set("pq", ["1", "2"])
    assert not store.check(["p"]) and not store.check(["q"])


def test_multi_get_waits_for_every_key_within_one_timeout(store):
    store.set("here", "1")
    store.set_timeout(100 * MS)
    start = time.monotonic()
    with pytest.raises(DistStoreError, match=r"'?(pre/)?gone'?\]? after 100 ms|Wait timeout"):
        store.multi_get(["here", "gone"])
    assert 0.09 < time.monotonic() - start < 5
    other = store.clone()
    setter = threading.Timer(0.1, lambda: other.multi_set(["late1", "late2"], ["a", "b"]))
    setter.start()
    store.set_timeout(5000 * MS)
    start = time.monotonic()
    assert store.multi_get(["late1", "here", "late2"]) == [b"a", b"1", b"b"]
    assert time.monotonic() - start < 2  # woken by the write, not by the end of the 5 s
    setter.join()


def test_append_wakes_a_thread_waiting_for_the_key(store):
    other = store.clone()
    setter = threading.Timer(0.1, lambda: other.append("grown", "x"))
    setter.start()
    start = time.monotonic()
    store.wait(["grown"], 5000 * MS)  # woken by the append, not by the end of the 5 s
    assert time.monotonic() - start < 1
    setter.join()
    assert store.get("grown") == b"x"


def test_list_keys_names_the_keys_but_not_the_queues(store):
    assert store.list_keys() == []
    store.set("b", "1")
    store.add("a", 1)
    store.queue_push("q", "item")
    assert sorted(store.list_keys()) == ["a", "b"] and store.num_keys() == 2
    store.delete_key("b")
    assert store.list_keys() == ["a"]


def test_prefix_store_lists_only_its_own_keys_without_the_prefix():
    base = HashStore()
    base.set("outside", "1")
    base.set("pre_x", "1")  # starts like the prefix but is not under "pre/"
    prefixed = PrefixStore("pre", base)
    prefixed.multi_set(["a", "b/c"], ["1", "2"])
    assert sorted(prefixed.list_keys()) == ["a", "b/c"] and prefixed.num_keys() == 4
    assert sorted(base.list_keys()) == ["outside", "pre/a", "pre/b/c", "pre_x"]


def test_queues_are_first_in_first_out(store):
    assert store.queue_len("q") == 0 and not store.check(["q"])
    store.queue_push("q", "one")
    store.queue_push("q", b"two")
    store.queue_push("other", "x")
    assert store.queue_len("q") == 2 and store.check(["q", "other"])
    assert store.num_keys() == 0 and not store.check(["q", "missing"])
    assert store.queue_pop("q") == b"one" and store.queue_len("q") == 1
    assert store.queue_pop("q", block=False) == b"two" and store.queue_len("q") == 0
    assert not store.check(["q"]) and store.queue_len("other") == 1
    with pytest.raises(
        QueueEmptyError, match=r"^queue is empty: \w+Store.queue_pop\('(pre/)?q', block=False\)"
    ):
        store.queue_pop("q", False)
    store.set("k", "v")  # a key and a queue of one name are apart
    store.queue_push("k", "queued")
    assert store.get("k") == b"v" and store.queue_len("k") == 1
    assert store.queue_pop("k") == b"queued" and store.get("k") == b"v"
    assert issubclass(QueueEmptyError, DistStoreError)


def test_an_empty_queue_waits_up_to_the_timeout_or_for_a_push(store):
    store.set_timeout(100 * MS)
    start = time.monotonic()
    with pytest.raises(DistStoreError, match=r"Wait timeout: \w+Store.queue_pop waited 100 ms") as caught:
        store.queue_pop("q")
    assert not isinstance(caught.value, QueueEmptyError)
    assert 0.09 < time.monotonic() - start < 5
    with pytest.raises(DistStoreError):
        store.get("q")  # a queue is no key
    store.set_timeout(0 * MS)  # forever: only the push ends the waits
    other = store.clone()
    for item, wait in ((b"first", lambda: store.wait(["q"])), (b"second", lambda: store.queue_pop("q"))):
        pusher = threading.Timer(0.15, lambda item=item: other.queue_push("q", item))
        pusher.start()
        start = time.monotonic()
        popped = wait()
        if popped is None:  # wait leaves the item in the queue
            popped = store.queue_pop("q")
        assert popped == item
        assert time.monotonic() - start > 0.1
        pusher.join()
    assert store.queue_len("q") == 0


def test_queue_arguments_are_refused_by_name(store):
    name = name_of(store) if not isinstance(store, PrefixStore) else "PrefixStore"
    for op, args in (("queue_push", (1, "v")), ("queue_pop", (1,)), ("queue_len", (1,))):
        with pytest.raises(TypeError, match=rf"^{name}.{op}: a key is a str, got int 1"):
            getattr(store, op)(*args)
    with pytest.raises(TypeError, match=r"\.queue_push: a value is str or bytes, got NoneType"):
        store.queue_push("q", None)
    assert store.queue_len("q") == 0


def test_has_extended_api(tmp_path):
    assert HashStore().has_extended_api() and FileStore(tmp_path / "f").has_extended_api()
    assert PrefixStore("p", HashStore()).has_extended_api()
    assert dist.Store().has_extended_api() is False
    assert PrefixStore("p", dist.Store()).has_extended_api() is False


def test_clone_shares_the_keys(store):
    store.set_timeout(123 * MS)
    twin = store.clone()
    assert type(twin) is type(store) and twin.timeout == 123 * MS
    twin.set("from_twin", "1")
    store.queue_push("q", "x")
    assert store.get("from_twin") == b"1" and twin.queue_pop("q") == b"x" and store.queue_len("q") == 0


def test_hash_store_clone_is_the_store_itself():
    store = HashStore()
    assert store.clone() is store


def test_file_store_clone_has_its_own_cache_and_counts_once_for_clean_up(tmp_path):
    path = tmp_path / "pair"
    first = FileStore(path, 1)
    first.set_timeout(50 * MS)
    twin = first.clone()
    assert twin.path == first.path and twin.timeout == 50 * MS
    twin.set_timeout(70 * MS)
    assert first.timeout == 50 * MS  # a clone is another object: its timeout is its own
    first.set("k", "v")
    del first
    gc.collect()
    assert path.exists() and twin.get("k") == b"v"  # the clone keeps its store alive
    del twin
    gc.collect()
    assert not path.exists()  # world_size 1: the store (with its clone) counted once
    queued = FileStore(path, 1)
    queued.queue_push("q", "left")
    del queued
    gc.collect()
    assert not path.exists()  # the clean-up reads a file with queue records


def test_file_store_records_of_the_extended_api_and_queues(tmp_path):
    path = tmp_path / "store"
    store, reader = FileStore(path), FileStore(path)

    def record(key: bytes, value: bytes) -> bytes:
        return struct.pack("<I", len(key)) + key + struct.pack("<I", len(value)) + value

    store.multi_set(["a", "b"], ["1", "22"])
    store.append("a", "x")
    store.queue_push("q", "item")
    assert reader.queue_pop("q") == b"item"
    expected = (record(b"/a", b"1") + record(b"/b", b"22") + record(b"/a", b"1x")
                + record(b"queue/q", b"item") + record(b"queue-/q", b""))  # fmt: skip
    assert path.read_bytes() == expected
    assert store.queue_len("q") == 0 and store.multi_get(["a", "b"]) == [b"1x", b"22"]
    assert sorted(reader.list_keys()) == ["a", "b"]
    fresh = FileStore(tmp_path / "none")
    assert fresh.list_keys() == [] and fresh.queue_len("q") == 0 and not (tmp_path / "none").exists()
    with pytest.raises(QueueEmptyError):
        fresh.queue_pop("q", block=False)
    assert not (tmp_path / "none").exists()  # looking at an empty queue makes no file
    store.queue_push("q", "stays")
    assert reader.queue_len("q") == store.queue_len("q") == 1
    path.unlink()
    store.queue_push("new", "1")  # the file made again: the old queues are dropped
    assert store.queue_len("q") == 0 and reader.queue_len("new") == 1 and reader.list_keys() == []


def test_file_store_pop_looks_at_the_file_every_10_ms(tmp_path, monkeypatch):
    store = FileStore(tmp_path / "store")
    store.set_timeout(100 * MS)
    looks = []
    original = FileStore._locked
    monkeypatch.setattr(FileStore, "_locked", lambda self, *args: looks.append(1) or original(self, *args))
    with pytest.raises(DistStoreError, match="waited 100 ms"):
        store.queue_pop("q")
    assert 2 <= len(looks) <= 20  # about 100 ms / 10 ms, not a busy loop


def test_file_store_pop_lost_to_another_process_waits_again(tmp_path, monkeypatch):
    path = tmp_path / "store"
    store, rival = FileStore(path), FileStore(path)
    store.queue_push("q", "only")
    store.set_timeout(100 * MS)
    looks = []
    original = FileStore._locked

    def rival_pops_between(self, exclusive, action):
        if self is store and exclusive and not looks:
            looks.append(rival.queue_pop("q"))  # after store's look, before its pop
        return original(self, exclusive, action)

    monkeypatch.setattr(FileStore, "_locked", rival_pops_between)
    with pytest.raises(DistStoreError, match="waited 100 ms"):
        store.queue_pop("q")
    assert looks == [b"only"] and store.queue_len("q") == 0


class CompareSetOnly(dist.Store):
    """A user's store that defines the core operations only: the base class does the rest."""

    def __init__(self):
        super().__init__()
        self.inner = HashStore()
        self.swaps = 0

    def set(self, key, value):
        self.inner.set(key, value)

    def get(self, key):
        return self.inner.get(key)

    def add(self, key, amount):
        return self.inner.add(key, amount)

    def compare_set(self, key, expected_value, desired_value):
        self.swaps += 1
        if self.swaps == 2:  # another writer gets in first
            self.inner.append(key, "!")
        return self.inner.compare_set(key, expected_value, desired_value)

    def wait(self, keys, timeout=None):
        self.inner.wait(keys, self.timeout if timeout is None else timeout)

    def check(self, keys):
        return self.inner.check(keys)

    def delete_key(self, key):
        return self.inner.delete_key(key)


def test_the_base_class_builds_the_extended_api_from_the_core():
    store = CompareSetOnly()
    store.append("a", "x")  # missing: one swap from empty
    assert store.get("a") == b"x" and store.swaps == 1
    store.append("a", "y")  # the second swap loses to a writer; the third succeeds
    assert store.get("a") == b"x!y" and store.swaps == 3
    store.multi_set(["b", "c"], ["1", b"2"])
    assert store.multi_get(["c", "b"]) == [b"2", b"1"]
    store.set_timeout(50 * MS)
    with pytest.raises(DistStoreError, match=r"for keys \['gone'\]"):
        store.multi_get(["b", "gone"])
    with pytest.raises(TypeError, match=r"^CompareSetOnly.multi_get: keys is a list of str, got 'bc'"):
        store.multi_get("bc")
    calls = {"list_keys": (), "queue_push": ("q", "v"), "queue_pop": ("q",), "queue_len": ("q",), "clone": ()}
    for op, args in calls.items():
        with pytest.raises(
            NotImplementedError, match=rf"^CompareSetOnly.{op}: this store does not define {op}"
        ):
            getattr(store, op)(*args)


def test_base_append_starts_over_when_the_key_is_deleted_under_it():
    class Deleting(CompareSetOnly):
        def compare_set(self, key, expected_value, desired_value):
            self.swaps += 1
            if self.swaps == 1:
                self.inner.delete_key(key)
            return self.inner.compare_set(key, expected_value, desired_value)

    store = Deleting()
    store.set("a", "old")
    store.append("a", "new")  # read "old"; the key vanished, so the value starts empty
    assert store.get("a") == b"new" and store.swaps == 2


def test_barrier_returns_when_world_size_callers_arrive(store):
    store.barrier("solo", 1)
    assert store.get("solo/num_members") == b"1" and store.check(["solo/last_member"])
    other = store.clone()
    arrived = threading.Timer(0.15, lambda: other.barrier("pair", 2))
    arrived.start()
    start = time.monotonic()
    store.barrier("pair", 2, 5000 * MS)
    assert 0.1 < time.monotonic() - start < 2
    arrived.join()
    with pytest.raises(
        DistStoreError,
        match=r"\w+Store.barrier: 1 of 3 callers reached barrier 'trio' in time \(Wait timeout",
    ):
        store.barrier("trio", 3, 50 * MS)
    for bad in (0, True, 2.0):
        with pytest.raises(ValueError, match=r"\w+Store.barrier: world_size is a positive int, got"):
            store.barrier("x", bad)
    with pytest.raises(TypeError, match=r"\w+Store.barrier: a key is a str, got int 1"):
        store.barrier(1, 1)
    assert not store.check(["x/num_members"])


def test_appends_and_queues_across_two_processes(mpirun, tmp_path):
    path, out = tmp_path / "shared", tmp_path / "out"
    done = mpirun("store_more_checks.py", str(path), str(out), n=2)
    assert done.returncode == 0, f"mpiexec -n 2 store_more_checks.py failed:\n{done.stdout}\n{done.stderr}"
    ranks = [json.loads((tmp_path / f"out.{r}.json").read_text()) for r in (0, 1)]
    chunks = ranks[0]["log"].split(",")[:-1]  # every append kept: none overwrote another
    assert sorted(chunks) == sorted(f"{r}:{i}" for r in (0, 1) for i in range(40))
    popped = ranks[0]["popped"] + ranks[1]["popped"]
    assert sorted(popped) == sorted(f"{r}:{i}" for r in (0, 1) for i in range(40))  # each item once
    assert [r["left"] for r in ranks] == [0, 0] and ranks[1]["waited"] == "late"
