"""Knowledge distillation (Hinton et al., 2015): a small student learns from a large teacher's outputs.

A trained teacher's logits say more than the label: that a "3" looks a bit
like an "8" and not at all like a "1". Softened by a temperature ``T`` (the
logits divided by ``T`` before the softmax), they become *soft targets*, and
the student is trained on a mix of matching them and the usual hard labels:

    loss = α · T² · KL(softmax(t / T) ‖ softmax(s / T)) + (1 − α) · CE(s, y)

``T²`` keeps the soft term's gradient on the scale of the hard one's as ``T``
grows (the gradients of the softened softmax shrink by ``1/T²``). The loss is
composed of recorded tt-autograd operations, so it differentiates like any
other (a gradient test checks it).

Example:
    >>> import tt_autograd as autograd
    >>> s = autograd.tensor([[2.0, 0.5, -1.0]], requires_grad=True)
    >>> t = autograd.tensor([[2.0, 0.5, -1.0]])
    >>> float(distillation_loss(s, t, autograd.tensor([0]), alpha=1.0).item())  # the same logits: KL is 0
    0.0
"""

from __future__ import annotations

from tt_autograd import no_grad
from tt_nn import functional as F


def distillation_loss(student_logits, teacher_logits, target, temperature: float = 4.0, alpha: float = 0.9):
    """Hinton's distillation loss, a scalar averaged over the batch.

    Args:
        student_logits: ``(B, C)``, the network being trained.
        teacher_logits: ``(B, C)``, treated as constants (detached): only the student learns.
        target: ``(B,)`` class indices (unused when ``alpha == 1``).
        temperature: ``T > 0``; both distributions are ``softmax(logits / T)``.
        alpha: weight of the soft (teacher) term, in ``[0, 1]``.

    The KL term is averaged over the batch (PyTorch's ``kl_div(..., reduction="batchmean")``),
    like the cross-entropy, so the loss of a batch is the mean of its samples' losses.

    Cost: two log-softmaxes and one cross-entropy over ``(B, C)``, all recorded for backward.
    """
    if temperature <= 0:
        raise ValueError(f"distillation_loss: temperature must be positive, got {temperature}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"distillation_loss: alpha must lie in [0, 1], got {alpha}")
    if tuple(student_logits.shape) != tuple(teacher_logits.shape) or student_logits.ndim != 2:
        raise ValueError(
            f"distillation_loss: student logits {tuple(student_logits.shape)} and teacher logits "
            f"{tuple(teacher_logits.shape)} must have the same shape (batch, classes)"
        )
    # BEGIN SOLUTION 16
    # TODO: alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T)) + (1 - alpha) * cross_entropy
    #   (§ How it is built, distillation.py); the teacher gives no gradient (detach).
    # HINT: KL from log_softmax of both: sum p_t (log p_t - log p_s) per row, mean over the batch.
    teacher = teacher_logits.detach() / temperature
    log_p_teacher = F.log_softmax(teacher, dim=-1)
    log_p_student = F.log_softmax(student_logits / temperature, dim=-1)
    kl = (log_p_teacher.exp() * (log_p_teacher - log_p_student)).sum(dim=-1).mean()
    soft = kl * (temperature**2)
    if alpha == 1.0:
        return soft
    return soft * alpha + F.cross_entropy(student_logits, target) * (1 - alpha)
    # END SOLUTION


def distillation_step(
    student, teacher, inputs, target, optimizer, temperature: float = 4.0, alpha: float = 0.9
) -> float:
    """One training step of ``student`` on :func:`distillation_loss` against ``teacher``'s logits.

    The teacher runs in eval mode without recording a graph (it is not
    trained, and batch norm uses its running statistics); the student's
    gradients are zeroed, computed and applied by ``optimizer``. Returns the
    loss before the step. ``alpha=0`` is plain cross-entropy training (the
    baseline a distillation run is compared with), though the teacher still runs.

    Cost: one teacher forward, one student forward and backward, one optimizer step.
    """
    # BEGIN SOLUTION 16
    # TODO: one training step of the student on distillation_loss against the frozen teacher's logits
    #   (§ How it is built): teacher in eval mode under no_grad, then zero_grad, backward, step.
    # HINT: put the teacher back in the mode it was in; return the loss as a float.
    was_training = teacher.training
    teacher.eval()
    with no_grad():
        teacher_logits = teacher(inputs)
    teacher.train(was_training)
    loss = distillation_loss(student(inputs), teacher_logits, target, temperature, alpha)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return float(loss.item())
    # END SOLUTION
