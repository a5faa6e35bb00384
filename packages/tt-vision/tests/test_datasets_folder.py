"""CIFAR100 (binary version) and DatasetFolder / ImageFolder, built from small files made here.

Facts: CIFAR-100's binary record is <coarse><fine><3072 pixels> and its fine class names are the 100
alphabetical names of fine_label_names.txt (the publisher's page; 'maple_tree' is label 47, 'worm' 99).
Folder discovery was compared with torchvision 0.29.1's ImageFolder/DatasetFolder on the same tree in a
scratch script (classes, class_to_idx, samples, targets and RGB pixels identical).
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile

import numpy as np
import pytest
import tt_tensor
from tt_optim.data import DataLoader
from tt_vision.datasets import (
    CIFAR100,
    IMG_EXTENSIONS,
    DatasetFileError,
    DatasetFolder,
    ImageFolder,
    Resource,
    default_loader,
    find_classes,
    has_file_allowed_extension,
    is_image_file,
    make_dataset,
    parse_cifar100_records,
)
from tt_vision.io import read_image, write_png
from tt_vision.transforms import ConvertImageDtype

# ---------------------------------------------------------------------------- CIFAR100


def records(images_chw, fine, coarse):
    flat = images_chw.reshape(len(fine), -1)
    labels = np.stack([coarse, fine], axis=1).astype(np.uint8)
    return np.concatenate([labels, flat], axis=1).tobytes()


def build_archive(path, rng):
    made, sizes = {}, {"train": 4, "test": 3}
    with tarfile.open(path, "w:gz") as archive:
        for split, count in sizes.items():
            images = rng.integers(0, 256, (count, 3, 32, 32), dtype=np.uint8)
            fine, coarse = rng.integers(0, 100, count), rng.integers(0, 20, count)
            made[split] = (images, fine, coarse)
            data = records(images, fine, coarse)
            info = tarfile.TarInfo(f"cifar-100-binary/{split}.bin")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return made


def test_cifar100_records():
    images = np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3, 32, 32)
    parsed, fine, coarse = parse_cifar100_records(records(images, np.array([47, 99]), np.array([17, 0])))
    assert parsed.shape == (2, 32, 32, 3) and fine.tolist() == [47, 99] and coarse.tolist() == [17, 0]
    np.testing.assert_array_equal(parsed[1, 4, 6], images[1, :, 4, 6])
    with pytest.raises(ValueError, match="whole number of 3074-byte"):
        parse_cifar100_records(bytes(3073))
    with pytest.raises(ValueError, match="fine up to 100"):
        parse_cifar100_records(bytes([0, 100]) + bytes(3072))
    with pytest.raises(ValueError, match="coarse up to 20"):
        parse_cifar100_records(bytes([20, 1]) + bytes(3072))


def test_cifar100_reads_the_binary_archive(tmp_path, rng, monkeypatch):
    (tmp_path / "cifar100").mkdir()
    archive = tmp_path / "cifar100" / "cifar-100-binary.tar.gz"
    made = build_archive(archive, rng)
    digest = hashlib.md5(archive.read_bytes()).hexdigest()
    monkeypatch.setattr(CIFAR100, "resources", [Resource(archive.name, digest)])
    monkeypatch.delenv("TINYTORCH_DATA", raising=False)
    train = CIFAR100(root=tmp_path, train=True, download=False)
    test = CIFAR100(root=tmp_path, train=False, download=False)
    assert len(train) == 4 and len(test) == 3
    np.testing.assert_array_equal(train.data, made["train"][0].transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(test.targets, made["test"][1])  # the fine labels
    images, labels = test.get_batch(np.arange(3))
    assert images.shape == (3, 3, 32, 32) and labels.numpy().tolist() == made["test"][1].tolist()
    assert len(train.classes) == 100 and train.classes == sorted(train.classes)
    assert (
        train.classes[0] == "apple" and train.class_to_idx["maple_tree"] == 47 and train.classes[99] == "worm"
    )


def test_cifar100_damaged_archive_and_npz(tmp_path, rng, monkeypatch):
    (tmp_path / "cifar100").mkdir()
    archive = tmp_path / "cifar100" / "cifar-100-binary.tar.gz"
    with tarfile.open(archive, "w:gz") as handle:
        info = tarfile.TarInfo("cifar-100-binary/other.bin")
        handle.addfile(info, io.BytesIO(b""))
    monkeypatch.setattr(
        CIFAR100, "resources", [Resource(archive.name, hashlib.md5(archive.read_bytes()).hexdigest())]
    )
    monkeypatch.delenv("TINYTORCH_DATA", raising=False)
    with pytest.raises(DatasetFileError, match="lacks cifar-100-binary/train.bin"):
        CIFAR100(root=tmp_path, download=False)
    x = rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    np.savez(
        tmp_path / "cifar100.npz", x_train=x, y_train=np.array([5, 99]), x_test=x[:1], y_test=np.array([0])
    )
    assert CIFAR100(root=tmp_path, download=False).targets.tolist() == [5, 99]  # labels up to 99 accepted
    np.savez(
        tmp_path / "cifar100.npz", x_train=x, y_train=np.array([5, 100]), x_test=x[:1], y_test=np.array([0])
    )
    with pytest.raises(DatasetFileError, match="outside 0–99"):
        CIFAR100(root=tmp_path, download=False)


# ---------------------------------------------------------------------------- folders


@pytest.fixture
def tree(tmp_path, rng):
    """root/{dog,cat,Bird,empty}: PNGs of 1, 3 and 4 channels, nested folders, a text file."""
    root = tmp_path / "pets"
    layout = {
        "dog": ["b.png", "a.PNG", "sub/c.png", "notes.txt"],
        "cat": ["x.png"],
        "Bird": ["deep/er/r.png"],
    }
    images = {}
    for name, files in layout.items():
        for file in files:
            path = root / name / file
            path.parent.mkdir(parents=True, exist_ok=True)
            if file.endswith(".txt"):
                path.write_text("not an image")
                continue
            image = rng.integers(0, 256, (int(rng.choice([1, 3, 4])), 4, 5)).astype(np.uint8)
            write_png(image, path)
            images[str(path)] = image
    (root / "empty").mkdir()
    (root / "loose.png").write_bytes(b"")  # a file beside the class folders is no sample
    return root, images


def rgb(image):
    return np.repeat(image, 3, axis=0) if image.shape[0] == 1 else image[:3]


def test_image_folder_discovers_classes_and_files(tree):
    root, images = tree
    folder = ImageFolder(root, allow_empty=True)
    assert folder.classes == ["Bird", "cat", "dog", "empty"]  # sorted by name, upper case first
    assert folder.class_to_idx == {"Bird": 0, "cat": 1, "dog": 2, "empty": 3}
    relative = [(os.path.relpath(p, root), t) for p, t in folder.samples]
    assert relative == [
        ("Bird/deep/er/r.png", 0),
        ("cat/x.png", 1),
        ("dog/a.PNG", 2),
        ("dog/b.png", 2),
        ("dog/sub/c.png", 2),
    ]
    assert folder.targets == [0, 1, 2, 2, 2] and folder.imgs is folder.samples and len(folder) == 5
    image, label = folder[3]
    assert label == 2 and image.dtype.name == "uint8"
    np.testing.assert_array_equal(image.numpy(), rgb(images[folder.samples[3][0]]))
    assert "5 files in 4 classes" in repr(folder)


def test_folder_errors(tree, tmp_path):
    root, _ = tree
    with pytest.raises(FileNotFoundError, match="no valid file for the classes empty"):
        ImageFolder(root)
    (tmp_path / "flat").mkdir()
    with pytest.raises(FileNotFoundError, match="any class folder"):
        ImageFolder(tmp_path / "flat")
    (root / "cat" / "photo.webp").write_bytes(b"RIFF")
    (root / "cat" / "more.BMP").write_bytes(b"BM")
    with pytest.raises(ValueError, match=r"1 \.bmp, 1 \.webp files.*PNG and JPEG only"):
        ImageFolder(root, allow_empty=True)
    assert len(ImageFolder(root, allow_empty=True, loader=lambda p: p)) == 7  # your loader, your formats
    with pytest.raises(ValueError, match="Both extensions and is_valid_file"):
        make_dataset(root, extensions=(".png",), is_valid_file=lambda p: True)
    with pytest.raises(ValueError, match="Both extensions and is_valid_file"):
        make_dataset(root)
    with pytest.raises(ValueError, match="at least one entry"):
        make_dataset(root, class_to_idx={}, extensions=".png")


def test_dataset_folder_options(tree):
    root, _ = tree
    texts = DatasetFolder(root, loader=lambda p: open(p).read(), extensions=(".txt",), allow_empty=True)
    assert len(texts) == 1 and texts[0] == ("not an image", 2)
    chosen = ImageFolder(
        root, is_valid_file=lambda p: "sub" not in p and p.endswith(".png"), allow_empty=True
    )
    assert [os.path.basename(p) for p, _ in chosen.samples] == ["r.png", "x.png", "b.png"]
    shifted = DatasetFolder(
        root,
        read_image,
        (".png",),
        target_transform=lambda t: t + 10,
        transform=ConvertImageDtype(tt_tensor.float32),
        allow_empty=True,
    )
    image, label = shifted[1]
    assert label == 11 and image.dtype.name == "float32" and float(image.numpy().max()) <= 1.0
    only_cat = make_dataset(root, {"cat": 0, "missing": 1}, extensions=".png", allow_empty=True)
    assert [(os.path.basename(p), t) for p, t in only_cat] == [("x.png", 0)]


class CatsOnly(ImageFolder):
    def find_classes(self, directory):
        return ["cat"], {"cat": 0}


def test_find_classes_can_be_overridden(tree):
    root, _ = tree
    assert [t for _, t in CatsOnly(root).samples] == [0]
    assert find_classes(root)[0] == ["Bird", "cat", "dog", "empty"]


def test_helpers():
    assert has_file_allowed_extension("A.PNG", ".png") and not has_file_allowed_extension(
        "a.png.txt", (".png",)
    )
    assert is_image_file("x.webp") and not is_image_file("x.gif") and ".png" in IMG_EXTENSIONS


def test_data_loader_batches_an_image_folder(tree):
    root, images = tree
    folder = ImageFolder(root, transform=ConvertImageDtype(tt_tensor.float32), allow_empty=True)
    batches = list(DataLoader(folder, batch_size=2))
    assert [tuple(b[0].shape) for b in batches] == [(2, 3, 4, 5), (2, 3, 4, 5), (1, 3, 4, 5)]
    assert batches[1][1].numpy().tolist() == [2, 2]
    expected = rgb(images[folder.samples[2][0]]) / 255
    np.testing.assert_allclose(batches[1][0].numpy()[0], expected, rtol=1e-6)
    assert default_loader(folder.samples[0][0]).shape == (3, 4, 5)


def test_make_dataset_details(tree, tmp_path, monkeypatch):
    root, _ = tree
    every = make_dataset(root, extensions=".png", allow_empty=True)  # classes found when not given
    assert [t for _, t in every] == [0, 1, 2, 2, 2]
    monkeypatch.setenv("HOME", str(tmp_path))
    assert len(make_dataset("~/pets", extensions=".png", allow_empty=True)) == 5  # "~" expanded
    linked = tmp_path / "elsewhere"
    linked.mkdir()
    write_png(np.zeros((1, 2, 2), np.uint8), linked / "z.png")
    (root / "cat" / "link").symlink_to(linked, target_is_directory=True)
    assert any(p.endswith("link/z.png") for p, _ in make_dataset(root, extensions=".png", allow_empty=True))
    with pytest.raises(FileNotFoundError, match=r"classes empty\. Supported extensions are: \.png, \.bmp"):
        make_dataset(root, extensions=(".png", ".bmp"))
    with pytest.raises(FileNotFoundError, match=r"classes empty\.  \(pass allow_empty"):
        make_dataset(root, is_valid_file=lambda p: True)
    with pytest.raises(ValueError, match="cannot be None"):
        DatasetFolder.make_dataset(root, None, extensions=(".png",))
    assert ImageFolder(root, allow_empty=True).extensions == IMG_EXTENSIONS
