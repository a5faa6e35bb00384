"""Damaged and crafted files for every loader: checkpoints, datasets (and their cache), tokenizers.

A clear error must name the file; a file that loads must give back exactly
what was saved (anything else is a *silent wrong* result).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import pickle
import tarfile
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from tt_text import BPETokenizer, CharTokenizer
from tt_vision.datasets import CIFAR10, MNIST, read_cifar_archive, read_idx

import tinytorch as tt

from .cases_api import Case

WORK = Path(tempfile.mkdtemp(prefix="tt-fuzz-files-"))


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _zip(path: Path, entries: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def _metadata(tree: Any) -> bytes:
    text = json.dumps({"format": "tinytorch-checkpoint", "version": 1, "tree": tree})
    return _npy(np.frombuffer(text.encode(), dtype=np.uint8))


def _good_checkpoint(path: Path) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    tree = {"weight": rng.standard_normal((32, 16)).astype(np.float32), "bias": np.arange(16.0), "step": 7}
    tt.save(tree, path)
    return tree


def _same(loaded: Any, tree: dict[str, Any]) -> bool:
    if not isinstance(loaded, dict) or loaded.get("step") != tree["step"]:
        return False
    for key in ("weight", "bias"):
        value = loaded.get(key)
        value = value.numpy() if hasattr(value, "numpy") else np.asarray(value)
        if value.shape != tree[key].shape or not np.array_equal(value, tree[key]):
            return False
    return True


def checkpoint_cases() -> list[Case]:
    cases = []
    reference = WORK / "reference.npz"
    tree = _good_checkpoint(reference)
    raw = reference.read_bytes()

    def loader(data: bytes, name: str):
        def run():
            path = WORK / name
            path.write_bytes(data)
            loaded = tt.load(path)
            return "same" if _same(loaded, tree) else "different"

        return run

    for fraction in (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 0.999):
        cut = int(len(raw) * fraction)
        name = f"truncated-{cut}.npz"
        cases.append(
            Case(
                "checkpoint files",
                f"truncated to {cut} of {len(raw)} bytes",
                loader(raw[:cut], name),
                (name,),
            )
        )
    rng = np.random.default_rng(2)
    for offset in sorted(rng.choice(len(raw), size=40, replace=False)):
        flipped = bytearray(raw)
        flipped[offset] ^= 1 << int(rng.integers(8))
        name = f"flip-{offset}.npz"
        cases.append(
            Case(
                "checkpoint files", f"bit flip at byte {offset}", loader(bytes(flipped), name), (name,), None
            )
        )
    crafted = {
        "tuple of an int": {"__tuple__": 5},
        "dict of junk": {"__dict__": [[1]]},
        "dict tag with int": {"__dict__": 7},
        "tensor tag with a list": {"__tensor__": ["w"]},
        "tensor tag to nothing": {"__tensor__": "missing"},
        "nested junk": {"a": {"__tuple__": [{"__dict__": [["k", 1, 2]]}]}},
    }
    for label, value in crafted.items():
        name = f"crafted-{len(cases)}.npz"
        data = _zip(
            WORK / "scratch.zip", {"w.npy": _npy(np.ones(2)), "__metadata__.npy": _metadata(value)}
        ).read_bytes()
        cases.append(Case("checkpoint files", f"crafted metadata: {label}", loader(data, name), (name,)))
    deep = '{"format": "tinytorch-checkpoint", "version": 1, "tree": ' + "[" * 50_000 + "]" * 50_000 + "}"
    others = {
        "metadata nested 50,000 deep": {
            "__metadata__.npy": _npy(np.frombuffer(deep.encode(), dtype=np.uint8))
        },
        "metadata not JSON": {"__metadata__.npy": _npy(np.frombuffer(b"{nope", dtype=np.uint8))},
        "wrong format name": {"__metadata__.npy": _npy(np.frombuffer(b'{"format": "x"}', dtype=np.uint8))},
        "no metadata": {"w.npy": _npy(np.ones(2))},
        "a .txt entry": {"notes.txt": b"hi", "__metadata__.npy": _metadata({})},
        "entry longer than its header": {
            "w.npy": _npy(np.ones(4)) + b"\0" * 4096,
            "__metadata__.npy": _metadata({}),
        },
        "an object-dtype entry (a pickle)": {"__metadata__.npy": _metadata({}), "evil.npy": _pickled_npy()},
    }
    for label, entries in others.items():
        name = f"other-{len(cases)}.npz"
        data = _zip(WORK / "scratch.zip", entries).read_bytes()
        cases.append(Case("checkpoint files", label, loader(data, name), (name,)))
    bomb = _zip(
        WORK / "bomb.zip",
        {"w.npy": _npy(np.zeros(200_000_000, dtype=np.uint8)), "__metadata__.npy": _metadata({})},
        zipfile.ZIP_DEFLATED,
    ).read_bytes()
    cases.append(
        Case(
            "checkpoint files",
            f"deflate bomb: 200 MB in {len(bomb) // 1000} kB",
            loader(bomb, "bomb.npz"),
            ("bomb.npz",),
        )
    )
    cases.append(
        Case("checkpoint files", "a pickle file", loader(pickle.dumps({"a": 1}), "model.pt"), ("model.pt",))
    )
    cases.append(Case("checkpoint files", "an empty file", loader(b"", "empty.npz"), ("empty.npz",)))
    cases.append(
        Case("checkpoint files", "random bytes", loader(os.urandom(5000), "random.npz"), ("random.npz",))
    )
    cases.append(Case("checkpoint files", "a directory", lambda: tt.load(WORK), (str(WORK.name),)))
    cases.append(
        Case("checkpoint files", "a missing file", lambda: tt.load(WORK / "absent.npz"), ("absent.npz",))
    )
    cases.append(
        Case(
            "checkpoint files", "save an object", lambda: tt.save({"f": object()}, WORK / "o.npz"), ("save",)
        )
    )
    cases.append(
        Case(
            "checkpoint files",
            "save into a missing folder",
            lambda: tt.save({}, WORK / "no" / "x.npz"),
            ("save", "no"),
        )
    )
    return cases


def _pickled_npy() -> bytes:
    """A ``.npy`` that declares an object array (its payload would be unpickled); no pickle is written."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "|O", "fortran_order": False, "shape": (1,)})
    buffer.write(b"\x80\x04N.")  # the bytes of a pickled None: never read, the loader refuses first
    return buffer.getvalue()


