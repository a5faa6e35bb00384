"""SummaryWriter's add_graph (a GraphDef by module scope) and add_embedding (the projector's files), read back
with TensorBoard's own readers. Beyond the modules' exercises; needs the ``tinytorch[tensorboard]`` extra.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from tensorboard_files import read

import tinytorch as tt
from tinytorch import nn
from tinytorch.utils.tensorboard import SummaryWriter


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.body = nn.Sequential(nn.ReLU(), nn.Linear(3, 2))

    def forward(self, x, y):
        return self.body(self.fc1(x)) + y * tt.ones(2)


def test_add_graph_records_the_forward_pass_by_module_scope(tmp_path):
    model = Net().train()
    with SummaryWriter(tmp_path) as writer:
        writer.add_graph(model, (tt.randn(5, 4), tt.randn(5, 2)))
    assert model.training  # put back after the eval-mode trace
    events = read(tmp_path)
    assert events.Tags()["graph"] and events.Tags()["run_metadata"] == ["step1"]
    nodes = {node.name: node for node in events.Graph().node}
    assert {name for name, node in nodes.items() if node.op == "IO Node"} == {
        "input/input.0", "input/input.1", "output/output.0"
    }  # fmt: skip
    linear = nodes["Net/Linear[fc1]/LinearFunction.0"]
    assert list(linear.input) == ["input/input.0", "Net/Linear[fc1]/weight", "Net/Linear[fc1]/bias"]
    assert [d.size for d in linear.attr["_output_shapes"].list.shape[0].dim] == [5, 3]
    assert nodes["Net/Linear[fc1]/weight"].op == "prim::GetAttr"
    relu = next(node for node in nodes.values() if node.name.startswith("Net/Sequential[body]/ReLU[0]/"))
    assert relu.op == "ReLUFunction"
    assert list(relu.input) == ["Net/Linear[fc1]/LinearFunction.0"]
    scope = "Net/Sequential[body]/Linear[1]"
    second = next(n for n in nodes.values() if n.name.startswith(f"{scope}/Linear"))
    assert list(second.input) == [relu.name, f"{scope}/weight", f"{scope}/bias"]
    constants = [node for node in nodes.values() if node.op == "prim::Constant"]  # tt.ones(2) inside forward
    (constant,) = constants
    assert [d.size for d in constant.attr["_output_shapes"].list.shape[0].dim] == [2]
    (output,) = nodes["output/output.0"].input
    assert nodes[output].name.startswith("Net/") and nodes[output].op.startswith("Add")
    with (
        SummaryWriter(tmp_path / "bad") as writer,
        pytest.raises(TypeError, match="model must be an nn.Module"),
    ):
        writer.add_graph(lambda x: x, tt.ones(1))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(x * 2)  # before its submodule: the block's own scope


class Scoped(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.bn = nn.BatchNorm1d(3)

    def forward(self, x):
        return self.bn(self.block(x)).permute(1, 0)[np.array([0, 2]), 1]  # after them: the model's scope


class NoInput(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(tt.ones(2))

    def forward(self):
        return self.w * 3


def test_add_graph_scopes_buffers_and_eval_mode(tmp_path, capsys):
    model = Scoped().train()
    before = model.bn.running_mean.numpy().copy()
    with SummaryWriter(tmp_path) as writer:
        writer.add_graph(model, tt.randn(5, 4) + 3, verbose=True)
    assert 'name: "Scoped/Block[block]/MulFunction.0"' in capsys.readouterr().out  # verbose prints the graph
    assert (model.bn.running_mean.numpy() == before).all()  # traced in eval mode: no statistics updated
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())  # hooks removed
    graph = read(tmp_path).Graph()
    assert graph.versions.producer == 22  # as PyTorch's
    nodes = {node.name: node for node in graph.node}
    ops = {node.op: name for name, node in nodes.items()}
    assert ops["MulFunction"] == "Scoped/Block[block]/MulFunction.0"
    assert nodes["Scoped/Block[block]/MulFunction.0"].attr["attr"].s == b"{2}"
    assert ops["PermuteFunction"] == "Scoped/PermuteFunction.3"
    assert nodes["Scoped/PermuteFunction.3"].attr["attr"].s == b"{axes=[1, 0]}"
    norm = nodes[ops["BatchNormFunction"]]
    assert norm.name == "Scoped/BatchNorm1d[bn]/BatchNormFunction.2"
    assert list(norm.input)[3:] == [
        "Scoped/BatchNorm1d[bn]/running_mean",
        "Scoped/BatchNorm1d[bn]/running_var",
    ]
    assert norm.attr["attr"].s == b"{training=False, momentum=0.1, eps=1e-05}"
    index = nodes[ops["GetItemFunction"]]
    assert index.attr["attr"].s == b"{key=[tensor(2,), 1]}"
    assert nodes[index.input[1]].op == "prim::Constant"  # the NumPy index: a constant input
    with SummaryWriter(tmp_path / "none") as writer:
        writer.add_graph(NoInput())  # no input_to_model: a model of no arguments
    assert [(n.name, list(n.input)) for n in read(tmp_path / "none").Graph().node] == [
        ("NoInput/w", []),
        ("NoInput/MulFunction.0", ["NoInput/w"]),
        ("output/output.0", ["NoInput/MulFunction.0"]),
    ]


def test_add_embedding_writes_the_projector_files(tmp_path):
    points = np.arange(12, dtype=np.float32).reshape(4, 3) / 8
    thumbs = np.random.default_rng(2).random((4, 1, 2, 3))
    with SummaryWriter(tmp_path) as writer:
        writer.add_embedding(tt.tensor(points, requires_grad=True), metadata=["a", "b", "c", 4], tag="emb/x")
        table = [["a", 1], ["b", 2], ["c", 3], ["d", 4]]
        writer.add_embedding(
            points, metadata=table, metadata_header=["n", "k"], label_img=thumbs, global_step=3
        )
        with pytest.raises(ValueError, match=r"mat must be 2-d \(points × features\), got shape \(12,\)"):
            writer.add_embedding(points.reshape(-1), tag="flat")
        with pytest.raises(ValueError, match="3 labels for 4 points"):
            writer.add_embedding(points, metadata=["a", "b", "c"], tag="short")
    folder = tmp_path / "00000" / "emb%2fx"
    lines = (folder / "tensors.tsv").read_text().splitlines()
    assert [[float(x) for x in line.split("\t")] for line in lines] == points.tolist()
    assert (folder / "metadata.tsv").read_text() == "a\nb\nc\n4\n"
    assert (tmp_path / "00003" / "default" / "metadata.tsv").read_text() == "n\tk\na\t1\nb\t2\nc\t3\nd\t4\n"
    sprite = np.asarray(Image.open(tmp_path / "00003" / "default" / "sprite.png"))
    assert sprite.shape == (6, 6, 3)  # 2 × 2 thumbnails of 2 × 3, padded to a square
    assert (sprite[2:4, 3:6, 0] == np.floor(thumbs[3, 0] * 255)).all()  # scaled by 255 and truncated
    config = (tmp_path / "projector_config.pbtxt").read_text()
    assert 'tensor_name: "emb/x:00000"' in config and 'tensor_path: "00003/default/tensors.tsv"' in config
    assert "single_image_dim: 3\n    single_image_dim: 2" in config and "flat" not in config
    assert 'metadata_path: "00000/emb%2fx/metadata.tsv"' in config
    assert 'image_path: "00003/default/sprite.png"' in config


def test_add_embedding_refuses_junk_and_warns_of_a_step_written_twice(tmp_path, capsys):
    points = np.ones((2, 3))
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(TypeError, match="^add_embedding: tag must be a str, got int$"):
            writer.add_embedding(points, tag=3)
        with pytest.raises(
            TypeError, match="^add_embedding: expected a tensor, a NumPy array or a number, got list"
        ):
            writer.add_embedding([[1.0, 2.0]])
        writer.add_embedding(points, global_step=1)
        assert capsys.readouterr().out == ""
        writer.add_embedding(points * 2, global_step=1)  # the same folder again, as PyTorch: a warning
        assert capsys.readouterr().out == (
            "warning: Embedding dir exists, did you set global_step for add_embedding()?\n"
        )
        (tmp_path / "00002").mkdir()
        (tmp_path / "00002" / "default").write_text("a file")
        with pytest.raises(NotADirectoryError, match="^add_embedding: .*00002/default exists and is a file$"):
            writer.add_embedding(points, global_step=2)
    assert (tmp_path / "00001" / "default" / "tensors.tsv").read_text() == "2.0\t2.0\t2.0\n" * 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"metadata": [["a"], ["b", 1]], "metadata_header": ["n", "k"]}, "each metadata row needs 2 columns"),
        (
            {"label_img": np.zeros((3, 1, 2, 2))},
            r"label_img must be NCHW with one image a point \(2\), got shape",
        ),
        ({"label_img": np.zeros((2, 2, 2))}, r"label_img must be NCHW .* got shape \(2, 2, 2\)$"),
    ],
)
def test_add_embedding_refuses_metadata_and_thumbnails_that_do_not_fit(tmp_path, arguments, message):
    with SummaryWriter(tmp_path) as writer, pytest.raises(ValueError, match=f"^add_embedding: {message}"):
        writer.add_embedding(np.ones((2, 3)), **arguments)


def test_the_sprite_is_a_square_of_thumbnails(tmp_path):
    thumbs = (np.arange(9) % 2).reshape(9, 1, 1, 1).astype(float)  # 9 one-pixel images, black and white
    thumbs[3] = 1.5  # past 1: clipped to white, as PyTorch's sprite
    with SummaryWriter(tmp_path) as writer:
        writer.add_embedding(np.ones((9, 2)), label_img=thumbs)
    sprite = np.asarray(Image.open(tmp_path / "00000" / "default" / "sprite.png"))
    assert sprite.shape == (3, 3, 3) and (sprite[..., 0] == [[0, 255, 0], [255, 0, 255], [0, 255, 0]]).all()
