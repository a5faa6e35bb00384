"""Stores of torch.distributed: HashStore, FileStore, PrefixStore (and TCPStore's refusal).

One process: each test runs on a HashStore and on a FileStore, and compares with
what PyTorch's store of the same name returns (add's decimal bytes, compare_set's
four cases, a timeout of zero waiting forever). Two processes: one
``mpiexec -n 2`` run of ``workers/store_checks.py`` shares a FileStore file.
"""

from __future__ import annotations

import datetime
import gc
import json
import os
import struct
import threading
import time

import pytest
import tt_dist as dist
from tt_dist import DistStoreError, FileStore, HashStore, PrefixStore

MS = datetime.timedelta(milliseconds=1)


@pytest.fixture(params=["hash", "file"])
def store(request, tmp_path):
    return HashStore() if request.param == "hash" else FileStore(tmp_path / "store", 1)


def test_set_and_get_give_bytes_for_str_and_bytes(store):
    store.set("a", "x")
    store.set("b", b"\x00\xff")
    store.set("c", bytearray(b"ba"))
    assert store.get("a") == b"x" and store.get("b") == b"\x00\xff" and store.get("c") == b"ba"
    store.set("a", "é")
    assert store.get("a") == "é".encode()


def test_add_counts_in_decimal_bytes_from_zero(store):
    assert store.add("n", 3) == 3 and store.add("n", 2) == 5 and store.add("n", -7) == -2
    assert store.get("n") == b"-2"
    store.set("m", "40")
    assert store.add("m", 2) == 42
    store.set("empty", "")
    assert store.add("empty", 4) == 4


def test_add_refuses_a_non_integer_value_or_amount(store):
    name = type(store).__name__
    store.set("text", "notnum")
    with pytest.raises(ValueError, match=rf"{name}.add: key 'text' holds b'notnum', not a decimal integer"):
        store.add("text", 1)
    for amount in (1.5, True):
        with pytest.raises(TypeError, match=rf"{name}.add: amount is an int, got"):
            store.add("n", amount)
    assert not store.check(["n"])


def test_compare_set_follows_pytorch_in_its_four_cases(store):
    assert store.compare_set("k", "", "v") == b"v"  # missing, expected empty: set
    assert store.compare_set("k", "zz", "w") == b"v"  # present, not expected: the current value
    assert store.compare_set("missing", "e", "w") == b"e"  # missing, expected not empty: expected back
    assert not store.check(["missing"])
    assert store.compare_set("k", b"v", "w") == b"w" and store.get("k") == b"w"  # present and expected: set
    store.set("blank", "")
    assert store.compare_set("blank", "", "x") == b"x" and store.get("blank") == b"x"


def test_check_delete_key_and_num_keys(store):
    assert store.num_keys() == 0 and store.check([])
    store.set("a", "1")
    store.add("b", 1)
    assert store.check(["a", "b"]) and not store.check(["a", "z"])
    assert store.num_keys() == 2
    assert store.delete_key("a") is True and store.delete_key("a") is False
    assert store.num_keys() == 1 and not store.check(["a"])
    store.set("a", "again")
    assert store.get("a") == b"again"


def test_wait_and_get_time_out_with_a_dist_store_error(store):
    assert store.timeout == datetime.timedelta(seconds=300)
    store.set_timeout(100 * MS)
    assert store.timeout == 100 * MS
    store.set("here", "1")
    start = time.monotonic()
    with pytest.raises(
        DistStoreError, match=r"^Wait timeout: \w+Store.wait waited 100 ms for keys \['gone'\]"
    ):
        store.wait(["here", "gone"])
    assert 0.09 < time.monotonic() - start < 5
    with pytest.raises(RuntimeError, match=r"(Wait timeout|Timeout waiting for key: gone after 100 ms)"):
        store.get("gone")
    store.set_timeout(0 * MS)  # zero: forever, so only the explicit timeout ends this wait
    with pytest.raises(DistStoreError, match=r"waited 50 ms"):
        store.wait(["gone"], 50 * MS)
    store.wait(["here"], 50 * MS)


def test_a_timeout_of_zero_waits_until_another_thread_sets_the_key(store, tmp_path):
    other = store if isinstance(store, HashStore) else FileStore(tmp_path / "store", 1)
    store.set_timeout(0 * MS)
    setter = threading.Timer(0.2, lambda: other.set("late", "now"))
    setter.start()
    start = time.monotonic()
    assert store.get("late") == b"now"
    assert time.monotonic() - start > 0.15
    setter.join()
    store.wait(["late"])


