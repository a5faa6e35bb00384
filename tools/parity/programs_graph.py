"""Parity programs for graph networks as pytorch/examples writes them (gcn/main.py, gat/main.py).

Each takes the framework as ``torch`` and returns ``[(label, numpy array), ...]``
like the programs of ``programs.py``; ``run.py`` runs them with the others.
The graph is a fixed random one (Cora needs a download); its normalised
adjacency is built with the same calls as gcn/main.py's ``load_cora``
(``sparse_coo_tensor`` of int64 ones, ``eye + sparse``, ``diag(...).to_sparse()``,
``sparse @ dense @ sparse``, ``to_sparse()``), and the models are the
examples' layers with their random initialisation replaced by seeded weights.
"""

from __future__ import annotations

import numpy as np
from programs import numpy, set_weights

NODES, EDGES, FEATURES, CLASSES = 40, 120, 12, 4


def _graph(torch):
    """Features, labels, train/validation masks and gcn/main.py's normalised sparse adjacency."""
    rng = np.random.default_rng(21)
    edges = rng.integers(0, NODES, size=(EDGES, 2)).astype(np.int32)  # duplicates and self-loops included
    bag_of_words = (rng.random((NODES, FEATURES)) < 0.3).astype(np.int32)
    bag_of_words[0] = 0  # an all-zero row: its scale is inf, set to 0 as load_cora does
    labels = torch.from_numpy(rng.integers(0, CLASSES, NODES))

    features = torch.FloatTensor(bag_of_words)
    scale_vector = 1 / torch.sum(features, dim=1)
    scale_vector[scale_vector == float("inf")] = 0
    features = torch.diag(scale_vector).to_sparse() @ features

    adj_mat = torch.sparse_coo_tensor(edges.T, torch.ones(EDGES), (NODES, NODES), dtype=torch.int64)
    adj_mat = torch.eye(NODES) + adj_mat
    degree_mat = torch.sqrt(1 / torch.sum(adj_mat, dim=1))
    degree_mat[degree_mat == float("inf")] = 0
    degree_mat = torch.diag(degree_mat).to_sparse()
    adj_mat = degree_mat @ adj_mat @ degree_mat
    order = rng.permutation(NODES)
    train, val = torch.from_numpy(order[:25]), torch.from_numpy(order[25:])
    return features.to_sparse().to("cpu"), labels, adj_mat.to_sparse().to("cpu"), train, val


def gcn(torch) -> list:
    """gcn/main.py's two-layer GraphConv network (torch.mm on sparse features, torch.spmm), Adam, 6 steps."""
    nn, F = torch.nn, torch.nn.functional

    class GraphConv(nn.Module):
        def __init__(self, input_dim, output_dim, use_bias=False):
            super().__init__()
            self.kernel = nn.Parameter(torch.empty(input_dim, output_dim))  # the example: torch.Tensor(i, o)
            self.bias = nn.Parameter(torch.empty(output_dim)) if use_bias else None

        def forward(self, input_tensor, adj_mat):
            support = torch.mm(input_tensor, self.kernel)
            output = torch.spmm(adj_mat, support)
            return output + self.bias if self.bias is not None else output

    class GCN(nn.Module):
        def __init__(self, input_dim, hidden_dim, output_dim, use_bias=True, dropout_p=0.1):
            super().__init__()
            self.gc1 = GraphConv(input_dim, hidden_dim, use_bias=use_bias)
            self.gc2 = GraphConv(hidden_dim, output_dim, use_bias=use_bias)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, input_tensor, adj_mat):
            x = self.dropout(F.relu(self.gc1(input_tensor, adj_mat)))
            return F.log_softmax(self.gc2(x, adj_mat), dim=1)

    features, labels, adj_mat, train, val = _graph(torch)
    model = GCN(FEATURES, 16, CLASSES, use_bias=True, dropout_p=0.0)  # no dropout: the streams differ
    set_weights(torch, model, 22, scale=0.5)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    criterion = nn.NLLLoss()
    records = [("adjacency", numpy(adj_mat.to_dense())), ("features", numpy(features.to_dense()))]
    for step in range(6):
        model.train()
        optimizer.zero_grad()
        output = model(features, adj_mat)
        loss = criterion(output[train], labels[train])
        loss.backward()
        records += [(f"loss {step}", numpy(loss)), (f"kernel grad {step}", numpy(model.gc1.kernel.grad))]
        optimizer.step()
        model.eval()
        with torch.no_grad():
            output = model(features, adj_mat)
            records.append((f"val loss {step}", numpy(criterion(output[val], labels[val]))))
    return records + [("final gc2 kernel", numpy(model.gc2.kernel))]


