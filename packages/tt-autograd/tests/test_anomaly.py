"""Anomaly detection: ``detect_anomaly()`` stops backward at the first node that returns NaN, naming it,
and shows where forward created that node (PyTorch's ``torch.autograd.detect_anomaly``)."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import anomaly
from tt_autograd.function import _CALL_HOOKS
from tt_autograd.gradients import grad

NAN_MESSAGE = r"Function 'SqrtBackward0' returned nan values in its 0th output\."


def sqrt_times_zero(x):
    y = x.sqrt()  # FORWARD-LINE: the gradient of sqrt at 0 is inf; times 0, NaN
    return (y * 0).sum()


def forward_line():
    with open(__file__) as source:
        return next(n for n, line in enumerate(source, 1) if "# FORWARD-LINE" in line and "y = " in line)


@pytest.fixture
def caught():
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        yield records


def messages(records, category=UserWarning):
    return [str(r.message) for r in records if issubclass(r.category, category)]


@pytest.mark.parametrize("walk", ["backward", "create_graph", "grad", "grad_create_graph"])
def test_nan_gradient_raises_naming_the_node_and_warns_with_the_forward_line(walk, caught):
    x = autograd.tensor([0.0, 4.0], requires_grad=True)
    with anomaly.detect_anomaly():
        loss = sqrt_times_zero(x)
        with pytest.raises(RuntimeError, match=NAN_MESSAGE), np.errstate(all="ignore"):
            if walk == "backward":
                loss.backward()
            elif walk == "create_graph":
                loss.backward(create_graph=True)
            else:
                grad(loss, x, create_graph=walk == "grad_create_graph")
    reports = [m for m in messages(caught) if m.startswith("Error detected in SqrtBackward0")]
    assert len(reports) == 1
    report = reports[0]
    (record,) = [r for r in caught if str(r.message) == report]
    assert record.filename == __file__  # the warning points at the backward() call
    assert "Traceback of forward call that caused the error:" in report
    assert f'File "{__file__}", line {forward_line()}, in sqrt_times_zero' in report
    assert "y = x.sqrt()" in report
    assert "tt_autograd" not in report  # trimmed to the user's frames
    assert x.grad is None


def test_entering_warns_that_the_mode_is_slow_and_leaving_restores_the_mode(caught):
    assert not anomaly.is_anomaly_enabled()
    with anomaly.detect_anomaly(check_nan=False):
        assert anomaly.is_anomaly_enabled() and not anomaly.is_anomaly_check_nan_enabled()
    assert not anomaly.is_anomaly_enabled() and anomaly.is_anomaly_check_nan_enabled()
    (slow,) = [r for r in caught if str(r.message).startswith("Anomaly Detection has been enabled.")]
    assert slow.filename == __file__  # the warning points at the caller's line


def test_check_nan_false_lets_nan_through(caught):
    x = autograd.tensor([0.0], requires_grad=True)
    with anomaly.detect_anomaly(check_nan=False), np.errstate(all="ignore"):
        sqrt_times_zero(x).backward()
    assert np.isnan(x.grad.detach().numpy()).all()


def test_set_detect_anomaly_is_a_switch_and_a_context():
    anomaly.set_detect_anomaly(True)
    try:
        assert anomaly.is_anomaly_enabled()
        with anomaly.set_detect_anomaly(False):
            assert not anomaly.is_anomaly_enabled()
        assert anomaly.is_anomaly_enabled()
    finally:
        anomaly.set_detect_anomaly(False)
    assert not anomaly.is_anomaly_enabled()


def test_a_node_made_outside_the_mode_is_still_checked_but_has_no_forward_trace(caught):
    x = autograd.tensor([0.0], requires_grad=True)
    loss = sqrt_times_zero(x)
    with anomaly.detect_anomaly(), pytest.raises(RuntimeError, match=NAN_MESSAGE), np.errstate(all="ignore"):
        loss.backward()
    assert any(
        m.startswith("Error detected in SqrtBackward0. No forward pass information available.")
        for m in messages(caught)
    )


def test_any_error_of_a_node_comes_with_its_forward_trace(caught):
    class Broken(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            raise ArithmeticError("broken rule")

    x = autograd.tensor([1.0], requires_grad=True)
    with anomaly.detect_anomaly(), pytest.raises(ArithmeticError, match="broken rule"):
        Broken.apply(x).sum().backward()
    assert any(m.startswith("Error detected in BrokenBackward. Traceback") for m in messages(caught))


@pytest.mark.parametrize("walk", ["backward", "create_graph", "grad"])
def test_a_failing_hook_comes_with_the_forward_trace_of_its_tensor_s_node(walk, caught):
    x = autograd.tensor([1.0], requires_grad=True)
    with anomaly.detect_anomaly():
        y = x.exp()
        y.register_hook(lambda g: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            if walk == "grad":
                grad(y.sum(), x)
            else:
                y.sum().backward(create_graph=walk == "create_graph")
    (record,) = [r for r in caught if str(r.message).startswith("Error detected in ExpBackward0. Traceback")]
    assert "y = x.exp()" in str(record.message)
    assert record.filename == __file__


def test_decorator_form_and_finite_gradients_pass(caught):
    @anomaly.detect_anomaly()
    def step(x):
        assert anomaly.is_anomaly_enabled()
        (x.exp() * x).sum().backward()

    x = autograd.tensor([0.0, 1.0], requires_grad=True)
    step(x)
    np.testing.assert_allclose(x.grad.detach().numpy(), [1.0, 2 * np.e])
    assert not anomaly.is_anomaly_enabled()


def test_off_it_costs_nothing_and_records_nothing():
    hooks_before = list(_CALL_HOOKS)
    with anomaly.set_detect_anomaly(True):
        assert len(_CALL_HOOKS) == len(hooks_before) + 1
        on = autograd.tensor([1.0], requires_grad=True) * 2
    assert _CALL_HOOKS == hooks_before
    off = autograd.tensor([1.0], requires_grad=True) * 2
    assert on.grad_fn.forward_trace is not None
    assert off.grad_fn.forward_trace is None
    assert "backward" not in vars(off.grad_fn)  # backward calls the Function's rule directly
    with np.errstate(all="ignore"):
        sqrt_times_zero(autograd.tensor([0.0], requires_grad=True)).backward()  # NaN, unchecked


POW_NAN = r"Function 'PowBackward0' returned nan values in its 0th output\."
INDUCED = "Previous calculation was induced by PowBackward0. Traceback of forward call that induced the"


def line_of(marker):
    with open(__file__) as source:
        return next(n for n, line in enumerate(source, 1) if line.rstrip().endswith(f"# {marker}"))


def reports(caught):
    return [m for m in messages(caught) if "Error detected in" in m or "Previous calculation" in m]


def second_derivative_nan(x, walk):
    """x**1.5 differentiated twice, the second pass weighted by 0: 0 * inf at x = 0 in the node (a
    PowBackward0, x**0.5) that the first, recorded pass made."""
    y = x.pow(1.5)  # FORWARD-POW
    (first,) = grad(y.sum(), x, create_graph=True)  # FIRST-GRAD
    weighted = (first * autograd.tensor([0.0, 1.0])).sum()
    with pytest.raises(RuntimeError, match=POW_NAN), np.errstate(all="ignore"):
        if walk == "backward":
            weighted.backward()
        else:
            grad(weighted, x)


@pytest.mark.parametrize("walk", ["backward", "grad"])
def test_a_nan_second_derivative_names_the_op_that_induced_the_failing_one(walk, caught):
    x = autograd.tensor([0.0, 1.0], requires_grad=True)
    with anomaly.detect_anomaly():
        second_derivative_nan(x, walk)
    failing, induced = reports(caught)  # PyTorch's order: the failing node, then the one that recorded it
    caused = "Error detected in PowBackward0. Traceback of forward call that caused the error:\n"
    assert failing.startswith(caused)
    assert f"line {line_of('FIRST-GRAD')}, in second_derivative_nan" in failing
    assert "(first,) = grad(y.sum(), x, create_graph=True)" in failing and "x.pow(1.5)" not in failing
    assert induced.startswith("\n\n" + INDUCED + " previous calculation:\n")
    assert f"line {line_of('FORWARD-POW')}, in second_derivative_nan" in induced
    assert "y = x.pow(1.5)" in induced and "create_graph" not in induced
    assert "tt_autograd" not in failing + induced
    records = [r for r in caught if str(r.message) in (failing, induced)]
    assert {r.filename for r in records} == {__file__}  # both at the user's backward call


def test_a_third_derivative_chains_back_to_the_forward_op(caught):
    x = autograd.tensor([0.0, 1.0], requires_grad=True)
    with anomaly.detect_anomaly():
        y = x.pow(2.5)  # FORWARD-POW-2.5
        (first,) = grad(y.sum(), x, create_graph=True)  # FIRST-OF-THREE
        (second,) = grad(first.sum(), x, create_graph=True)  # SECOND-OF-THREE
        with pytest.raises(RuntimeError, match=POW_NAN), np.errstate(all="ignore"):
            (second * autograd.tensor([0.0, 1.0])).sum().backward()
    failing, by_first, by_forward = reports(caught)
    assert f"line {line_of('SECOND-OF-THREE')}," in failing and "Error detected in PowBackward0" in failing
    assert by_first.startswith("\n\n" + INDUCED) and f"line {line_of('FIRST-OF-THREE')}," in by_first
    assert by_forward.startswith("\n\n" + INDUCED) and f"line {line_of('FORWARD-POW-2.5')}," in by_forward


def test_an_inducing_op_recorded_outside_the_mode_has_no_forward_information(caught):
    x = autograd.tensor([0.0, 1.0], requires_grad=True)
    y = x.pow(1.5)
    with anomaly.detect_anomaly():
        (first,) = grad(y.sum(), x, create_graph=True)
        with pytest.raises(RuntimeError, match=POW_NAN), np.errstate(all="ignore"):
            (first * autograd.tensor([0.0, 1.0])).sum().backward()
    failing, induced = reports(caught)
    assert failing.startswith("Error detected in PowBackward0. Traceback of forward call")
    assert induced == (  # PyTorch's wording, for the inducing node too
        "Error detected in PowBackward0. No forward pass information available. Enable detect anomaly during "
        "forward pass for more information."
    )


def test_only_nodes_recorded_during_a_backward_are_induced(caught):
    x = autograd.tensor([0.0, 1.0], requires_grad=True)
    with anomaly.detect_anomaly():
        second_derivative_nan(x, "backward")  # a create_graph pass, then a failing one
        caught.clear()
        with pytest.raises(RuntimeError, match=NAN_MESSAGE), np.errstate(all="ignore"):
            sqrt_times_zero(x).backward()  # recorded in forward, after both
        (only,) = reports(caught)
    assert only.startswith("Error detected in SqrtBackward0. Traceback")
    (outside,) = grad((x * x).sum(), x, create_graph=True)  # outside the mode: nothing is kept
    assert outside.grad_fn.induced_by is None and outside.grad_fn.forward_trace is None


def test_the_running_node_is_per_thread(caught):
    made = {}

    class RecordsInAThread(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):  # a node recorded here, in this thread, is induced by this one; elsewhere not
            with autograd.enable_grad():
                made["here"] = autograd.tensor([1.0], requires_grad=True) * 2
                worker = threading.Thread(target=lambda: made.setdefault("there", made["here"] * 3))
                worker.start()
                worker.join()
            return (g,)

    x = autograd.tensor([1.0], requires_grad=True)
    with anomaly.detect_anomaly():
        RecordsInAThread.apply(x).backward(autograd.tensor([1.0]))
    assert type(made["here"].grad_fn.induced_by) is RecordsInAThread
    assert made["there"].grad_fn.forward_trace is not None and made["there"].grad_fn.induced_by is None
