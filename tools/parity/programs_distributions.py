"""Parity programs for ``torch.distributions``: a REINFORCE step, every distribution's values and grads.

Each takes the framework as ``torch`` and returns ``[(label, numpy array), ...]``
like the programs of ``programs.py``; ``run.py`` runs them with the others.
Sampling is left out (the two frameworks draw different random streams):
actions are given, and the continuous distributions are compared through
``log_prob``, ``entropy``, ``cdf``, ``kl_divergence`` and their gradients.
"""

from __future__ import annotations

import numpy as np
from programs import numpy, set_weights


def reinforce(torch) -> list:
    """pytorch/examples' reinforce.py update: policy MLP -> softmax -> Categorical, Adam, fixed actions."""
    nn, Categorical = torch.nn, torch.distributions.Categorical
    policy = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 3))
    set_weights(torch, policy, 11, scale=0.3)
    optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)
    rng = np.random.default_rng(12)
    states = torch.from_numpy(rng.standard_normal((6, 10, 4)).astype(np.float32))
    actions = torch.from_numpy(rng.integers(0, 3, (6, 10)))
    rewards = rng.random((6, 10)).astype(np.float32)
    records = []
    for episode in range(6):
        returns, running = [], 0.0
        for reward in rewards[episode][::-1]:  # discounted returns, as reinforce.py computes them
            running = float(reward) + 0.99 * running
            returns.insert(0, running)
        returns = torch.tensor(returns)
        returns = (returns - returns.mean()) / (returns.std() + 1e-6)
        m = Categorical(torch.softmax(policy(states[episode]), dim=1))
        loss = -(m.log_prob(actions[episode]) * returns).sum() - 0.01 * m.entropy().mean()
        optimizer.zero_grad()
        loss.backward()
        records += [(f"episode {episode} loss", numpy(loss)), (f"episode {episode} probs", numpy(m.probs))]
        if episode == 0:
            records.append(("first layer weight grad", numpy(policy[0].weight.grad)))
        optimizer.step()
    logits_policy = Categorical(logits=policy(states[0]))
    records.append(("log_prob from logits after training", numpy(logits_policy.log_prob(actions[0]))))
    return records


def _leaf(torch, seed: int, *shape: int, positive: bool = False, unit: bool = False):
    values = np.random.default_rng(seed).standard_normal(shape)
    if positive:
        values = np.abs(values) + 0.3
    if unit:
        values = 1 / (1 + np.exp(-values))
    return torch.from_numpy(values.astype(np.float32)).requires_grad_(True)


def distributions(torch) -> list:
    """Normal, Bernoulli, OneHot, Uniform, Exponential, Laplace, Independent: values, KLs, grads."""
    D = torch.distributions
    rng = np.random.default_rng(21)
    loc, raw_scale = _leaf(torch, 1, 4, 3), _leaf(torch, 2, 3)
    q_loc, q_scale = _leaf(torch, 3, 3), _leaf(torch, 4, 3, positive=True)
    scale = torch.nn.functional.softplus(raw_scale) + 0.1
    value = torch.from_numpy(rng.standard_normal((5, 1, 3)).astype(np.float32))
    probs, q_probs = _leaf(torch, 5, 4, 3, unit=True), _leaf(torch, 6, 4, 3, unit=True)
    rate, q_rate = _leaf(torch, 7, 3, positive=True), _leaf(torch, 8, 3, positive=True)
    low = _leaf(torch, 9, 3)
    high = (low.detach() + _leaf(torch, 10, 3, positive=True).detach()).requires_grad_(True)
    logits = _leaf(torch, 11, 2, 5)
    p_normal, q_normal = D.Normal(loc, scale), D.Normal(q_loc, q_scale)
    bits = torch.from_numpy((rng.random((4, 3)) < 0.5).astype(np.float32))
    one_hot = torch.from_numpy(np.eye(5, dtype=np.float32)[[1, 4]])
    positive_value = torch.from_numpy(rng.random((2, 3)).astype(np.float32) * 2)
    terms = {
        "Normal log_prob": p_normal.log_prob(value),
        "Normal entropy": p_normal.entropy(),
        "Normal cdf": p_normal.cdf(value),
        "KL Normal Normal": D.kl_divergence(p_normal, q_normal),
        "KL Independent Normal": D.kl_divergence(D.Independent(p_normal, 1), D.Independent(q_normal, 1)),
        "Independent log_prob": D.Independent(p_normal, 2).log_prob(value.expand(5, 4, 3)),
        "Bernoulli log_prob": D.Bernoulli(probs).log_prob(bits),
        "Bernoulli entropy": D.Bernoulli(probs).entropy(),
        "KL Bernoulli Bernoulli": D.kl_divergence(D.Bernoulli(probs), D.Bernoulli(q_probs)),
        "OneHotCategorical log_prob": D.OneHotCategorical(logits=logits).log_prob(one_hot),
        "KL OneHotCategorical": D.kl_divergence(
            D.OneHotCategorical(logits=logits), D.OneHotCategorical(logits=logits.flip(1))
        ),
        "Exponential log_prob": D.Exponential(rate).log_prob(positive_value),
        "Exponential cdf": D.Exponential(rate).cdf(positive_value),
        "KL Exponential Exponential": D.kl_divergence(D.Exponential(rate), D.Exponential(q_rate)),
        "Laplace log_prob": D.Laplace(loc, scale).log_prob(value),
        "Laplace cdf": D.Laplace(loc, scale).cdf(value),
        "KL Laplace Laplace": D.kl_divergence(D.Laplace(loc, scale), D.Laplace(q_loc, q_scale)),
        "Uniform entropy": D.Uniform(low, high).entropy(),
        "KL Uniform Uniform": D.kl_divergence(
            D.Uniform(low, high), D.Uniform(low.detach() - 1, high.detach() + 2)
        ),
        "Uniform cdf": D.Uniform(low - 3, high + 3).cdf(value),
    }
    leaves = {"loc": loc, "raw_scale": raw_scale, "q_loc": q_loc, "q_scale": q_scale, "probs": probs}
    leaves |= {
        "q_probs": q_probs,
        "rate": rate,
        "q_rate": q_rate,
        "low": low,
        "high": high,
        "logits": logits,
    }
    records = []
    for label, term in terms.items():
        records.append((label, numpy(term)))
        grads = torch.autograd.grad(term.sum(), list(leaves.values()), allow_unused=True, retain_graph=True)
        records += [(f"{label} d/{name}", numpy(g)) for name, g in zip(leaves, grads) if g is not None]
    return records


PROGRAMS_DISTRIBUTIONS = {
    "reinforce": (reinforce, "REINFORCE update: policy MLP, Categorical log_prob and entropy, Adam"),
    "distributions": (
        distributions,
        "Normal, Bernoulli, OneHot, Uniform, Exponential, Laplace, Independent, KLs",
    ),
}