def test_add_and_compare_set_wake_a_waiting_thread(store, tmp_path):
    other = store if isinstance(store, HashStore) else FileStore(tmp_path / "store", 1)
    writes = {"counted": lambda: other.add("counted", 1),
              "swapped": lambda: other.compare_set("swapped", "", "1")}  # fmt: skip
    for key, write in writes.items():
        setter = threading.Timer(0.1, write)
        setter.start()
        start = time.monotonic()
        store.wait([key], 5000 * MS)  # woken by the write, not by the end of the 5 s
        assert time.monotonic() - start < 1  # a FileStore looks every 10 ms
        setter.join()
    assert store.get("counted") == b"1" and store.get("swapped") == b"1"


def test_bad_keys_values_and_timeouts_are_refused_by_name(store):
    name = type(store).__name__
    with pytest.raises(TypeError, match=rf"{name}.set: a value is str or bytes, got int 5; convert it"):
        store.set("k", 5)
    with pytest.raises(TypeError, match=rf"{name}.set: a key is a str, got int 5"):
        store.set(5, "v")
    for op, args in (("add", (5, 1)), ("compare_set", (5, "", "v")), ("delete_key", (5,)), ("get", (5,))):
        with pytest.raises(TypeError, match=rf"{name}.{op}: a key is a str, got int 5"):
            getattr(store, op)(*args)
    with pytest.raises(TypeError, match=rf"{name}.wait: keys is a list of str, got 'abc'; pass \[key\]"):
        store.wait("abc")
    with pytest.raises(TypeError, match=rf"{name}.check: keys is a list of str, got 3"):
        store.check(3)
    with pytest.raises(TypeError, match=rf"{name}.compare_set: a value is str or bytes, got NoneType"):
        store.compare_set("k", None, "v")
    with pytest.raises(TypeError, match=rf"{name}.set_timeout: timeout is a datetime.timedelta, got int 5"):
        store.set_timeout(5)
    with pytest.raises(ValueError, match=rf"{name}.set_timeout: timeout must not be negative, got -1 day"):
        store.set_timeout(-MS)
    assert store.timeout == datetime.timedelta(seconds=300) and store.num_keys() == 0


def test_prefix_store_puts_keys_under_its_prefix(store):
    prefixed = PrefixStore("job", store)
    assert prefixed.underlying_store is store
    prefixed.set("a", "1")
    assert store.get("job/a") == b"1" and prefixed.get("a") == b"1"
    assert prefixed.add("n", 2) == 2 and store.get("job/n") == b"2"
    assert prefixed.compare_set("a", "1", "2") == b"2" and store.get("job/a") == b"2"
    store.set("outside", "x")
    assert prefixed.check(["a", "n"]) and not prefixed.check(["outside"])
    assert prefixed.num_keys() == 3  # the underlying store's count, as PyTorch's
    assert prefixed.delete_key("n") and not store.check(["job/n"])
    prefixed.set_timeout(50 * MS)
    assert store.timeout == prefixed.timeout == 50 * MS
    with pytest.raises(DistStoreError, match=r"for keys \['job/b'\]"):
        prefixed.wait(["a", "b"])
    prefixed.wait(["a"], 50 * MS)
    with pytest.raises(TypeError, match=r"PrefixStore.get: a key is a str, got int 1"):
        prefixed.get(1)
    with pytest.raises(
        TypeError, match=r"PrefixStore: store is a Store \(HashStore, FileStore, ...\), got dict"
    ):
        PrefixStore("p", {})


def test_tcp_store_is_refused_naming_file_store():
    with pytest.raises(
        NotImplementedError, match=r"TCPStore: tt-dist runs no socket server; use FileStore\("
    ):
        dist.TCPStore("localhost", 29500, 2, True)


def test_the_store_base_names_what_a_subclass_must_define():
    class Partial(dist.Store):
        pass

    store = Partial()
    calls = {"set": ("k", "v"), "get": ("k",), "add": ("k", 1), "compare_set": ("k", "", "v"),
             "wait": (["k"],), "check": (["k"],), "delete_key": ("k",), "num_keys": ()}  # fmt: skip
    for op, args in calls.items():
        with pytest.raises(NotImplementedError, match=rf"^Partial.{op}: this store does not define {op}"):
            getattr(store, op)(*args)
    assert issubclass(DistStoreError, dist.DistError) and issubclass(dist.DistError, RuntimeError)


