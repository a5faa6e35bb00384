"""``torch.backends`` on a CPU-only library: the switches scripts set, with nothing behind them.

nanoGPT's ``train.py`` sets ``torch.backends.cuda.matmul.allow_tf32 = True``
and ``torch.backends.cudnn.allow_tf32 = True`` before anything else; here
those flags are plain attributes that NumPy's float32 matmul ignores (it
never uses TF32). ``mps.is_available()`` is False. ``quantized.engine`` (the
quantization tutorials set it to ``"x86"`` or ``"qnnpack"``) is recorded only: every
quantized layer runs module 15's exact integer arithmetic, whatever it says.
"""

from __future__ import annotations

from types import SimpleNamespace

cuda = SimpleNamespace(matmul=SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True))
cudnn = SimpleNamespace(allow_tf32=True, benchmark=False, deterministic=False, enabled=False)
mps = SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
quantized = SimpleNamespace(engine="x86", supported_engines=["none", "onednn", "x86", "fbgemm", "qnnpack"])