def _mnist_npz(path: Path, labels: Any = None, images: Any = None) -> Path:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, (20, 28, 28), dtype=np.uint8) if images is None else images
    y = np.arange(20) % 10 if labels is None else labels
    np.savez_compressed(path, x_train=x, y_train=y, x_test=x[:4], y_test=np.asarray(y)[:4])
    return path


def _dataset_loader(make_file, name: str = "MNIST"):
    def run():
        folder = Path(tempfile.mkdtemp(dir=WORK))
        os.environ["TINYTORCH_CACHE"] = str(folder / "cache")
        make_file(folder)
        data = (MNIST if name == "MNIST" else CIFAR10)(root=folder, download=False)
        return data

    return run


def dataset_cases() -> list[Case]:
    cases = []
    label_sets = {
        "labels 200-209": np.arange(200, 220) % 10 + 200,
        "label -1": np.concatenate([np.arange(19) % 10, [-1]]),
        "label 10": np.concatenate([np.arange(19) % 10, [10]]),
        "labels 0.5": np.full(20, 0.5),
        "labels as strings": np.array(["a"] * 20),
        "labels (20, 2)": np.zeros((20, 2), dtype=np.int64),
        "19 labels": np.arange(19) % 10,
    }
    for label, labels in label_sets.items():
        cases.append(
            Case(
                "dataset files",
                f"mnist.npz with {label}",
                _dataset_loader(lambda f, y=labels: _mnist_npz(f / "mnist.npz", y)),
                ("MNIST", "mnist.npz"),
            )
        )
    image_sets = {
        "float images": np.zeros((20, 28, 28), dtype=np.float32),
        "images 32x32": np.zeros((20, 32, 32), dtype=np.uint8),
        "images 1-d": np.zeros(20, dtype=np.uint8),
    }
    for label, images in image_sets.items():
        cases.append(
            Case(
                "dataset files",
                f"mnist.npz with {label}",
                _dataset_loader(lambda f, x=images: _mnist_npz(f / "mnist.npz", images=x)),
                ("MNIST", "mnist.npz"),
            )
        )
    good = _mnist_npz(WORK / "good-mnist.npz").read_bytes()
    for fraction in (0.0, 0.1, 0.5, 0.9, 0.99):
        data = good[: int(len(good) * fraction)]
        cases.append(
            Case(
                "dataset files",
                f"mnist.npz truncated at {fraction:.0%}",
                _dataset_loader(lambda f, d=data: (f / "mnist.npz").write_bytes(d)),
                ("MNIST", "mnist.npz"),
            )
        )
    rng = np.random.default_rng(4)
    for offset in sorted(rng.choice(np.arange(100, len(good) - 100), size=12, replace=False)):
        flipped = bytearray(good)
        flipped[offset] ^= 0x20
        cases.append(
            Case(
                "dataset files",
                f"mnist.npz bit flip at byte {offset}",
                _dataset_loader(lambda f, d=bytes(flipped): (f / "mnist.npz").write_bytes(d)),
                ("MNIST", "mnist.npz"),
                _mnist_matches(good),
            )
        )
    for label, cut in (("idx truncated", -5), ("idx gzip cut", -15)):
        raw = gzip.compress(b"\x00\x00\x08\x01" + (4).to_bytes(4, "big") + bytes([1, 2, 3, 4]))
        path = WORK / f"labels-{cut}-idx1-ubyte.gz"
        path.write_bytes(raw[:cut])
        cases.append(Case("dataset files", label, lambda p=path: read_idx(p, "MNIST"), (path.name,)))
    cases.append(Case("dataset files", "idx bad magic", lambda: _idx(b"\x01\x02\x03\x04"), ("idx",)))
    cases.append(
        Case(
            "dataset files",
            "idx short data",
            lambda: _idx(b"\x00\x00\x08\x01" + (9).to_bytes(4, "big") + b"\x01"),
            ("idx",),
        )
    )
    cases.append(Case("dataset files", "cifar archive truncated", _cifar_truncated, ("CIFAR10", "tar.gz")))
    cases.append(Case("dataset files", "cifar archive without batches", _cifar_empty, ("CIFAR10", "tar.gz")))
    cases.append(
        Case(
            "dataset files",
            "cifar npz label 10",
            _dataset_loader(_cifar_bad_label, "CIFAR10"),
            ("CIFAR10", "cifar10.npz"),
        )
    )
    for label, damage in _CACHE_DAMAGE.items():
        cases.append(
            Case(
                "dataset cache",
                f"cached {label}",
                lambda d=damage: _cache_case(d),
                (),
                lambda r: r == "rebuilt",
            )
        )
    return cases


