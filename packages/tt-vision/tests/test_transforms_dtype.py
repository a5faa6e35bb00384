"""``convert_image_dtype`` and ``ConvertImageDtype``: torchvision's rescaling between int and float images.

Beyond module 08's exercises: no module number. Expected values follow torchvision 0.28's
``convert_image_dtype`` (checked against it on random images of every pair below, outside the
repository: equal everywhere); the few pinned here are worked out by hand and are torchvision's.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor
from tt_vision.transforms import ConvertImageDtype
from tt_vision.transforms_color_functional import convert_image_dtype


def test_int_to_float_divides_by_the_largest_value():
    pixels = np.array([[[0, 51, 255]]], np.uint8)
    out = convert_image_dtype(pixels, tt_tensor.float32)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.array([[[0, 51, 255]]], np.float32) / np.float32(255))
    wide = convert_image_dtype(np.array([[[0, 32767]]], np.int16), np.float64)
    np.testing.assert_array_equal(wide, [[[0.0, 1.0]]])


def test_float_to_int_splits_the_unit_interval_into_equal_bins():
    values = np.array([[[0.0, 0.5, 0.99, 1 / 256, 0.999, 1.0]]], np.float32)
    # x * 255.999, truncated: 0.5 -> 127.9995 -> 127; 1/256 -> 0.99999 -> 0; only 1.0 reaches 255
    np.testing.assert_array_equal(
        convert_image_dtype(values, tt_tensor.uint8), [[[0, 127, 253, 0, 255, 255]]]
    )
    assert convert_image_dtype(values, tt_tensor.uint8)[0, 0, 4] == 255  # 0.999 * 255.999 = 255.74
    assert (
        convert_image_dtype(np.float32([[[0.9961]]]), np.uint8)[0, 0, 0] == 255
    )  # 255.0006 (· 255.998: 254)
    halves = convert_image_dtype(np.array([[[0.5, 1.0]]]), np.int16)  # x * 32767.999
    np.testing.assert_array_equal(halves, [[[16383, 32767]]])
    assert convert_image_dtype(np.array([[[0.5]]]), np.int32)[0, 0, 0] == 1073741823  # float64 to int32


def test_int_to_int_multiplies_or_floor_divides_by_the_ratio_of_ranges():
    np.testing.assert_array_equal(
        convert_image_dtype(np.array([[[1, 255]]], np.uint8), np.int16), [[[128, 32640]]]
    )
    np.testing.assert_array_equal(
        convert_image_dtype(np.array([[[255, 32767]]], np.int16), np.uint8), [[[1, 255]]]
    )
    np.testing.assert_array_equal(convert_image_dtype(np.array([[[127]]], np.int8), np.uint8), [[[254]]])
    # factors 2 ** 23 both ways (not 2 ** 31 // 255), and a floor division, as torch's, for negative values
    assert convert_image_dtype(np.array([[[2**30]]], np.int32), np.uint8)[0, 0, 0] == 128
    assert convert_image_dtype(np.array([[[1]]], np.uint8), np.int32)[0, 0, 0] == 8388608
    assert convert_image_dtype(np.array([[[-300]]], np.int16), np.int8)[0, 0, 0] == -2


def test_same_dtype_passes_float_casts_and_tensors_stay_tensors():
    image = autograd.rand(2, 3, 4, 4)
    assert convert_image_dtype(image, tt_tensor.float32) is image
    doubled = ConvertImageDtype(tt_tensor.float64)(image)
    assert isinstance(doubled, autograd.Tensor) and doubled.dtype == tt_tensor.float64
    np.testing.assert_array_equal(doubled.numpy(), image.numpy().astype(np.float64))
    pixels = ConvertImageDtype(tt_tensor.uint8)(image)
    assert isinstance(pixels, autograd.Tensor) and pixels.dtype == tt_tensor.uint8
    assert repr(ConvertImageDtype(tt_tensor.uint8)) == "ConvertImageDtype(dtype=tt.uint8)"
    assert convert_image_dtype(np.zeros((1, 2, 2), np.uint8)).dtype == np.float32  # the default


@pytest.mark.parametrize(
    ("source", "target"), [(np.float32, np.int32), (np.float32, np.int64), (np.float64, np.int64)]
)
def test_unsafe_float_to_int_casts_are_refused(source, target):
    with pytest.raises(
        RuntimeError, match="convert_image_dtype: the cast from .* cannot be performed safely"
    ):
        convert_image_dtype(np.zeros((1, 2, 2), source), target)


def test_bool_and_complex_images_are_refused():
    with pytest.raises(
        TypeError, match="convert_image_dtype: converts between int and float images, got bool"
    ):
        convert_image_dtype(np.zeros((1, 2, 2), bool), np.float32)
    with pytest.raises(TypeError, match="got float32 to complex64"):
        convert_image_dtype(np.zeros((1, 2, 2), np.float32), np.complex64)
