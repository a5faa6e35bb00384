"""``DatasetFolder`` and ``ImageFolder``: files sorted into one folder per class, like torchvision's.

::

    root/cat/001.png
    root/cat/nested/002.png
    root/dog/003.png

Every sub-folder of ``root`` is a class; the classes are sorted by name and
numbered from 0 (``class_to_idx``); every file under a class folder (walked
recursively, sorted, following links) that has an allowed extension, or
passes ``is_valid_file``, is a sample ``(path, class_index)``.

Unlike the in-memory datasets, these hold *paths*: ``dataset[i]`` reads one
file with ``loader`` and returns ``(sample, target)``. tt-optim's
``DataLoader`` fetches such a dataset sample by sample and stacks the samples
(``default_collate``), so images in one batch must have one size (a resizing
or cropping ``transform`` makes them so). ``ImageFolder``'s default loader is
:func:`default_loader`, TinyTorch's PNG and JPEG reader (JPEG through Pillow:
``pip install 'tt-vision[jpeg]'``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tt_optim.data import Dataset

from ..io import ImageReadMode, read_image
from ..io.jpeg import pillow_image

#: The extensions torchvision's ImageFolder accepts by default.
IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")

#: The extensions :func:`default_loader` reads: PNG, and JPEG through Pillow.
LOADER_EXTENSIONS = (".png", ".jpg", ".jpeg")


def has_file_allowed_extension(filename: str, extensions: str | tuple[str, ...]) -> bool:
    """True if ``filename`` (case-insensitive) ends with one of ``extensions``."""
    return filename.lower().endswith(extensions if isinstance(extensions, str) else tuple(extensions))


def is_image_file(filename: str) -> bool:
    """True if ``filename`` has one of :data:`IMG_EXTENSIONS`."""
    return has_file_allowed_extension(filename, IMG_EXTENSIONS)


def find_classes(directory: str | os.PathLike) -> tuple[list[str], dict[str, int]]:
    """The sub-folders of ``directory`` sorted by name, and their indices; an error if there are none."""
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(
            f"Couldn't find any class folder in {directory}; put each class's files in a sub-folder"
        )
    return classes, {name: index for index, name in enumerate(classes)}


def make_dataset(
    directory: str | os.PathLike,
    class_to_idx: dict[str, int] | None = None,
    extensions: str | tuple[str, ...] | None = None,
    is_valid_file: Callable[[str], bool] | None = None,
    allow_empty: bool = False,
) -> list[tuple[str, int]]:
    """Every ``(path, class_index)`` under ``directory``'s class folders, classes in name order, files sorted.

    Give exactly one of ``extensions`` and ``is_valid_file``. A class with no
    valid file is an error unless ``allow_empty``.
    """
    directory = os.path.expanduser(directory)
    if class_to_idx is None:
        _, class_to_idx = find_classes(directory)
    elif not class_to_idx:
        raise ValueError("'class_to_index' must have at least one entry to collect any samples.")
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
    if extensions is not None:
        allowed = extensions

        def is_valid_file(path: str) -> bool:
            return has_file_allowed_extension(path, allowed)

    samples, found = [], set()
    for name in sorted(class_to_idx):
        folder = os.path.join(directory, name)
        if not os.path.isdir(folder):
            continue
        for root, _, files in sorted(os.walk(folder, followlinks=True)):
            for file in sorted(files):
                path = os.path.join(root, file)
                if is_valid_file(path):
                    samples.append((path, class_to_idx[name]))
                    found.add(name)
    empty = set(class_to_idx) - found
    if empty and not allow_empty:
        message = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            listed = extensions if isinstance(extensions, str) else ", ".join(extensions)
            message += f"Supported extensions are: {listed}"
        raise FileNotFoundError(message + " (pass allow_empty=True to keep empty classes)")
    return samples


def default_loader(path: str | os.PathLike) -> Any:
    """An image file as a ``uint8 (3, H, W)`` RGB tensor (:func:`~tt_vision.io.read_image`: PNG, JPEG).

    torchvision's default loader returns a PIL image in RGB; TinyTorch has no
    PIL, so it returns the tensor that ``torchvision.io.decode_image(path, mode="RGB")`` would.
    Add a ``ConvertImageDtype`` transform for ``float32`` in [0, 1]. A 16-bit PNG gives ``int32``
    0–65535 (``decode_image``'s ``uint16``); PIL's loader gives 8 bits (Pillow 13: the high byte
    of 16-bit RGB, 16-bit grey saturated at 255).
    """
    return read_image(path, ImageReadMode.RGB)


class DatasetFolder(Dataset):
    """Samples are files in one folder per class, read one at a time by ``loader``.

    Args:
        root: the folder holding one sub-folder per class.
        loader: reads one file's path into a sample.
        extensions: the file endings to accept (give this or ``is_valid_file``).
        transform: a callable on each sample.
        target_transform: a callable on each class index.
        is_valid_file: a test on each file's path (give this or ``extensions``).
        allow_empty: accept class folders with no valid file.

    Attributes:
        classes: the class names, sorted; class_to_idx: name → index;
        samples: ``[(path, class_index), …]``; targets: the class indices.

    Example:
        >>> ds = DatasetFolder("pets", loader=read_image, extensions=(".png",))  # doctest: +SKIP
        >>> image, label = ds[0]  # doctest: +SKIP
    """

    def __init__(
        self,
        root: str | os.PathLike,
        loader: Callable[[str], Any],
        extensions: tuple[str, ...] | None = None,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ) -> None:
        self.root = os.fspath(Path(root).expanduser())
        self.transform = transform
        self.target_transform = target_transform
        self.classes, self.class_to_idx = self.find_classes(self.root)
        self.samples = self.make_dataset(self.root, self.class_to_idx, extensions, is_valid_file, allow_empty)
        self.loader = loader
        self.extensions = extensions
        self.targets = [target for _, target in self.samples]

    @staticmethod
    def make_dataset(
        directory: str | os.PathLike,
        class_to_idx: dict[str, int],
        extensions: tuple[str, ...] | None = None,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ) -> list[tuple[str, int]]:
        """The ``(path, class_index)`` samples (:func:`make_dataset`); override to find files otherwise."""
        if class_to_idx is None:
            raise ValueError("The class_to_idx parameter cannot be None.")
        return make_dataset(directory, class_to_idx, extensions, is_valid_file, allow_empty)

    def find_classes(self, directory: str | os.PathLike) -> tuple[list[str], dict[str, int]]:
        """The class names and their indices (:func:`find_classes`); override to change the classes."""
        return find_classes(directory)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def __len__(self) -> int:
        return len(self.samples)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} files in {len(self.classes)} classes under {self.root})"


class ImageFolder(DatasetFolder):
    """Images in one folder per class (``root/dog/xxx.png``), read as ``uint8 (3, H, W)`` tensors by default.

    Args:
        root, transform, target_transform, is_valid_file, allow_empty: as :class:`DatasetFolder`.
        loader: reads an image path (default :func:`default_loader`: PNG, and JPEG with Pillow).

    Files with any of :data:`IMG_EXTENSIONS` are samples, as in torchvision;
    with the default loader, finding files other than PNG and JPEG, or JPEG
    files without Pillow installed, is an error at construction (naming how
    many of each kind and the fix), not on the first batch. Attribute ``imgs``
    is ``samples``.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        loader: Callable[[str], Any] = default_loader,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ) -> None:
        extensions = IMG_EXTENSIONS if is_valid_file is None else None
        super().__init__(root, loader, extensions, transform, target_transform, is_valid_file, allow_empty)
        self.imgs = self.samples
        if loader is default_loader and is_valid_file is None:
            suffixes = Counter(Path(path).suffix.lower() for path, _ in self.samples)
            others = {suffix: count for suffix, count in suffixes.items() if suffix not in LOADER_EXTENSIONS}
            if others:
                kinds = ", ".join(f"{count} {suffix}" for suffix, count in sorted(others.items()))
                raise ValueError(
                    f"ImageFolder: {self.root} holds {kinds} files; TinyTorch's default loader reads PNG "
                    "and JPEG only. "
                    "Convert them to PNG (e.g. with Pillow), or pass loader=<your reader> or "
                    "is_valid_file=lambda p: p.endswith('.png') to skip them"
                )
            if suffixes[".jpg"] or suffixes[".jpeg"]:
                pillow_image("ImageFolder")  # now rather than at the first JPEG sample