def _mnist_matches(good: bytes):
    with np.load(io.BytesIO(good)) as archive:
        x, y = archive["x_train"], archive["y_train"]
    return lambda data: np.array_equal(data.data, x) and np.array_equal(data.targets, y)


def _idx(raw: bytes):
    from tt_vision.datasets import parse_idx

    return parse_idx(raw, "fuzz.idx")


def _cifar_archive(path: Path, records: int) -> Path:
    member = WORK / "batch.bin"
    member.write_bytes(np.random.default_rng(5).integers(0, 10, 3073 * records, dtype=np.uint8).tobytes())
    with tarfile.open(path, "w:gz") as tar:
        if records:
            tar.add(member, arcname="cifar-10-batches-bin/data_batch_1.bin")
    return path


def _cifar_truncated():
    path = _cifar_archive(WORK / "cut-cifar-10-binary.tar.gz", 30)
    path.write_bytes(path.read_bytes()[:-300])
    return read_cifar_archive(path, train=True)


def _cifar_empty():
    return read_cifar_archive(_cifar_archive(WORK / "empty-cifar-10-binary.tar.gz", 0), train=True)


def _cifar_bad_label(folder: Path) -> None:
    x = np.zeros((3, 32, 32, 3), dtype=np.uint8)
    np.savez(
        folder / "cifar10.npz", x_train=x, y_train=np.array([1, 10, 2]), x_test=x, y_test=np.array([0, 1, 2])
    )


def _overwrite_labels(folder: Path) -> None:
    path = next(folder.glob("*-labels.npy"))
    np.save(path, np.full(20, 99, dtype=np.int64))


def _flip_pixel(folder: Path) -> None:
    path = next(folder.glob("*-images.npy"))
    raw = bytearray(path.read_bytes())
    raw[-7] ^= 0x01
    path.write_bytes(bytes(raw))


def _reshape_images(folder: Path) -> None:
    path = next(folder.glob("*-images.npy"))
    np.save(path, np.load(path).reshape(10, 2, 28, 28))


def _truncate_images(folder: Path) -> None:
    path = next(folder.glob("*-images.npy"))
    path.write_bytes(path.read_bytes()[:500])


def _swap_records(folder: Path) -> None:
    path = next(folder.glob("*-images.npy"))
    images = np.load(path)
    np.save(path, images[::-1].copy())


_CACHE_DAMAGE = {
    "labels overwritten with 99": _overwrite_labels,
    "pixel bit flipped": _flip_pixel,
    "images reshaped": _reshape_images,
    "images truncated": _truncate_images,
    "images reordered": _swap_records,
}


