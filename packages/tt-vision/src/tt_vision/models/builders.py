"""How a model is built by name: torchvision's builder interface and its registry.

Every builder (``resnet18``, ``vgg16_bn``, ...) has torchvision's signature
``builder(*, weights=None, progress=True, **kwargs)``, the keyword arguments going to the
model's class (keyword-only: torchvision still takes the legacy positional ``pretrained``
with a deprecation warning; here a positional argument is a ``TypeError``). TinyTorch ships
no pretrained weights (torchvision's checkpoints are pickled ``.pth`` files, which TinyTorch
never reads, and the tests run offline), so
:func:`refuse_weights` turns any ``weights`` but None, and ``pretrained=True``, into an
error saying how to bring converted weights in. :func:`register_model` records each
builder under its name for :func:`get_model`, :func:`get_model_builder` and
:func:`list_models`, torchvision's registry functions.

Example:
    >>> from tt_vision import models
    >>> models.list_models(include="resnet1*")
    ['resnet101', 'resnet152', 'resnet18']
    >>> model = models.get_model("resnet18", num_classes=10)
"""

from __future__ import annotations

import fnmatch
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from types import ModuleType

__all__ = ["get_model", "get_model_builder", "list_models", "register_model"]

_BUILDERS: dict[str, Callable] = {}


def register_model(name: str | None = None) -> Callable[[Callable], Callable]:
    """Decorator: record a builder under ``name`` (default: the function's name).

    Raises:
        ValueError: a builder is already registered under that name.
    """

    def record(builder: Callable) -> Callable:
        key = builder.__name__ if name is None else name
        if key in _BUILDERS:
            raise ValueError(f"register_model: a builder is already registered under the name {key!r}")
        _BUILDERS[key] = builder
        return builder

    return record


def list_models(
    module: ModuleType | None = None,
    include: str | Iterable[str] | None = None,
    exclude: str | Iterable[str] | None = None,
) -> list[str]:
    """The sorted names of the registered builders.

    Args:
        module: keep only the builders defined in this package (``tt_vision.models``).
        include: shell-style pattern(s) (``fnmatch``); a name is kept if it matches any (default: all).
        exclude: pattern(s) applied after ``include``; a name matching any is dropped.
    """
    names = {
        key
        for key, builder in _BUILDERS.items()
        if module is None or builder.__module__.rsplit(".", 1)[0] == module.__name__
    }
    if include:
        patterns = [include] if isinstance(include, str) else include
        names = {name for pattern in patterns for name in fnmatch.filter(names, pattern)}
    if exclude:
        patterns = [exclude] if isinstance(exclude, str) else exclude
        names -= {name for pattern in patterns for name in fnmatch.filter(names, pattern)}
    return sorted(names)


def get_model_builder(name: str) -> Callable:
    """The builder registered under ``name`` (case-insensitive).

    Raises:
        ValueError: no builder has that name (the message lists the known ones).
    """
    try:
        return _BUILDERS[name.lower()]
    except KeyError:
        raise ValueError(
            f"Unknown model {name}; the known models are {', '.join(sorted(_BUILDERS))}"
        ) from None


def get_model(name: str, **config: object):
    """Build the model registered under ``name`` with the builder's keyword arguments ``config``.

    Example:
        >>> get_model("mobilenet_v2", num_classes=10, width_mult=0.5)  # doctest: +SKIP
    """
    return get_model_builder(name)(**config)


def refuse_weights(model: str, weights: object, kwargs: dict) -> None:
    """Check a builder's ``weights`` (and legacy ``pretrained``, popped from ``kwargs``).

    ``weights=None`` and ``pretrained=False`` (deprecated, with torchvision's warning) build a
    randomly initialised model; anything else raises, naming the model and the way to load
    converted weights.
    """
    if "pretrained" in kwargs:
        pretrained = kwargs.pop("pretrained")
        warnings.warn(
            f"{model}: the parameter 'pretrained' is deprecated since torchvision 0.13; "
            "use 'weights' instead",
            UserWarning,
            stacklevel=_caller_level(),
        )
        if pretrained:
            weights = "pretrained=True"
    if weights is None:
        return
    raise ValueError(
        f"{model}: pretrained weights ({weights}) are not available in TinyTorch: torchvision's "
        "checkpoints are pickled .pth files, which TinyTorch never reads. Build the model with "
        "weights=None and load converted weights: in PyTorch, safetensors.torch.save_file("
        f"torchvision.models.{model}(weights='DEFAULT').state_dict(), '{model}.safetensors'); then "
        f"here, model.load_state_dict(tt_nn.load_safetensors('{model}.safetensors')) "
        "(the keys are torchvision's)"
    )


def refuse_backbone_weights(
    model: str, backbone: str, weights: object, weights_backbone: object, kwargs: dict
) -> None:
    """A builder with a backbone (segmentation, detection): ``weights`` and ``weights_backbone`` must be None.

    Pops the legacy ``pretrained`` and ``pretrained_backbone`` from ``kwargs`` (each warns as
    torchvision's; True is refused), then refuses any weights as :func:`refuse_weights`, naming
    ``model`` or ``backbone``.
    """
    refuse_weights(model, weights, kwargs)
    if "pretrained_backbone" in kwargs:
        warnings.warn(
            f"{model}: the parameter 'pretrained_backbone' is deprecated since torchvision 0.13; "
            "use 'weights_backbone' instead",
            UserWarning,
            stacklevel=_caller_level(),
        )
        if kwargs.pop("pretrained_backbone"):
            weights_backbone = "pretrained_backbone=True"
    refuse_weights(backbone, weights_backbone, {})


def _caller_level() -> int:
    """The ``stacklevel`` of the first frame outside this package: the code that called the builder."""
    frame, level = sys._getframe(2), 2  # the frame that called refuse_weights
    while frame is not None and frame.f_globals.get("__name__", "").startswith(__package__ + "."):
        frame, level = frame.f_back, level + 1
    return level


def overwrite_named_param(kwargs: dict, param: str, value: object) -> None:
    """Set ``kwargs[param] = value`` for a builder that fixes it; a different value given is an error."""
    if param in kwargs and kwargs[param] != value:
        raise ValueError(f"The parameter '{param}' expected value {value} but got {kwargs[param]} instead.")
    kwargs[param] = value


def make_divisible(value: float, divisor: int, min_value: int | None = None) -> int:
    """Round a channel count to the nearest multiple of ``divisor`` (at least ``min_value``, default
    ``divisor``), going up one step if rounding lost more than 10% (the MobileNets' rule)."""
    if min_value is None:
        min_value = divisor
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def check_block_settings(settings: object, config_class: type, shown: str) -> None:
    """A model's list of per-block configurations (MobileNetV3, EfficientNet): a non-empty sequence of
    ``config_class`` instances, else torchvision's errors (``shown`` is the type its message names)."""
    if not settings:
        raise ValueError("The inverted_residual_setting should not be empty")
    if not (isinstance(settings, Sequence) and all(isinstance(s, config_class) for s in settings)):
        raise TypeError(f"The inverted_residual_setting should be List[{shown}]")
