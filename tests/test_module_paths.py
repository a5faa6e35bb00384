"""PyTorch's module paths import in TinyTorch and hold the same objects (``tinytorch.module_paths``).

``from torch.nn.modules.loss import _Loss``, ``import torch.optim.adam``,
``torch.distributions.normal.Normal``: user code written against these runs with
``torch`` changed to ``tinytorch``. Every name is the very object of TinyTorch's own
namespace, and a name a path lacks fails with an error that names PyTorch's path.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import numpy as np
import pytest
import tinytorch.nn.modules.loss as loss_module
from tinytorch.nn.modules.loss import _Loss

import tinytorch
from tinytorch import module_paths, nn

PATHS = [f"tinytorch.{short}" for short in module_paths.PATHS]

# Paths whose parent attribute is a function of the same name, as in PyTorch (torch.autograd.gradcheck).
SHADOWED = {
    "tinytorch.autograd.gradcheck": tinytorch.autograd.gradcheck,
    "tinytorch.nn.utils.spectral_norm": tinytorch.nn.utils.spectral_norm,
    "tinytorch.nn.utils.weight_norm": tinytorch.nn.utils.weight_norm,
    "tinytorch.nn.parallel.data_parallel": tinytorch.nn.parallel.data_parallel,
}


def _attribute(dotted: str) -> object:
    obj: object = tinytorch
    for part in dotted.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("name", PATHS)
def test_every_path_imports_and_is_its_parents_attribute(name):
    module = importlib.import_module(name)
    assert sys.modules[name] is module
    assert _attribute(name) is SHADOWED.get(name, module)
    __import__(name)  # the statement form
    assert importlib.util.find_spec(name) is not None


@pytest.mark.parametrize("short", list(module_paths.PATHS))
def test_every_listed_name_is_the_same_object_as_its_source(short):
    module = importlib.import_module(f"tinytorch.{short}")
    listed = [(source, name) for source, names in module_paths.names_of(short) for name in names]
    for source, name in listed:
        assert getattr(module, name) is getattr(importlib.import_module(source), name), (short, name)
    if module.__spec__.loader is module_paths.FINDER:  # built from the table, not a module already there
        assert set(module.__all__) == {name for _, name in listed}
        assert module.__doc__.startswith(f"``torch.{short}``")  # help() names PyTorch's path


def test_the_import_forms_of_user_code():
    import tinytorch.distributions.normal as normal
    import tinytorch.optim.adam
    from tinytorch.amp.autocast_mode import autocast
    from tinytorch.autograd.function import Function
    from tinytorch.autograd.grad_mode import no_grad
    from tinytorch.nn.modules import loss
    from tinytorch.nn.parameter import Parameter
    from tinytorch.utils.data.dataset import Dataset

    from tinytorch.optim.lr_scheduler import LRScheduler, _LRScheduler

    assert loss is loss_module and normal.Normal is tinytorch.distributions.Normal
    assert tinytorch.optim.adam.Adam is tinytorch.optim.Adam and autocast is tinytorch.autocast
    assert Function is tinytorch.autograd.Function and no_grad is tinytorch.no_grad
    assert Parameter is nn.Parameter and Dataset is tinytorch.utils.data.Dataset
    assert _LRScheduler is LRScheduler


@pytest.mark.parametrize(
    ("path", "name", "expected"),
    [
        ("nn.modules.loss", "CrossEntropyLoss", lambda: nn.CrossEntropyLoss),
        ("nn.modules.conv", "Conv2d", lambda: nn.Conv2d),
        ("nn.modules.conv", "ConvTranspose1d", lambda: nn.ConvTranspose1d),
        ("nn.modules.linear", "Linear", lambda: nn.Linear),
        ("nn.modules.linear", "NonDynamicallyQuantizableLinear", lambda: _non_dynamic_linear()),
        ("nn.modules.module", "Module", lambda: nn.Module),
        ("nn.modules.activation", "MultiheadAttention", lambda: nn.MultiheadAttention),
        ("nn.modules.rnn", "LSTM", lambda: nn.LSTM),
        ("nn.modules.sparse", "Embedding", lambda: nn.Embedding),
        ("nn.modules.batchnorm", "SyncBatchNorm", lambda: nn.SyncBatchNorm),
        ("nn.modules.container", "Sequential", lambda: nn.Sequential),
        ("nn.modules", "Linear", lambda: nn.Linear),
        ("nn.modules", "GRU", lambda: nn.GRU),
        ("nn.parameter", "Buffer", lambda: nn.Buffer),
        ("nn.utils.clip_grad", "clip_grad_norm_", lambda: nn.utils.clip_grad_norm_),
        ("nn.utils.convert_parameters", "vector_to_parameters", lambda: nn.utils.vector_to_parameters),
        ("distributions.kl", "kl_divergence", lambda: tinytorch.distributions.kl_divergence),
        ("distributions.categorical", "Categorical", lambda: tinytorch.distributions.Categorical),
        ("distributions.studentT", "StudentT", lambda: tinytorch.distributions.StudentT),
        ("distributions.constraints", "positive", lambda: tinytorch.distributions.constraints.positive),
        ("distributions.transforms", "ExpTransform", lambda: tinytorch.distributions.ExpTransform),
        ("autograd.anomaly_mode", "detect_anomaly", lambda: tinytorch.autograd.detect_anomaly),
        ("utils.data.sampler", "RandomSampler", lambda: tinytorch.utils.data.RandomSampler),
        ("utils.data.distributed", "DistributedSampler", lambda: tinytorch.utils.data.DistributedSampler),
        ("utils.data.dataloader", "get_worker_info", lambda: tinytorch.utils.data.get_worker_info),
        ("optim.optimizer", "Optimizer", lambda: tinytorch.optim.Optimizer),
        ("optim.adamw", "AdamW", lambda: tinytorch.optim.AdamW),
        ("amp.grad_scaler", "GradScaler", lambda: tinytorch.amp.GradScaler),
        ("nn.modules.utils", "_pair", lambda: importlib.import_module("tt_nn.module_utils").pair),
        (
            "nn.modules.utils",
            "consume_prefix_in_state_dict_if_present",
            lambda: importlib.import_module("tt_nn.module_utils").consume_prefix_in_state_dict_if_present,
        ),
    ],
)
def test_names_are_tinytorchs_own_objects(path, name, expected):
    assert getattr(importlib.import_module(f"tinytorch.{path}"), name) is expected()


def test_nn_modules_gathers_the_classes_of_its_submodules():
    import tinytorch.nn.modules as modules

    assert modules.Conv2d is nn.Conv2d and modules.MSELoss is nn.MSELoss and modules.Module is nn.Module
    assert {"Linear", "LSTM", "Embedding", "Transformer", "ZeroPad2d"} <= set(modules.__all__)
    assert modules.lazy.LazyModuleMixin and not hasattr(modules, "LazyModuleMixin")  # as in PyTorch


@pytest.mark.parametrize(
    ("path", "base", "subclasses"),
    [
        ("nn.modules.loss", "_Loss", "L1Loss MSELoss SmoothL1Loss HuberLoss CTCLoss NLLLoss BCELoss"),
        (
            "nn.modules.loss",
            "_WeightedLoss",
            "NLLLoss CrossEntropyLoss BCELoss BCEWithLogitsLoss MultiMarginLoss",
        ),
        (
            "nn.modules.batchnorm",
            "_BatchNorm",
            "BatchNorm1d BatchNorm2d BatchNorm3d SyncBatchNorm LazyBatchNorm2d",
        ),
        ("nn.modules.batchnorm", "_LazyNormBase", "LazyBatchNorm1d LazyBatchNorm3d LazyInstanceNorm2d"),
        ("nn.modules.instancenorm", "_InstanceNorm", "InstanceNorm1d InstanceNorm3d LazyInstanceNorm1d"),
        ("nn.modules.conv", "_ConvTransposeNd", "ConvTranspose1d ConvTranspose2d ConvTranspose3d"),
        ("nn.modules.conv", "_LazyConvXdMixin", "LazyConv1d LazyConv3d LazyConvTranspose3d"),
        (
            "nn.modules.dropout",
            "_DropoutNd",
            "Dropout1d Dropout2d Dropout3d AlphaDropout FeatureAlphaDropout",
        ),
        ("nn.modules.padding", "_ConstantPadNd", "ConstantPad1d ConstantPad3d ZeroPad1d ZeroPad2d"),
        ("nn.modules.pooling", "_MaxPoolNd", "MaxPool1d MaxPool2d MaxPool3d"),
        ("nn.modules.pooling", "_LPPoolNd", "LPPool1d LPPool2d LPPool3d"),
    ],
)
def test_private_bases_are_the_base_of_pytorchs_subclasses(path, base, subclasses):
    cls = getattr(importlib.import_module(f"tinytorch.{path}"), base)
    assert cls not in (nn.Module, object)
    for name in subclasses.split():
        assert issubclass(getattr(nn, name), cls), (base, name)
    assert base not in importlib.import_module(f"tinytorch.{path}").__all__  # private, as in PyTorch


def test_a_subclass_of_loss_works_as_a_loss():
    class MeanCubedError(_Loss):
        def forward(self, input, target):  # noqa: A002
            error = (input - target) ** 3
            return error.mean() if self.reduction == "mean" else error.sum()

    prediction = tinytorch.tensor([1.0, 2.0, 4.0], requires_grad=True)
    target = tinytorch.tensor([0.0, 0.0, 1.0])
    loss = MeanCubedError()(prediction, target)
    assert loss.item() == pytest.approx((1 + 8 + 27) / 3)
    loss.backward()
    np.testing.assert_allclose(prediction.grad.numpy(), [1.0, 4.0, 9.0])  # 3 e^2 / 3
    assert MeanCubedError(reduction="sum")(prediction, target).item() == pytest.approx(36.0)
    assert isinstance(MeanCubedError(), nn.Module) and list(MeanCubedError().parameters()) == []
    with pytest.raises(ValueError, match="reduction"):
        MeanCubedError(reduction="avg")


def test_a_subclass_of_lr_scheduler_schedules():
    from tinytorch.optim.lr_scheduler import _LRScheduler

    class Harmonic(_LRScheduler):
        def get_lr(self):
            return [base / (1 + self.last_epoch) for base in self.base_lrs]

    optimizer = tinytorch.optim.SGD([nn.Parameter(tinytorch.zeros(1))], lr=1.0)
    scheduler = Harmonic(optimizer)
    assert optimizer.param_groups[0]["lr"] == 1.0  # the scheduler's first step, at construction
    for _ in range(3):
        optimizer.step()
        scheduler.step()
    assert scheduler.last_epoch == 3 and optimizer.param_groups[0]["lr"] == pytest.approx(1 / 4)


def test_a_missing_name_names_pytorchs_path_and_the_equivalent():
    with pytest.raises(
        AttributeError, match=r"^torch\.nn\.modules\.loss\.NLLLoss2d is not part of .*nn\.NLLLoss"
    ):
        loss_module.NLLLoss2d  # noqa: B018
    with pytest.raises(
        ImportError, match=r"^torch\.nn\.modules\.container\.Container is not part of .*nn\.Module"
    ):
        from tinytorch.nn.modules.container import Container  # noqa: F401
    with pytest.raises(
        ImportError, match=r"torch\.nn\.modules\.loss\.MSELos is not .*did you mean .*\.MSELoss\?"
    ):
        from tinytorch.nn.modules.loss import MSELos  # noqa: F401
    with pytest.raises(AttributeError, match=r"^torch\.optim\.adam\.adam is not part of TinyTorch"):
        importlib.import_module("tinytorch.optim.adam").adam  # noqa: B018
    with pytest.raises(ImportError, match=r"^torch\.nn\.modules\.conv\.nothing is not part"):
        importlib.import_module("tinytorch.nn.modules.conv.nothing")
    assert not hasattr(loss_module, "NLLLoss2d")
    with pytest.raises(ModuleNotFoundError):  # other names under tinytorch are untouched by the finder
        importlib.import_module("tinytorch.no_such_module")


def test_reload_keeps_the_same_objects():
    module = importlib.reload(importlib.import_module("tinytorch.nn.modules.conv"))
    assert module is tinytorch.nn.modules.conv and module.Conv2d is nn.Conv2d and module._ConvTransposeNd


def test_a_deep_path_imports_first_in_a_fresh_interpreter():
    code = (
        "from tinytorch.nn.modules.loss import _WeightedLoss, CrossEntropyLoss\n"
        "import tinytorch.distributions.normal as n, tinytorch\n"
        "assert issubclass(CrossEntropyLoss, _WeightedLoss) and n.Normal is tinytorch.distributions.Normal\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def _non_dynamic_linear():
    """tt-nn's own class: PyTorch has it in torch.nn.modules.linear only (not in torch.nn)."""
    from tt_nn.linear import NonDynamicallyQuantizableLinear

    assert not hasattr(nn, "NonDynamicallyQuantizableLinear")
    return NonDynamicallyQuantizableLinear