def test_file_store_writes_pytorchs_records_and_reads_another_stores(tmp_path):
    path = tmp_path / "store"
    first, second = FileStore(path, -1), FileStore(str(path))
    assert first.path == str(path)
    assert first.num_keys() == 0 and not first.check(["a"])  # no file yet: no keys
    assert not path.exists()  # reading takes a shared lock and creates nothing
    first.set("a", "xy")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644 & ~umask
    second.add("a2", 7)
    record = struct.pack("<I", 2) + b"/a" + struct.pack("<I", 2) + b"xy"
    assert path.read_bytes() == record + struct.pack("<I", 3) + b"/a2" + struct.pack("<I", 1) + b"7"
    assert second.get("a") == b"xy" and first.get("a2") == b"7"
    assert second.delete_key("a") and not first.check(["a"]) and first.num_keys() == 1
    assert path.read_bytes().endswith(struct.pack("<I", 3) + b"-/a" + struct.pack("<I", 0))
    with open(path, "ab") as file:  # a writer that died mid-record
        file.write(struct.pack("<I", 2) + b"/b" + struct.pack("<I", 9) + b"cut")
    assert first.num_keys() == 1 and not second.check(["b"])
    with open(path, "ab") as file:  # a record cut inside its key
        file.write(struct.pack("<I", 2))
    assert first.num_keys() == 1
    cut = tmp_path / "cut"
    cut.write_bytes(struct.pack("<I", 2) + b"/c")  # a record cut before its value's length
    assert FileStore(cut).num_keys() == 0
    path.unlink()
    assert second.num_keys() == 0 and not second.check(["a2"])  # no file: no keys
    first.set("fresh", "1")  # the file made again: the old cache is dropped
    assert first.num_keys() == 1 and second.check(["fresh"]) and not second.check(["a2"])


def test_file_store_world_size_and_clean_up(tmp_path):
    for bad in (0, -2, 1.0, True):
        with pytest.raises(
            ValueError, match=r"FileStore: world_size is a positive int, or -1 for unknown; got"
        ):
            FileStore(tmp_path / "x", bad)
    path = tmp_path / "pair"
    first, second = FileStore(path, 2), FileStore(path, 2)
    first.set("k", "v")
    del first
    gc.collect()
    assert path.exists() and second.get("k") == b"v" and second.num_keys() == 1  # the counter is not a key
    assert path.read_bytes().endswith(struct.pack("<I", 8) + b"cleanup/" + struct.pack("<I", 1) + b"1")
    del second
    gc.collect()
    assert not path.exists()
    kept = tmp_path / "kept"
    store = FileStore(kept)
    store.set("k", "v")
    del store
    gc.collect()
    assert kept.exists()
    never_written = FileStore(tmp_path / "none", 1)
    del never_written
    gc.collect()
    assert not (tmp_path / "none").exists()


def test_file_store_across_two_processes(mpirun, tmp_path):
    path, out = tmp_path / "shared", tmp_path / "out"
    done = mpirun("store_checks.py", str(path), str(out), n=2)
    assert done.returncode == 0, f"mpiexec -n 2 store_checks.py failed:\n{done.stdout}\n{done.stderr}"
    ranks = [json.loads((tmp_path / f"out.{r}.json").read_text()) for r in (0, 1)]
    assert sorted(ranks[0]["adds"] + ranks[1]["adds"]) == list(range(1, 101))  # every add counted once
    assert [r["count"] for r in ranks] == ["100", "100"]
    leaders = [r["leader"] for r in ranks]
    assert leaders[0] == leaders[1] in ("rank0", "rank1")  # one compare_set won; the other got its value
    assert [r["leader_after"] for r in ranks] == leaders
    assert ranks[1]["go"] == list(b"\x00go") and ranks[1]["waited"] > 0.05
    assert ranks[0]["late"] == "from rank 1" and ranks[1]["prefixed"] == "prefixed"
    message, waited = ranks[1]["timeout"]
    assert message == "Wait timeout: FileStore.wait waited 300 ms for keys ['never'] in <file>"
    assert 0.29 < waited < 5
    assert ranks[0]["deleted"] is True and [r["check_go"] for r in ranks] == [False, False]
    # count, finished0/1, leader, voted0/1, late, job/x (go deleted)
    assert ranks[0]["num_keys"] == ranks[1]["num_keys"] == 8
    assert [r["exists_after_both"] for r in ranks] == [False, False]
