"""``device``: PyTorch's device object, for a library that runs on the CPU only.

A ``device`` is a ``str`` (``"cpu"``), so everything that accepts a device
string (``tensor.to(...)``, ``module.to(...)``, ``device=`` arguments) accepts
it too. ``device("cuda")`` can be built, as in PyTorch on a machine without a
GPU, but moving a tensor there fails with a clear message.

Example:
    >>> device("cpu")
    device(type='cpu')
    >>> device("cpu").type
    'cpu'
"""

from __future__ import annotations

KNOWN = ("cpu", "cuda", "mps", "meta", "xpu")


class device(str):  # noqa: N801  (PyTorch's name)
    """A device name: ``device("cpu")``, ``device("cuda", 0)``, ``device("cuda:0")``."""

    def __new__(cls, type: str | device = "cpu", index: int | None = None) -> device:  # noqa: A002
        kind, _, number = str(type).partition(":")
        if kind not in KNOWN:
            raise RuntimeError(f"device: expected one of {', '.join(KNOWN)} device type, got {str(type)!r}")
        if number:
            if index is not None:
                raise ValueError(f"device: give the index once, not in both {type!r} and index={index}")
            index = int(number)
        spec = kind if index is None else f"{kind}:{index}"
        made = super().__new__(cls, spec)
        made._type, made._index = kind, index
        return made

    @property
    def type(self) -> str:
        """``"cpu"``, ``"cuda"``, ..."""
        return self._type

    @property
    def index(self) -> int | None:
        """The device number, or None."""
        return self._index

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type={self._type!r})"
        return f"device(type={self._type!r}, index={self._index})"


def check_cpu(owner: str, device: object) -> None:
    """Refuse a ``device=`` argument other than None or the CPU (``"cpu"``, ``"cpu:0"``, ``device("cpu")``).

    For constructors that take PyTorch's ``device=`` (``nn.LSTM(..., device=...)``): TinyTorch runs on the
    CPU only, so any other device is refused by ``owner``'s name rather than ignored.
    """
    if device is not None and str(device).split(":")[0] != "cpu":
        raise RuntimeError(
            f"{owner}: device {str(device)!r} is not available; TinyTorch runs on the CPU only "
            "(pass device='cpu' or leave it out)"
        )
