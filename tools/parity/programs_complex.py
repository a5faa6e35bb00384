"""Parity programs for complex tensors and ``torch.fft``, written as PyTorch users write them.

``rotary``: LLaMA's rotary position embedding as Meta's ``llama/model.py`` writes it
(``precompute_freqs_cis`` with ``torch.polar``; ``apply_rotary_emb`` with
``view_as_complex``, a complex ``*``, ``view_as_real`` and ``flatten``) inside one
attention layer, trained a few SGD steps. ``spectral``: FNet's Fourier token mixing
(``fft`` over the hidden and the sequence dims, real part) and a Fourier neural
operator's spectral convolution (``rfft``, a complex weight stored as a real
``Parameter`` viewed with ``view_as_complex``, ``irfft``), trained with Adam.
``complex_linalg``: complex128 linear algebra of array processing (a sample covariance
whitened through its Cholesky factor, LAPACK's compact QR, LU, tensor equations, the older
``torch.svd``), one loss of them all and its gradients.
Each takes the framework as ``torch`` and returns ``[(label, numpy array), ...]``.
"""

from __future__ import annotations

import numpy as np
from programs import numpy, set_weights

DIM, HEADS, SEQ, BATCH = 16, 2, 6, 3


def _precompute_freqs_cis(torch, dim: int, end: int, theta: float = 10000.0):
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 2)[: (dim // 2)].float() / dim))
    t = torch.arange(end, device=freqs.device, dtype=torch.float32)
    freqs = torch.outer(t, freqs)
    return torch.polar(torch.ones_like(freqs), freqs)  # complex64


def _reshape_for_broadcast(freqs_cis, x):
    ndim = x.ndim
    assert freqs_cis.shape == (x.shape[1], x.shape[-1])
    shape = [d if i == 1 or i == ndim - 1 else 1 for i, d in enumerate(x.shape)]
    return freqs_cis.view(*shape)


def _apply_rotary_emb(torch, xq, xk, freqs_cis):
    xq_ = torch.view_as_complex(xq.float().reshape(*xq.shape[:-1], -1, 2))
    xk_ = torch.view_as_complex(xk.float().reshape(*xk.shape[:-1], -1, 2))
    freqs_cis = _reshape_for_broadcast(freqs_cis, xq_)
    xq_out = torch.view_as_real(xq_ * freqs_cis).flatten(3)
    xk_out = torch.view_as_real(xk_ * freqs_cis).flatten(3)
    return xq_out.type_as(xq), xk_out.type_as(xk)


def rotary(torch) -> list:
    """LLaMA's rotary embedding in one attention layer: loss, the q/k weights' gradients, SGD."""
    nn, F = torch.nn, torch.nn.functional
    head_dim = DIM // HEADS

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.wq = nn.Linear(DIM, DIM, bias=False)
            self.wk = nn.Linear(DIM, DIM, bias=False)
            self.wv = nn.Linear(DIM, DIM, bias=False)
            self.wo = nn.Linear(DIM, DIM, bias=False)

        def forward(self, x, freqs_cis):
            bsz, seqlen, _ = x.shape
            xq = self.wq(x).view(bsz, seqlen, HEADS, head_dim)
            xk = self.wk(x).view(bsz, seqlen, HEADS, head_dim)
            xv = self.wv(x).view(bsz, seqlen, HEADS, head_dim)
            xq, xk = _apply_rotary_emb(torch, xq, xk, freqs_cis=freqs_cis)
            xq, xk, xv = xq.transpose(1, 2), xk.transpose(1, 2), xv.transpose(1, 2)
            scores = torch.matmul(xq, xk.transpose(2, 3)) / head_dim**0.5
            mask = torch.triu(torch.full((seqlen, seqlen), float("-inf")), diagonal=1)
            scores = F.softmax((scores + mask).float(), dim=-1).type_as(xq)
            output = torch.matmul(scores, xv).transpose(1, 2).contiguous().view(bsz, seqlen, -1)
            return self.wo(output)

    model = Attention()
    set_weights(torch, model, 31, scale=0.3)
    freqs_cis = _precompute_freqs_cis(torch, head_dim, SEQ * 2)[:SEQ]
    rng = np.random.default_rng(32)
    x = torch.from_numpy(rng.standard_normal((BATCH, SEQ, DIM)).astype(np.float32))
    target = torch.from_numpy(rng.standard_normal((BATCH, SEQ, DIM)).astype(np.float32))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    records = [("freqs_cis", numpy(torch.view_as_real(freqs_cis)))]
    for step in range(4):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x, freqs_cis), target)
        loss.backward()
        records += [(f"loss {step}", numpy(loss)), (f"wq grad {step}", numpy(model.wq.weight.grad))]
        records.append((f"wk grad {step}", numpy(model.wk.weight.grad)))
        optimizer.step()
    return records


