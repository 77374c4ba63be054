"""Product name grammar, hash, standard/CUSTOM rule and the cube-grid / tide helpers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from gunw_workflow import config
from gunw_workflow.product import cubes as gc
from gunw_workflow.product import gunw_layout as L
from gunw_workflow.product import gunw_name
from gunw_workflow.product import solid_earth_tide as set_mod

GRFN = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "grfn-ingest" / "tests" / "data"
# the schema defaults of every product option, on a frame: a standard product
STANDARD_OPTIONS = {k: config.defaults()[k] for k in gunw_name.PRODUCT_OPTION_KEYS} | {"frame_id": 9847}


# granule2 of grfn-ingest is an edited fixture (S1B scenes in 2023), its label hash does not follow from its ids
@pytest.mark.parametrize("granule", ["granule1"])
def test_hash_and_time_match_real_v3_products(granule):
    """Real DAAC records: the label's hash and HHMMSS follow from the scene ids."""
    f = GRFN / granule / "sds_metadata.json"
    if not f.exists():
        pytest.skip("shared grfn-ingest data not available")
    meta = json.loads(f.read_text())
    label, m = meta["label"], meta["metadata"]
    fields = gunw_name.parse_name(label + ".nc")
    assert gunw_name.scene_hash(m["reference_scenes"], m["secondary_scenes"]) == fields["hash"]
    assert gunw_name.pass_centre(m["reference_scenes"]).strftime("%H%M%S") == fields["time"]
    assert gunw_name.name_problems(label + ".nc") == []


def test_hash_is_order_independent_within_a_pass():
    a, b = "S1A_X_1", "S1A_X_2"
    assert gunw_name.scene_hash([b, a], ["c"]) == gunw_name.scene_hash([a, b], ["c"])
    assert gunw_name.scene_hash([a], [b]) != gunw_name.scene_hash([b], [a])


@pytest.mark.parametrize(
    "west, south, token",
    [
        (46.5, 46.5, "00046E_00046N"),
        (47.5, -71.5, "00048E_00072S"),
        (0.0, 0.2, "00000W_00000N"),
        (-118.02, 34.91, "00118W_00035N"),
    ],
)
def test_lon_lat_token_round_half_even(west, south, token):
    assert gunw_name.lon_lat_token(west, south) == token


@pytest.mark.parametrize("key, value", [(k, v) for k, v in [
    ("estimate_ionosphere_delay", False), ("frame_id", -1), ("compute_solid_earth_tide", False),
    ("dense_offsets", True), ("unfiltered_coherence", False), ("esd_coherence_threshold", 0.85),
    ("goldstein_filter_power", 0.3), ("output_resolution", 30),
]])  # fmt: skip
def test_each_rule_makes_custom(key, value):
    assert gunw_name.prefix(STANDARD_OPTIONS) == "S1-GUNW"
    assert gunw_name.prefix(dict(STANDARD_OPTIONS, **{key: value})) == "S1-GUNW_CUSTOM"


def _pair(**kw):
    pair = {
        "reference_scenes": ["S1A_IW_SLC__1SDV_20200113T235950_20200114T000020_030176_037499_BBBB"],
        "secondary_scenes": ["S1A_IW_SLC__1SDV_20200101T235950_20200102T000020_030001_036EA1_AAAA"],
        "frame_id": 9847,
        "track": 64,
        "flight_direction": "DESCENDING",
        "extent_snwe": [-0.4, 1.0, -0.4, 1.0],
    }
    pair.update(kw)
    return pair


def test_name_midnight_crossing_uses_centre_date():
    name = gunw_name.product_name(_pair(), STANDARD_OPTIONS)
    assert name.startswith("S1-GUNW-D-R-064-tops-20200114_20200102-000005-00000W_00000S-PP-")
    assert gunw_name.name_problems(name) == []


