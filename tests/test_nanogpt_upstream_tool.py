"""The nanoGPT runner changes import lines that name torch, and nothing else."""

from by_path import ROOT, load_file

nanogpt_upstream = load_file("nanogpt_upstream", ROOT / "tools" / "parity" / "nanogpt_upstream.py")


def test_rewrites_every_form_of_torch_import_and_nothing_else():
    source = (
        "import os\n"
        "import torch\n"
        "import torch.nn as nn\n"
        "from torch.nn import functional as F\n"
        "from torch import Tensor\n"
        "    import torch  # indented\n"
        "import torchvision\n"
        "x = torch.zeros(3)  # import torch in a comment\n"
        "from torch.nn.parallel import DistributedDataParallel as DDP\n"
    )
    rewritten, changed = nanogpt_upstream.rewrite_imports(source)
    assert rewritten.splitlines() == [
        "import os",
        "import tinytorch as torch",
        "import tinytorch.nn as nn",
        "from tinytorch.nn import functional as F",
        "from tinytorch import Tensor",
        "    import tinytorch as torch  # indented",
        "import torchvision",
        "x = torch.zeros(3)  # import torch in a comment",
        "from tinytorch.nn.parallel import DistributedDataParallel as DDP",
    ]
    assert [before for before, _ in changed] == [
        "import torch",
        "import torch.nn as nn",
        "from torch.nn import functional as F",
        "from torch import Tensor",
        "    import torch  # indented",
        "from torch.nn.parallel import DistributedDataParallel as DDP",
    ]
