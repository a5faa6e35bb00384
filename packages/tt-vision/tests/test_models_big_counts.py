"""The larger EfficientNets and RegNets have torchvision's published parameter counts (its weights'
``meta["num_params"]``). Kept apart from test_models_efficientnet.py and test_models_regnet.py because
building them takes seconds each (tens of millions of parameters, initialised). regnet_y_128gf
(644,812,894 parameters, 2.6 GB in float32) is not built here. Not course material.
"""

from __future__ import annotations

import gc

import pytest
from tt_vision import models

COUNTS = {
    "efficientnet_b3": 12_233_232,
    "efficientnet_b4": 19_341_616,
    "efficientnet_b5": 30_389_784,
    "efficientnet_b6": 43_040_704,
    "efficientnet_b7": 66_347_960,
    "efficientnet_v2_m": 54_139_356,
    "efficientnet_v2_l": 118_515_272,
    "regnet_y_3_2gf": 19_436_338,
    "regnet_y_8gf": 39_381_472,
    "regnet_y_16gf": 83_590_140,
    "regnet_y_32gf": 145_046_770,
    "regnet_x_1_6gf": 9_190_136,
    "regnet_x_3_2gf": 15_296_552,
    "regnet_x_8gf": 39_572_648,
    "regnet_x_16gf": 54_278_536,
    "regnet_x_32gf": 107_811_560,
}


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_parameter_count_is_torchvisions(name):
    model = models.get_model(name)
    assert sum(p.numel() for p in model.parameters()) == COUNTS[name]
    del model
    gc.collect()