def gat(torch) -> list:
    """gat/main.py's GraphAttentionLayer (4 heads, averaged) and a one-head second layer, Adam, 4 steps."""
    nn, F = torch.nn, torch.nn.functional

    class GraphAttentionLayer(nn.Module):
        def __init__(self, in_features, out_features, n_heads, concat=False, dropout=0.4, slope=0.2):
            super().__init__()
            self.n_heads, self.concat, self.dropout = n_heads, concat, dropout
            self.n_hidden = out_features // n_heads if concat else out_features
            self.out_features = out_features
            self.W = nn.Parameter(torch.empty(in_features, self.n_hidden * n_heads))  # example: size=(..)
            self.a = nn.Parameter(torch.empty(n_heads, 2 * self.n_hidden, 1))
            self.leakyrelu = nn.LeakyReLU(slope)

        def forward(self, h, adj_mat):
            n_nodes = h.shape[0]
            h_transformed = F.dropout(torch.mm(h, self.W), self.dropout, training=self.training)
            h_transformed = h_transformed.view(n_nodes, self.n_heads, self.n_hidden).permute(1, 0, 2)
            source_scores = torch.matmul(h_transformed, self.a[:, : self.n_hidden, :])
            target_scores = torch.matmul(h_transformed, self.a[:, self.n_hidden :, :])
            e = self.leakyrelu(source_scores + target_scores.mT)
            connectivity_mask = -9e16 * torch.ones_like(e)
            e = torch.where(adj_mat > 0, e, connectivity_mask)
            attention = F.dropout(F.softmax(e, dim=-1), self.dropout, training=self.training)
            h_prime = torch.matmul(attention, h_transformed)
            if self.concat:
                return h_prime.permute(1, 0, 2).contiguous().view(n_nodes, self.out_features)
            return h_prime.mean(dim=0)

    class GAT(nn.Module):
        def __init__(self, in_features, n_hidden, n_heads, num_classes):
            super().__init__()
            self.gat1 = GraphAttentionLayer(in_features, n_hidden, n_heads, dropout=0.0)
            self.gat2 = GraphAttentionLayer(n_hidden, num_classes, 1, dropout=0.0)

        def forward(self, input_tensor, adj_mat):
            x = F.elu(self.gat1(input_tensor, adj_mat))
            return F.log_softmax(self.gat2(x, adj_mat), dim=1)

    features, labels, adj_mat, train, val = _graph(torch)
    features, adj_mat = features.to_dense(), adj_mat.to_dense()  # gat/main.py works on dense tensors
    model = GAT(FEATURES, 8, 4, CLASSES)
    set_weights(torch, model, 23, scale=0.5)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.005, weight_decay=5e-4)
    criterion = nn.NLLLoss()
    records = []
    for step in range(4):
        model.train()
        optimizer.zero_grad()
        loss = criterion(model(features, adj_mat)[train], labels[train])
        loss.backward()
        records += [(f"loss {step}", numpy(loss)), (f"W grad {step}", numpy(model.gat1.W.grad))]
        optimizer.step()
    model.eval()
    with torch.no_grad():
        records.append(("val loss", numpy(criterion(model(features, adj_mat)[val], labels[val]))))
    return records + [("final a", numpy(model.gat1.a))]


PROGRAMS_GRAPH = {
    "gcn": (gcn, "gcn/main.py: sparse normalised adjacency, torch.spmm / sparse torch.mm, Adam"),
    "gat": (gat, "gat/main.py: multi-head graph attention (where, leaky_relu, masked softmax, elu), Adam"),
}