def spectral(torch) -> list:
    """FNet's Fourier mixing and an FNO spectral convolution (a complex weight as a real Parameter), Adam."""
    nn, F = torch.nn, torch.nn.functional
    modes = 3

    class SpectralBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.mix_in = nn.Linear(DIM, DIM)
            self.weights = nn.Parameter(torch.empty(DIM, modes, 2))  # complex, stored as (re, im)
            self.out = nn.Linear(DIM, 1)

        def forward(self, x):
            x = torch.fft.fft(torch.fft.fft(self.mix_in(x), dim=-1), dim=-2).real  # FNet
            x_ft = torch.fft.rfft(x.transpose(1, 2), norm="ortho")  # (batch, DIM, SEQ // 2 + 1)
            out_ft = torch.zeros_like(x_ft)
            out_ft[:, :, :modes] = x_ft[:, :, :modes] * torch.view_as_complex(self.weights)
            x = torch.fft.irfft(out_ft, n=SEQ, norm="ortho").transpose(1, 2)
            return self.out(F.gelu(x)).squeeze(-1)

    model = SpectralBlock()
    set_weights(torch, model, 33, scale=0.3)
    rng = np.random.default_rng(34)
    x = torch.from_numpy(rng.standard_normal((BATCH, SEQ, DIM)).astype(np.float32))
    target = torch.from_numpy(rng.standard_normal((BATCH, SEQ)).astype(np.float32))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    records = []
    for step in range(4):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), target)
        loss.backward()
        records += [
            (f"loss {step}", numpy(loss)),
            (f"spectral weights grad {step}", numpy(model.weights.grad)),
        ]
        records.append((f"mix_in grad {step}", numpy(model.mix_in.weight.grad)))
        optimizer.step()
    spectrum = torch.fft.fftshift(torch.fft.fft2(x[0]), dim=(-2, -1))
    return records + [("fft2 |spectrum|", numpy(spectrum.abs())), ("fftfreq", numpy(torch.fft.fftfreq(SEQ)))]


def _parts(torch, t) -> np.ndarray:
    """A complex tensor's real and imaginary parts as one real array (``(..., 2)``)."""
    return numpy(torch.view_as_real(t.resolve_conj()))


def complex_linalg(torch) -> list:
    """Array-processing linear algebra in complex128: a sample covariance whitened through its Cholesky
    factor, LAPACK's compact QR, LU, tensor equations and the older SVD, with gradients."""
    rng = np.random.default_rng(35)

    def normal(*shape):
        return torch.from_numpy(rng.standard_normal(shape) + 1j * rng.standard_normal(shape))

    signals, mixing, scales = normal(BATCH, 8, 4), normal(4, 4), normal(BATCH, 3)
    for leaf in (signals, mixing, scales):
        leaf.requires_grad_()
    x = signals @ mixing  # (batch, samples, channels)
    covariance = x.mH @ x / 8 + torch.eye(4, dtype=torch.complex128)  # Hermitian positive-definite
    factor, info = torch.linalg.cholesky_ex(covariance)
    white = torch.cholesky_solve(x.mH, factor)  # covariance^{-1} x^H
    precision = torch.cholesky_inverse(factor, upper=False)
    upper_solution = torch.cholesky_solve(x.mH, factor.mH, upper=True)
    reflectors, tau = torch.geqrf(x.detach())  # no derivative (as PyTorch)
    q_of_x = torch.linalg.householder_product(x[..., :4, :3], scales)  # reflectors from the signals
    rotated = torch.ormqr(reflectors, tau, white.mH, transpose=True)  # Q^H (covariance^{-1} x^H)^H
    p, lower, upper = torch.lu_unpack(*torch.linalg.lu_factor(covariance))
    solved = torch.triangular_solve(white[..., :2], upper, upper=True, transpose=True).solution
    tensor_x = torch.linalg.tensorsolve(covariance[0].reshape(2, 2, 4), x[0, 0].reshape(2, 2))
    tensor_inverse = torch.linalg.tensorinv(covariance[1].reshape(2, 2, 4), ind=2)
    u, s, v = torch.svd(x)
    rank_two = (u[..., :2] * s[..., None, :2]) @ v[..., :2].mH  # free of the vectors' phases
    loss = (
        white.abs().sum()
        + precision.real.sum()
        + upper_solution.imag.sum()
        + q_of_x.imag.sum()
        + rotated.abs().pow(2).sum()
        + (lower.real.sum() + upper.imag.sum()) / 10
        + solved.real.sum()
        + tensor_x.abs().sum()
        + tensor_inverse.imag.sum()
        + rank_two.real.sum()
        + s.sum()
    )
    loss.backward()
    exact = normal(6, 2) @ normal(2, 5)  # rank 2: the randomised SVD is exact, whatever the sketch
    low_rank_s = torch.svd_lowrank(exact, q=2)[1]
    return [
        ("loss", numpy(loss)),
        ("cholesky_ex L", _parts(torch, factor)),
        ("cholesky_ex info", numpy(info)),
        ("geqrf a", _parts(torch, reflectors)),
        ("geqrf tau", _parts(torch, tau)),
        ("householder_product", _parts(torch, q_of_x)),
        ("lu_unpack P", _parts(torch, p)),
        ("tensorinv", _parts(torch, tensor_inverse)),
        ("svd S", numpy(s)),
        ("svd_lowrank S (exact rank 2)", numpy(low_rank_s)),
        ("signals grad", _parts(torch, signals.grad)),
        ("mixing grad", _parts(torch, mixing.grad)),
        ("scales grad", _parts(torch, scales.grad)),
    ]


PROGRAMS_COMPLEX = {
    "rotary": (rotary, "llama/model.py's rotary embedding: polar, view_as_complex, complex *, view_as_real"),
    "spectral": (
        spectral,
        "FNet mixing (fft, .real) and an FNO spectral conv (rfft, view_as_complex weight, irfft)",
    ),
    "complex_linalg": (
        complex_linalg,
        "complex128 cholesky_ex/solve/inverse, geqrf, householder_product, ormqr, lu_unpack, "
        "triangular_solve, tensorsolve/tensorinv, svd, svd_lowrank, with gradients",
    ),
}