def test_the_re_exported_packages_import_as_subpackages_without_copies():
    # torchvision's own imports with its name changed: `from torchvision import transforms, datasets`
    code = (
        "import sys, importlib\n"
        "from tinytorch.vision import transforms, datasets\n"
        "import tinytorch.vision.transforms.functional as F\n"
        "import tt_vision, tt_vision.transforms_functional\n"
        "assert transforms is tt_vision.transforms and datasets is tt_vision.datasets\n"
        "assert F is tt_vision.transforms_functional\n"
        "assert 'tt_vision.pool_graph' not in sys.modules\n"  # (loaded on demand: through the finder)
        "late = importlib.import_module('tinytorch.vision.pool_graph')\n"
        "assert late is sys.modules['tt_vision.pool_graph'] is sys.modules['tinytorch.vision.pool_graph']\n"
        "assert late.__spec__.name == 'tt_vision.pool_graph' and late.__name__ == 'tt_vision.pool_graph'\n"
        "from tinytorch.text import GPT\n"
        "import tinytorch.perf.quantization as q\n"
        "import tt_text, tt_perf.quantization\n"
        "assert GPT is tt_text.GPT and q is tt_perf.quantization\n"
        "copies = [n for n, m in sys.modules.items() if n.startswith('tinytorch.vision') and m.__name__ == n]"
        "\n"
        "assert not copies, copies\n"
        "try:\n"
        "    import tinytorch.vision.no_such_module\n"
        "except ModuleNotFoundError as error:\n"
        "    assert 'tinytorch.vision.no_such_module' in str(error)\n"
        "else:\n"
        "    raise AssertionError('imported a module that does not exist')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # a fresh interpreter: nothing imported yet
