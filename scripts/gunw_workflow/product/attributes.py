"""The functions behind every ``Computed`` attribute of the layout table (global and variable attributes).

The table (``gunw_layout.GLOBALS`` and the variables' ``attrs``) says which attributes exist, their fixed values
and, for the others, the name of the function here that computes them from one packaging run (:class:`Run`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from shapely.geometry import box

from gunw_workflow.product import gunw_layout as L
from gunw_workflow.product import gunw_name, layers


@dataclass
class Run:
    """What one packaging run knows when its attributes are computed."""

    pair: dict
    options: dict
    properties: dict  # the run's topsApp properties
    config: dict | None
    layers: set[str]
    data: dict  # layers.read_layers() output
    water: np.ndarray | None  # True = water, on the data grid
    water_mask: Path | None
    swapped: bool
    isce_version: str
    workflow_version: str
    test_double: str | None  # what the ISCE2 test double wrote of itself in the logs; None for real ISCE2
    baselines: tuple[list, list]  # (parallel, perpendicular) of topsProc.xml


def finite_mean(values) -> float:
    a = np.asarray(values, dtype=float)
    a = a[np.isfinite(a)]
    return float(a.mean()) if a.size else float("nan")


def _mean_of_data(run: Run, layer: str, land_only: bool = False) -> float:
    """Mean over the pixels with data (0 = no data), optionally only where the water mask says land."""
    a = run.data["values"][layer]
    keep = a != 0
    if land_only:
        keep &= ~run.water
    return finite_mean(a[keep])


def wrap_degrees(x: float) -> float:
    """An angle in degrees wrapped to (-180, 180]."""
    return float(180.0 - (180.0 - x) % 360.0)


def circular_mean_degrees(values) -> float:
    """Mean direction of finite angles in degrees, in (-180, 180]; NaN if there are none."""
    a = np.radians(np.asarray(values, dtype=float))
    a = a[np.isfinite(a)]
    if not a.size:
        return float("nan")
    return wrap_degrees(float(np.degrees(np.arctan2(np.sin(a).mean(), np.cos(a).mean()))))


def _mean_azimuth_angle(run: Run) -> float:
    """Mean of ISCE's LOS azimuth (from north) + 90 (ARIA's, from east), as a direction in (-180, 180]."""
    az = run.data["los"][1]
    return circular_mean_degrees(az[az != 0] + 90.0)


def _processing_engine(run: Run) -> str:
    if run.test_double:
        return f"ISCE2 test double, not ISCE2: {run.test_double}"
    return f"ISCE2 {run.isce_version} topsApp.py"


def _source_statement(run: Run) -> str:
    return (
        "Contains modified Copernicus Sentinel data processed by ESA and ARIA NASA/JPL"
        f" using the gunw-snakemake workflow version {run.workflow_version} with {_processing_engine(run)}"
    )


def _percent_unwrapped(run: Run) -> float:
    """Share of pixels with data (connected component >= 0) in a component >= 1: a mostly-0 product is garbage."""
    cc = np.asarray(run.data["values"][L.CONNCOMP_LAYER])
    has_data = cc >= 0
    return float(100.0 * (cc[has_data] >= 1).mean()) if has_data.any() else 0.0


def _number_of_connected_components(run: Run) -> int:
    cc = np.asarray(run.data["values"][L.CONNCOMP_LAYER])
    return int(len(np.unique(cc[cc >= 1])))


def _product_geometry_wkt(run: Run) -> str:
    if run.pair.get("extent_wkt"):
        return run.pair["extent_wkt"]
    s, n, w, e = run.pair["extent_snwe"]
    return box(w, s, e, n).wkt


def _file_name(layer: str) -> str:
    return Path(L.layer_var(layer).source.file).name


def _ionosphere_processing_steps(run: Run) -> str:
    factor = L.iono_factor(run.data["grid"].dy)
    return (
        "ISCE2 subband, water mask on the sub-band interferograms, ISCE2 rawion (snaphu), integer-cycle bridging, "
        "component-0 mask, split-spectrum ionosphere, modified adaptive Gaussian filter, interferogram grid, geocode "
        f"({_file_name('ionosphere')}), zeros -> NaN, NaN-aware box mean "
        f"down-sampling by {factor} onto a ~1 km grid, NaN where {L.NO_CONNCOMP}"
    )


def _burst_ramps_processing_steps(run: Run) -> str:
    minus = L.layer_var("ionosphereBurstRamps").source.minus
    return (
        "ISCE2 ionosphere_shift, ion2grd; burst ionosphere merged and geocoded: "
        f"{_file_name('ionosphereBurstRamps')} - {_file_name(minus)} (zeros -> NaN; NaN within "
        f"{layers.DIFFERENCE_EDGE_PX} pixels of the data's edge)"
    )


# topsApp properties of the ionosphere looks: (azimuth, range) of the total and of the first (unwrapping) stage
ION_LOOKS = {
    "total": (
        "total number of azimuth looks in the ionosphere processing",
        "total number of range looks in the ionosphere processing",
    ),
    "first_stage": (
        "number of azimuth looks at first stage for ionosphere phase unwrapping",
        "number of range looks at first stage for ionosphere phase unwrapping",
    ),
}


def _ionosphere_looks(run: Run, stage: str) -> np.ndarray:
    """[azimuth, range] looks of an ionosphere stage, as the reference tool records them."""
    missing = [k for k in ION_LOOKS[stage] if run.properties.get(k) is None]
    if missing:
        raise ValueError(f"the topsApp properties of an ionosphere run lack {missing}")
    return np.array([int(run.properties[k]) for k in ION_LOOKS[stage]], dtype=np.int32)


def _json(obj) -> str:
    return json.dumps(gunw_name.sanitise(obj), sort_keys=True, default=str)


COMPUTED = {
    "layout_version": lambda run: L.layout_version(run.layers),
    "source_statement": _source_statement,
    "frame_id": lambda run: int(L.option(run.options, "frame_id")),
    "workflow_version": lambda run: run.workflow_version,
    "workflow_config": lambda run: _json(run.config or {}),
    "product_options": lambda run: _json(run.options),
    "isce_version": lambda run: run.isce_version,
    "roles_swapped": lambda run: np.int8(1 if run.swapped else 0),
    "mean_coherence": lambda run: _mean_of_data(run, "coherence"),
    "mean_incidence_angle": lambda run: finite_mean(run.data["los"][0][run.data["los"][0] != 0]),
    "mean_azimuth_angle": _mean_azimuth_angle,
    "processing_engine": _processing_engine,
    "made_with_test_double": lambda run: np.int8(1 if run.test_double else 0),
    "mean_parallel_baseline": lambda run: finite_mean(run.baselines[0]),
    "mean_perpendicular_baseline": lambda run: finite_mean(run.baselines[1]),
    "product_geometry_wkt": _product_geometry_wkt,
    "mean_unfiltered_coherence": lambda run: _mean_of_data(run, "unfilteredCoherence"),
    "percent_unwrapped": _percent_unwrapped,
    "number_of_connected_components": _number_of_connected_components,
    "mean_coherence_on_land": lambda run: _mean_of_data(run, "coherence", land_only=True),
    "mean_unfiltered_coherence_on_land": lambda run: _mean_of_data(
        run, "unfilteredCoherence", land_only=True
    ),
    "water_fraction": lambda run: float(run.water.mean()),
    "ionosphere_processing_steps": _ionosphere_processing_steps,
    "burst_ramps_processing_steps": _burst_ramps_processing_steps,
    # the mask's name, never a local path
    "water_mask_name": lambda run: Path(run.water_mask).name if run.water_mask else "none",
    "ionosphere_total_looks": lambda run: _ionosphere_looks(run, "total"),
    "ionosphere_first_stage_looks": lambda run: _ionosphere_looks(run, "first_stage"),
}


def _holds(condition: str, run: Run) -> bool:
    if condition == L.WITH_WATER_MASK:
        return run.water is not None
    if condition in L.LAYER_KEYS:
        return condition in run.layers
    raise ValueError(f"unknown attribute condition {condition!r}")


def resolve(attrs: dict, run: Run) -> dict:
    """Fixed values as they are, Computed ones computed; those whose conditions do not hold are left out."""
    out = {}
    for name, value in attrs.items():
        if isinstance(value, L.Computed):
            if not all(_holds(c, run) for c in value.when):
                continue
            value = COMPUTED[value.by](run)
        out[name] = value
    return out