def _cache_case(damage) -> str:
    folder = Path(tempfile.mkdtemp(dir=WORK))
    os.environ["TINYTORCH_CACHE"] = str(folder / "cache")
    _mnist_npz(folder / "mnist.npz")
    first = MNIST(root=folder, download=False)
    x, y = np.array(first.data), np.array(first.targets)
    damage(folder / "cache")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        second = MNIST(root=folder, download=False)
    same = np.array_equal(second.data, x) and np.array_equal(second.targets, y)
    return "rebuilt" if same else "loaded damaged data"


def tokenizer_cases() -> list[Case]:
    cases = []
    tokenizer = BPETokenizer().train("the quick brown fox jumps over the lazy dog " * 10, 280, ["<|end|>"])
    path = WORK / "tok.json"
    tokenizer.save(path)
    payload = json.loads(path.read_text())
    edits = {
        "pattern (a+)+$": {"pattern": "(a+)+$"},
        "pattern not a string": {"pattern": 5},
        "merges with -1": {"merges": [[104, -1]], "special_tokens": {}},
        "merges beyond ids": {"merges": [[104, 999]], "special_tokens": {}},
        "merge of 3 ids": {"merges": [[1, 2, 3]], "special_tokens": {}},
        "merge of floats": {"merges": [[1.0, 2.0]], "special_tokens": {}},
        "merges repeated": {"merges": [[1, 2], [1, 2]], "special_tokens": {}},
        "merges not a list": {"merges": "ab"},
        "special id 5": {"special_tokens": {"<|end|>": 5}},
        "special id text": {"special_tokens": {"<|end|>": "x"}},
        "special empty token": {"special_tokens": {"": 280}},
        "special ids repeated": {"special_tokens": {"a": 280, "b": 280}},
        "kind char": {"kind": "char"},
        "format other": {"format": "hf"},
    }
    for label, change in edits.items():
        name = f"tok-{len(cases)}.json"
        (WORK / name).write_text(json.dumps({**payload, **change}))
        cases.append(
            Case("tokenizer files", label, lambda n=name: _load_and_encode(WORK / n), ("BPETokenizer",))
        )
    (WORK / "bad.json").write_text("{not json")
    cases.append(
        Case(
            "tokenizer files",
            "not JSON",
            lambda: BPETokenizer.load(WORK / "bad.json"),
            ("BPETokenizer", "bad.json"),
        )
    )
    cases.append(
        Case(
            "tokenizer files",
            "missing file",
            lambda: CharTokenizer.load(WORK / "none.json"),
            ("CharTokenizer", "none.json"),
        )
    )
    cases.append(Case("tokenizer inputs", "decode id 10**6", lambda: tokenizer.decode([10**6]), ("decode",)))
    cases.append(Case("tokenizer inputs", "decode id -1", lambda: tokenizer.decode([-1]), ("decode",)))
    cases.append(Case("tokenizer inputs", "decode floats", lambda: tokenizer.decode([1.5]), ("decode",)))
    cases.append(Case("tokenizer inputs", "decode 2-d", lambda: tokenizer.decode([[1, 2]]), ("decode",)))
    cases.append(Case("tokenizer inputs", "encode bytes", lambda: tokenizer.encode(b"abc"), ("encode",)))
    cases.append(
        Case(
            "tokenizer inputs", "encode before train", lambda: BPETokenizer().encode("a"), ("encode", "train")
        )
    )
    cases.append(
        Case(
            "tokenizer inputs",
            "train vocab 10",
            lambda: BPETokenizer().train("abc", 10),
            ("train", "vocab_size"),
        )
    )
    for text in (
        "lone \ud800",
        "escaped \udc80\udcff",
        "pair \ud83d\ude00",
        "nul \x00 and \uffff",
        "\U0010ffff",
    ):
        cases.append(
            Case(
                "accepted inputs",
                f"BPE round trip {text!r}",
                lambda s=text: tokenizer.decode(tokenizer.encode(s)) == s,
                (),
                lambda r: r,
            )
        )
    cases.append(
        Case(
            "accepted inputs",
            "BPE encode 'a' * 200,000",
            lambda: len(tokenizer.encode("a" * 200_000)) > 0,
            (),
            lambda r: r,
        )
    )
    return cases


def _load_and_encode(path: Path) -> list[int]:
    """Load a tokenizer file and encode with it (a crafted pattern hangs here, not at load)."""
    return BPETokenizer.load(path).encode("a" * 40 + "!")


def all_cases() -> list[Case]:
    return checkpoint_cases() + dataset_cases() + tokenizer_cases()