def test_name_rejects_reversed_dates_and_bad_track():
    p = _pair()
    with pytest.raises(ValueError, match="later"):
        gunw_name.product_name(
            dict(p, reference_scenes=p["secondary_scenes"], secondary_scenes=p["reference_scenes"]),
            STANDARD_OPTIONS,
        )
    with pytest.raises(ValueError, match="track"):
        gunw_name.product_name(dict(p, track=0), STANDARD_OPTIONS)
    with pytest.raises(ValueError):
        gunw_name.version_token("2.0.4")


def test_schema_defaults_make_a_standard_product():
    """The standard rules of the reference tool and the schema defaults agree (only frame_id must be set)."""
    assert gunw_name.non_standard_reasons(STANDARD_OPTIONS) == []
    assert gunw_name.non_standard_reasons(dict(STANDARD_OPTIONS, frame_id=-1)) == ["frame_id=-1"]


@pytest.mark.parametrize("key", [k for k, _ in gunw_name.STANDARD_RULES])
def test_missing_option_is_an_error_naming_it(key):
    options = {k: v for k, v in STANDARD_OPTIONS.items() if k != key}
    with pytest.raises(L.MissingOptionError, match=f"'{key}'"):
        gunw_name.product_name(_pair(), options)


def test_grid_attributes_are_the_product_options():
    """/science/grids records exactly the product options (the rule's keys + frame_id) and the scenes."""
    assert set(L.GRID_PARAMS) == {
        "reference_scenes",
        "secondary_scenes",
        "frame_id",
        *gunw_name.PRODUCT_OPTION_KEYS,
    }


def test_cube_grid_rule_truncates_toward_zero():
    g = gc.cube_grid(-118.0173, 34.9115, -117.9828, 35.0884)
    assert g.lon[0] == pytest.approx(-118.2) and g.lon[-1] == pytest.approx(-117.6)
    assert g.lat[0] == pytest.approx(35.3) and g.lat[-1] == pytest.approx(34.7)
    g = gc.cube_grid(10.04, -1.95, 10.96, -1.05)  # other hemisphere: margins differ but stay >= 1 node
    assert g.lon[0] <= 10.04 - 0.1 and g.lon[-1] >= 10.96 + 0.1
    assert g.lat[-1] <= -1.95 - 0.1 and g.lat[0] >= -1.05 + 0.1


def test_tide_equals_pysolid_at_whole_seconds_and_interpolates_between():
    from pysolid.solid import solid_grid

    lat = np.array([35.3, 35.2, 35.1])
    lon = np.array([-118.2, -118.1])
    epoch = dt.datetime(2020, 1, 13, 14, 0, 0, 500000)
    t = np.array([[0.5, 1.5], [2.5, 3.5], [4.5, 10.5]])  # -> whole seconds 1, 2, 3, 4, 5, 11 after 14:00:00
    enu = set_mod.tide_enu(lat, lon, epoch, t)
    for i in range(3):
        for j in range(2):
            s = int(round(t[i, j] + 0.5))
            e, n, u = solid_grid(2020, 1, 13, 14, 0, s, lat[i], -0.1, 1, lon[j], 0.1, 1)
            np.testing.assert_allclose(enu[i, j], [e[0, 0], n[0, 0], u[0, 0]], atol=1e-12)
    half = set_mod.tide_enu(lat, lon, epoch, t + 0.5)  # halfway between whole seconds: linear mean
    after = set_mod.tide_enu(lat, lon, epoch, t + 1.0)
    np.testing.assert_allclose(half, (enu + after) / 2, atol=1e-12)


def test_los_projection_conventions():
    up = np.array([0.0, 0.0, 1.0])
    assert set_mod.los_projection(up, 0.0, 180.0) == pytest.approx(1.0)
    # ascending right-looking: LOS points west (azimuth 180 from East); eastward motion moves away (< 0)
    east = np.array([1.0, 0.0, 0.0])
    assert set_mod.los_projection(east, 30.0, 180.0) == pytest.approx(-0.5)
