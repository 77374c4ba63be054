"""The ONE declaration of the GUNW v3 netCDF layout, read by both the writer and the validator.

Every group, variable, dtype, dimension, fill value, attribute, compression and chunking rule of the
product lives here (see ../shared/docs/gunw-product.md §3-§10). The writer (`package_gunw.py`) creates
exactly what this table says; the validator (`validate_gunw.py`) checks a file against the same table,
so the two cannot drift apart.

Layers are switched on by *layer keys*: ``core`` is always present; the others follow the run parameters
(see :func:`layers_for`).
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, field

DATASET_VERSION = "3.0.1"  # the vX_Y_Z token of the file name
CUBE_HEIGHTS = (-1500.0, 0.0, 3000.0, 9000.0)  # metres above the WGS84 ellipsoid, identical in every product
CUBE_SPACING = 0.1  # degrees, imagingGeometry and SET node spacing
DATA_SPACING = {90: 1.0 / 1200.0, 30: 1.0 / 3600.0}  # output_resolution (m) -> data-grid spacing (deg)
IONO_SPACING = 11.0 / 1200.0  # ~1 km ionosphere grid; the factor over the data grid is rounded from this
COMPRESSION = {"zlib": True, "complevel": 4, "shuffle": True}
STRING_FILTERS = {"zlib": False, "shuffle": False}  # netCDF-C refuses filters on variable-length strings

EPSG4326_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],'
    'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],'
    'AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)

# --- paths ------------------------------------------------------------------------------------------
GRIDS = "/science/grids"
DATA = "/science/grids/data"
GEOM = "/science/grids/imagingGeometry"
IONO = "/science/grids/corrections/derived/ionosphere"
RAMPS = "/science/grids/corrections/derived/ionosphereBurstRamps"
SET_REF = "/science/grids/corrections/external/tides/solidEarth/reference"
SET_SEC = "/science/grids/corrections/external/tides/solidEarth/secondary"
TROPO = "/science/grids/corrections/external/troposphere"
RMD = "/science/radarMetaData"
SLC_REF = "/science/radarMetaData/inputSLC/reference"
SLC_SEC = "/science/radarMetaData/inputSLC/secondary"

# groups that must exist whatever the layers (consumers open them by path)
ALWAYS_GROUPS = (GRIDS, DATA, GEOM, "/science/grids/corrections", TROPO, RMD, SLC_REF, SLC_SEC)

# Layer keys: which variables exist for which run parameters. CORRECTION_LAYERS make the layout version 1c.
LAYER_KEYS = ("core", "unfiltered", "wrapped", "dense", "iono", "iono_ramps", "set")
CORRECTION_LAYERS = ("iono", "iono_ramps", "set")

GRID_PARAMS = (
    "reference_scenes",
    "secondary_scenes",
    "frame_id",
    "estimate_ionosphere_delay",
    "compute_solid_earth_tide",
    "output_resolution",
    "unfiltered_coherence",
    "goldstein_filter_power",
    "dense_offsets",
    "esd_coherence_threshold",
    "wrapped_phase_layer",
)


@dataclass(frozen=True)
class Var:
    """One netCDF variable of the product.

    ``chunks`` maps each dimension to its target chunk length (clipped to the dimension size by
    :func:`chunk_shape`); ``None`` means a scalar. ``fill`` is the ``_FillValue`` (``None`` = none declared,
    ``math.nan`` = NaN). ``role`` is one of coord / grid_mapping / layer / cube / meta / string / char.
    """

    group: str
    name: str
    dtype: str  # numpy dtype string, "str" for netCDF variable-length strings, "S1" for char arrays
    dims: tuple[str, ...]
    attrs: dict = field(default_factory=dict)
    fill: float | int | None = None
    layer: str = "core"
    role: str = "layer"
    chunks: dict | None = None

    @property
    def path(self) -> str:
        return f"{self.group.rstrip('/')}/{self.name}" if self.group != "/" else f"/{self.name}"

    @property
    def filters(self) -> dict:
        if self.dtype in ("str", "S1") or not self.dims:
            return STRING_FILTERS
        return COMPRESSION


def _crs_attrs(name: str) -> dict:
    return {
        "grid_mapping_name": "latitude_longitude",
        "longitude_of_prime_meridian": 0.0,
        "semi_major_axis": 6378137.0,
        "inverse_flattening": 298.257223563,
        "crs_wkt": EPSG4326_WKT,
        "spatial_ref": EPSG4326_WKT,
        "long_name": name,
        "standard_name": name,
    }


def _grid_vars(group: str, layer: str, lat: str, lon: str, crs: str, chunk: int, std_names=None) -> list[Var]:
    """crs + 1-D float64 lat/lon coordinate variables of a 2-D grid group."""
    lat_std, lon_std = std_names or (lat, lon)
    return [
        Var(group, crs, "i4", (), _crs_attrs(crs), layer=layer, role="grid_mapping"),
        Var(
            group,
            lon,
            "f8",
            (lon,),
            {
                "units": "degrees_east",
                "_CoordinateAxisType": "Lon",
                "long_name": lon_std,
                "standard_name": lon_std,
            },
            layer=layer,
            role="coord",
            chunks={lon: chunk},
        ),
        Var(
            group,
            lat,
            "f8",
            (lat,),
            {
                "units": "degrees_north",
                "_CoordinateAxisType": "Lat",
                "long_name": lat_std,
                "standard_name": lat_std,
            },
            layer=layer,
            role="coord",
            chunks={lat: chunk},
        ),
    ]


def _layer(group, name, attrs, fill, layer="core", dims=("latitude", "longitude"), dtype="f4", chunk=256):
    base = {"long_name": name, "standard_name": name, "grid_mapping": "crs"}
    return Var(
        group,
        name,
        dtype,
        dims,
        {**base, **attrs},
        fill=fill,
        layer=layer,
        role="layer",
        chunks={d: chunk for d in dims},
    )


def _cube(group, name, description, units, layer="core", dims=None, grid_mapping="crsMeta"):
    dims = dims or ("heightsMeta", "latitudeMeta", "longitudeMeta")
    attrs = {
        "long_name": name,
        "standard_name": name,
        "description": description,
        "units": units,
        "grid_mapping": grid_mapping,
    }
    return Var(
        group,
        name,
        "f4",
        dims,
        attrs,
        fill=0.0,
        layer=layer,
        role="cube",
        chunks={dims[0]: 1, dims[1]: 64, dims[2]: 64},
    )


def _height_var(group, name, layer, std="height"):
    return Var(
        group,
        name,
        "f8",
        (name,),
        {
            "units": "meter",
            "_CoordinateAxisType": "Lev",
            "positive": "up",
            "long_name": std,
            "standard_name": std,
        },
        layer=layer,
        role="coord",
        chunks={name: len(CUBE_HEIGHTS)},
    )


def _meta(name, dtype, description=None, units=None, group=RMD, dims=(), layer="core"):
    attrs = {"long_name": name, "standard_name": name}
    if description is not None:
        attrs["description"] = description
    if units is not None:
        attrs["units"] = units
    role = "string" if dtype == "str" else "meta"
    chunks = {d: 64 for d in dims} if dims else None
    return Var(group, name, dtype, dims, attrs, layer=layer, role=role, chunks=chunks)


def _set_group(group: str) -> list[Var]:
    return [
        Var(group, "spatial_ref", "i4", (), _crs_attrs("spatial_ref"), layer="set", role="grid_mapping"),
        _height_var(group, "height", "set"),
        *_grid_vars(group, "set", "latitude", "longitude", "spatial_ref", 64)[1:],
        _cube(
            group,
            "solidEarthTide",
            "Solid Earth tide",
            "radians",
            layer="set",
            dims=("height", "latitude", "longitude"),
            grid_mapping="spatial_ref",
        ),
    ]


ROOT_VARS = [
    Var(
        "/",
        "productBoundingBox",
        "S1",
        ("wkt_count", "wkt_length"),
        {
            "description": "ISO WKT bounding polygon of the product data footprint",
            "units": "unitless",
            "grid_mapping": "crs_polygon",
            "long_name": "productBoundingBox",
            "standard_name": "productBoundingBox",
        },
        role="char",
    ),
    Var(
        "/",
        "crs_polygon",
        "i4",
        (),
        {"spatial_ref": EPSG4326_WKT, "long_name": "crs_polygon", "standard_name": "crs_polygon"},
        role="grid_mapping",
    ),
]

DATA_VARS = [
    *_grid_vars(DATA, "core", "latitude", "longitude", "crs", 1024),
    _layer(DATA, "unwrappedPhase", {"description": "Unwrapped phase", "units": "rad"}, 0.0),
    _layer(DATA, "coherence", {"description": "Coherence", "units": "unitless"}, 0.0),
    _layer(
        DATA,
        "connectedComponents",
        {"description": "Snaphu connected components", "units": "unitless"},
        -1.0,
    ),
    _layer(DATA, "amplitude", {"description": "Amplitude", "units": "watt"}, 0.0),
    _layer(
        DATA,
        "unfilteredCoherence",
        {"description": "Coherence without filters applied", "units": "unitless"},
        0.0,
        layer="unfiltered",
    ),
    _layer(
        DATA,
        "wrappedPhase",
        {
            "description": "Filtered wrapped interferometric phase (reference x conj(secondary))",
            "units": "rad",
        },
        0.0,
        layer="wrapped",
    ),
    _layer(
        DATA,
        "rangePixelOffsets",
        {"description": "Dense range pixel offsets (filtered)", "units": "range radar pixel"},
        math.nan,
        layer="dense",
    ),
    _layer(
        DATA,
        "azimuthPixelOffsets",
        {"description": "Dense azimuth pixel offsets (filtered)", "units": "azimuth radar pixel"},
        math.nan,
        layer="dense",
    ),
]

GEOM_VARS = [
    Var(GEOM, "crsMeta", "i4", (), _crs_attrs("crsMeta"), role="grid_mapping"),
    *_grid_vars(GEOM, "core", "latitudeMeta", "longitudeMeta", "crsMeta", 64, ("latitude", "longitude"))[1:],
    _height_var(GEOM, "heightsMeta", "core"),
    _cube(GEOM, "perpendicularBaseline", "Perpendicular baseline", "meter"),
    _cube(GEOM, "parallelBaseline", "Parallel baseline", "meter"),
    _cube(GEOM, "incidenceAngle", "Incidence angle", "degrees"),
    _cube(GEOM, "lookAngle", "Look angle", "degrees"),
    _cube(GEOM, "azimuthAngle", "Azimuth angle", "degrees"),
]
CUBE_NAMES = ("perpendicularBaseline", "parallelBaseline", "incidenceAngle", "lookAngle", "azimuthAngle")

IONO_VARS = [
    *_grid_vars(IONO, "iono", "latitude", "longitude", "crs", 1024),
    _layer(
        IONO,
        "ionosphere",
        {
            "long_name": "ionospherePhaseCorrection",
            "standard_name": "ionospherePhaseCorrection",
            "description": "Estimated ionosphere phase correction",
            "units": "rad",
        },
        math.nan,
        layer="iono",
    ),
]

RAMP_VARS = [
    *_grid_vars(RAMPS, "iono_ramps", "latitude", "longitude", "crs", 1024),
    _layer(
        RAMPS,
        "ionosphereBurstRamps",
        {
            "description": "Estimated ionosphere burst ramps (azimuth-shift minus ionosphere phase)",
            "units": "rad",
        },
        math.nan,
        layer="iono_ramps",
    ),
]

RMD_VARS = [
    _meta("missionID", "str"),
    _meta("wavelength", "f8", "Radar wavelength", "meter"),
    _meta("centerFrequency", "f8", "Radar center frequency", "Hertz"),
    _meta("productType", "str"),
    _meta("ISCEversion", "str", "ISCE Version", "unitless"),
    _meta("unwrapMethod", "str", "Method used to unwrap IFG product"),
    _meta("DEM", "str", "Dem Type", "unitless"),
    _meta("ESDthreshold", "f8", "ESD threshold, -1 = no ESD applied", "unitless"),
    _meta("azimuthZeroDopplerStartTime", "str", "Time ISO 8601 format"),
    _meta("azimuthZeroDopplerEndTime", "str", "Time ISO 8601 format"),
    _meta("azimuthTimeInterval", "f8", "Time interval between azimuth lines", "seconds"),
    _meta("slantRangeSpacing", "f8", "Slant range spacing", "meter"),
    _meta("slantRangeStart", "f8", "Slant range start", "meter"),
    _meta("slantRangeEnd", "f8", "Slant range end", "meter"),
    _meta("L1InputGranules", "str", "Reference input granules", group=SLC_REF, dims=("granules",)),
    _meta("orbitType", "str", "Reference orbit type", group=SLC_REF),
    _meta("L1InputGranules", "str", "Secondary input granules", group=SLC_SEC, dims=("granules",)),
    _meta("orbitType", "str", "Secondary orbit type", group=SLC_SEC),
]

VARIABLES: tuple[Var, ...] = tuple(
    ROOT_VARS
    + DATA_VARS
    + GEOM_VARS
    + IONO_VARS
    + RAMP_VARS
    + _set_group(SET_REF)
    + _set_group(SET_SEC)
    + RMD_VARS
)

# Global attributes: value None = required, any value of the given type; otherwise the exact value.
GLOBAL_ATTRS = {
    "Conventions": "CF-1.6",
    "product_type": "UNW GEO IFG",
    "title": "ARIA standard product UNW GEO IFG",
    "version": None,  # 1b / 1c, see layout_version()
    "author": None,
    "institution": "Jet Propulsion Laboratory",
    "source": None,
    "references": "https://aria.jpl.nasa.gov/",
    "ogr_geometry_field": "productBoundingBox",
    "ogr_layer_name": "productBoundingBox",
    "ogr_layer_type": "POLYGON",
    "aria_frame_id": None,
    "product_geometry_wkt": None,
    "workflow_version": None,
    "workflow_config": None,
    "isce2_version": None,
    "dataset_version": DATASET_VERSION,
    "mean_incidence_angle": None,
    "mean_azimuth_angle": None,
}

# Fixed string values of radarMetaData fields (the others are measured)
RMD_FIXED = {"missionID": "Sentinel-1", "productType": "UNW GEO IFG", "unwrapMethod": "snaphu"}
DEM_NAME = "Copernicus GLO-30 (heights converted from EGM2008 to the WGS84 ellipsoid)"


def layers_for(settings: dict, available: set[str] | None = None) -> set[str]:
    """Layer keys present for the run parameters (the pair's processing keys).

    ``available`` optionally names layers whose inputs exist (``iono_ramps`` is only written when ISCE
    produced the azimuth-shift ionosphere file).
    """
    layers = {"core"}
    if settings.get("unfiltered_coherence", True):
        layers.add("unfiltered")
    if settings.get("wrapped_phase_layer", False):
        layers.add("wrapped")
    if settings.get("dense_offsets", False):
        layers.add("dense")
    if settings.get("estimate_ionosphere_delay", True):
        layers.add("iono")
        if available is not None and "iono_ramps" in available:
            layers.add("iono_ramps")
    if settings.get("compute_solid_earth_tide", True):
        layers.add("set")
    return layers


def layout_version(layers: set[str]) -> str:
    """Internal layout version: 1c when any correction layer exists, else 1b (§10)."""
    return "1c" if any(k in layers for k in CORRECTION_LAYERS) else "1b"


def variables(layers: set[str]) -> list[Var]:
    """The variables present in a product with these layers, in writing order."""
    return [v for v in VARIABLES if v.layer in layers]


def groups(layers: set[str]) -> list[str]:
    """All groups (with their parents) that exist for these layers, sorted parents first."""
    out = set()
    for g in list(ALWAYS_GROUPS) + [v.group for v in variables(layers)]:
        parts = [p for p in g.split("/") if p]
        for i in range(1, len(parts) + 1):
            out.add("/" + "/".join(parts[:i]))
    return sorted(out, key=lambda g: (g.count("/"), g))


def chunk_shape(var: Var, sizes: dict[str, int]) -> tuple[int, ...] | None:
    """Chunk shape of ``var`` for the given dimension sizes (``None`` for scalars and char arrays)."""
    if not var.dims or var.chunks is None:
        return None
    return tuple(max(1, min(var.chunks[d], sizes[d])) for d in var.dims)


def iono_factor(data_spacing: float) -> int:
    """Integer down-sampling factor from the data grid to the ~1 km ionosphere grid."""
    return max(1, round(IONO_SPACING / abs(data_spacing)))


def describe(layers: set[str]) -> list[dict]:
    """A JSON-able table of the layout (for docs and ``--help`` users)."""
    return [
        {
            "path": v.path,
            "dtype": v.dtype,
            "dims": list(v.dims),
            "fill": None
            if v.fill is None
            else ("NaN" if isinstance(v.fill, float) and math.isnan(v.fill) else v.fill),
            "layer": v.layer,
            "compression": v.filters,
            "chunks": v.chunks,
            "attrs": sorted(v.attrs),
        }
        for v in variables(layers)
    ]


def main(argv=None):
    p = argparse.ArgumentParser(description="Print the GUNW layout table (JSON) for a set of layers.")
    p.add_argument("--layers", default=",".join(LAYER_KEYS), help="comma-separated layer keys")
    a = p.parse_args(argv)
    layers = set(a.layers.split(","))
    print(
        json.dumps(
            {"version": layout_version(layers), "groups": groups(layers), "variables": describe(layers)},
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
