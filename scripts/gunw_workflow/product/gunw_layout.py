"""The ONE declaration of the GUNW v3 netCDF layout, read by both the writer and the validator.

Every group, variable, dtype, dimension, fill value, attribute, compression and chunking rule of the
product lives here (docs/product-contract.md), and so does every data layer's ISCE2 source (file relative to the
topsApp directory, band, sign, no-data rule) and every global attribute (fixed value or the packaging function
that computes it). The writer (``package.py``) creates exactly what this table says; the validator
(``validate.py``) checks a file against the same table, so the two cannot drift apart.

Layers are switched on by *layer keys*: ``core`` is always present; the others follow the product options
(see :func:`layers_for`).
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, field

from gunw_workflow.topsapp import isce_files

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

# /science/grids attributes: the product options (and the pair's scenes) with the type a reader converts them to
GRID_PARAM_TYPES = {
    "reference_scenes": list,
    "secondary_scenes": list,
    "frame_id": int,
    "estimate_ionosphere_delay": bool,
    "compute_solid_earth_tide": bool,
    "output_resolution": int,
    "unfiltered_coherence": bool,
    "goldstein_filter_power": float,
    "dense_offsets": bool,
    "esd_coherence_threshold": float,
    "wrapped_phase_layer": bool,
}
GRID_PARAMS = tuple(GRID_PARAM_TYPES)


class MissingOptionError(ValueError):
    """A product option is absent: packaging gets complete options (defaults live only in the config schema)."""


def option(options: dict, key: str):
    """``options[key]``, or an error naming the key (never a default: those live in the config schema)."""
    try:
        return options[key]
    except KeyError:
        raise MissingOptionError(
            f"product option {key!r} is missing; the options must hold every key of "
            "gunw_name.PRODUCT_OPTION_KEYS and frame_id (workflow/schemas/config.schema.yaml fills the defaults)"
        ) from None


# --- ISCE2 sources ----------------------------------------------------------------------------------
# No-data conditions of a layer's source. A pixel where any condition of the layer holds is set to the layer's
# _FillValue; conditions on input pixels are applied before down-sampling (those pixels do not enter the mean).
NO_AMPLITUDE = "amplitude == 0"  # the amplitude layer's source pixel is 0: outside the interferogram
SOURCE_ZERO = "source == 0"  # the layer's own source band is exactly 0 (ISCE's no-data value)
ALL_BANDS_ZERO = "all source bands == 0"  # every band of the source file is 0 (dense offsets: no match)
NO_CONNCOMP = "connectedComponents == -1"  # on the output grid, at the nearest data-grid pixel
NODATA_CONDITIONS = (NO_AMPLITUDE, SOURCE_ZERO, ALL_BANDS_ZERO, NO_CONNCOMP)
AMPLITUDE_LAYER = "amplitude"  # the layer NO_AMPLITUDE refers to
CONNCOMP_LAYER = "connectedComponents"  # the layer NO_CONNCOMP refers to
GRID_LAYER = "unwrappedPhase"  # its source defines the data grid; every other source must be on it

CONNCOMP = "{conncomp}"  # placeholder for the unwrapper's connected-component file (isce_files.conncomp)
BOX_MEAN = "box mean"  # NaN-aware box mean of iono_factor^2 pixels around each ~1 km node (same origin)


@dataclass(frozen=True)
class Source:
    """Where a layer's values come from in topsApp's output, and how no-data is derived.

    ``file`` is relative to the topsApp directory (``{conncomp}`` is resolved per unwrapper, see :meth:`path`);
    ``band`` is 1-based. ``value`` is ``raw`` or ``angle`` (phase of a complex band). ``phase`` layers change sign
    when ISCE's reference is the GUNW secondary (GUNW phase is later x conj(earlier)). ``dtype`` is the working
    precision before the cast to the variable's dtype. ``resample`` names the down-sampling onto the layer's grid
    (None = the data grid); ``minus`` a layer whose full-resolution values are subtracted.
    """

    file: str
    band: int
    nodata: tuple[str, ...]
    value: str = "raw"
    phase: bool = False
    dtype: str = "f4"
    resample: str | None = None
    minus: str | None = None

    def path(self, unwrapper: str) -> str:
        return self.file.format(conncomp=isce_files.conncomp(unwrapper))

    def describe(self) -> dict:
        out = {"file": self.file, "band": self.band, "value": self.value, "nodata": list(self.nodata)}
        out.update({"negated_with_roles": self.phase, "resample": self.resample, "minus": self.minus})
        return out


UNWRAPPED_GEO = isce_files.geocoded(isce_files.UNWRAPPED)  # b1 amplitude, b2 unwrapped phase
LOS_GEO = "merged/los.rdr.geo"  # b1 incidence angle, b2 azimuth angle from north (deg); 0 = no data
TOPSPROC_XML = "topsProc.xml"  # ISCE's run summary: version, baselines
SWATH_DIRS = {"reference": "reference", "secondary": "secondary", "interferogram": "fine_interferogram"}
OPTIONAL_LAYERS = ("iono_ramps",)  # written only when ISCE produced their sources

# unwrapMethod per topsApp `unwrapper name`: the reference tool writes "snaphu" for its snaphu_mcf runs
UNWRAP_METHODS = {"icu": "icu", "snaphu": "snaphu", "snaphu_mcf": "snaphu"}


def unwrap_method(unwrapper: str) -> str:
    """The radarMetaData/unwrapMethod value of a run that unwrapped with ``unwrapper``."""
    try:
        return UNWRAP_METHODS[unwrapper]
    except KeyError:
        raise ValueError(f"unwrapper {unwrapper!r} is not one of {sorted(UNWRAP_METHODS)}") from None


WITH_WATER_MASK = "water_mask"  # condition of an attribute: written only when a water mask was given


@dataclass(frozen=True)
class Computed:
    """An attribute value computed per product by the packaging function named ``by`` (``attributes.COMPUTED``).

    ``when`` lists the conditions under which it is written (all must hold): layer keys, or WITH_WATER_MASK.
    The validator requires every computed attribute whose conditions it can check (layer keys) to be present.
    """

    by: str
    when: tuple[str, ...] = ()


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
    source: Source | None = None  # data layers: the ISCE2 file and band they are read from

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


def _layer(
    group, name, attrs, fill, source, layer="core", dims=("latitude", "longitude"), dtype="f4", chunk=256
):
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
        source=source,
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
    _layer(
        DATA,
        "unwrappedPhase",
        {"description": "Unwrapped phase", "units": "rad"},
        0.0,
        Source(UNWRAPPED_GEO, 2, (NO_AMPLITUDE,), phase=True),
    ),
    _layer(
        DATA,
        "coherence",
        {"description": "Coherence", "units": "unitless"},
        0.0,
        Source("merged/phsig.cor.geo", 1, (NO_AMPLITUDE,)),
    ),
    _layer(
        DATA,
        "connectedComponents",
        {"description": "Snaphu connected components", "units": "unitless"},
        -1.0,
        Source(isce_files.geocoded(CONNCOMP), 1, (NO_AMPLITUDE,)),
    ),
    _layer(
        DATA,
        "amplitude",
        {"description": "Amplitude", "units": "watt"},
        0.0,
        Source(UNWRAPPED_GEO, 1, (NO_AMPLITUDE,)),
    ),
    _layer(
        DATA,
        "unfilteredCoherence",
        {"description": "Coherence without filters applied", "units": "unitless"},
        0.0,
        Source("merged/topophase.cor.geo", 2, (NO_AMPLITUDE,)),
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
        Source("merged/filt_topophase.flat.geo", 1, (SOURCE_ZERO, NO_AMPLITUDE), value="angle", phase=True),
        layer="wrapped",
    ),
    _layer(
        DATA,
        "rangePixelOffsets",
        {"description": "Dense range pixel offsets (filtered)", "units": "range radar pixel"},
        math.nan,
        Source("merged/filt_dense_offsets.bil.geo", 2, (ALL_BANDS_ZERO,)),
        layer="dense",
    ),
    _layer(
        DATA,
        "azimuthPixelOffsets",
        {"description": "Dense azimuth pixel offsets (filtered)", "units": "azimuth radar pixel"},
        math.nan,
        Source("merged/filt_dense_offsets.bil.geo", 1, (ALL_BANDS_ZERO,)),
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
            "processing_steps": Computed("ionosphere_processing_steps"),
            "mask_connected_component_zero": "True",
            "do_phase_bridging": "True",
            "swath_mode": "0",
            "swath_ramp_removal": "False",
            "swath_mode_description": "0: no swath-by-swath processing of the ionosphere",
            "iono_height": 200000.0,
            "water_mask": Computed("water_mask_name"),
            "multilook_az_rg1": Computed("ionosphere_total_looks"),
            "multilook_az_rg2": Computed("ionosphere_first_stage_looks"),
        },
        math.nan,
        Source(
            "merged/topophase.ion.geo",
            1,
            (SOURCE_ZERO, NO_CONNCOMP),
            phase=True,
            dtype="f8",
            resample=BOX_MEAN,
        ),
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
            "processing_steps": Computed("burst_ramps_processing_steps"),
        },
        math.nan,
        Source(
            "merged/topophase.ion.az_shift.geo", 1, (SOURCE_ZERO,), phase=True, dtype="f8", minus="ionosphere"
        ),
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

# Global attributes in writing order: the exact value, or Computed (the packaging function that computes it).
GLOBALS = {
    "Conventions": "CF-1.6",
    "product_type": "UNW GEO IFG",
    "title": "ARIA standard product UNW GEO IFG",
    "version": Computed("layout_version"),  # 1b / 1c, see layout_version()
    "author": "gunw-snakemake contributors, ARIA-JPL",
    "institution": "Jet Propulsion Laboratory",
    "source": Computed("source_statement"),
    "references": "https://aria.jpl.nasa.gov/",
    "ogr_geometry_field": "productBoundingBox",
    "ogr_layer_name": "productBoundingBox",
    "ogr_layer_type": "POLYGON",
    "aria_frame_id": Computed("frame_id"),
    "topsapp_command_line_string": "topsApp.py topsApp.xml --dostep=<step> (one Snakemake rule per step)",
    "workflow_version": Computed("workflow_version"),
    "workflow_config": Computed("workflow_config"),
    "processing_settings": Computed(
        "product_options"
    ),  # the product options (attribute name kept for readers)
    "isce2_version": Computed(
        "isce_version"
    ),  # the release the topsApp logs report (the double imitates one)
    "processing_engine": Computed("processing_engine"),  # "ISCE2 <v> topsApp.py", or names the test double
    "made_with_test_double": Computed("made_with_test_double"),  # int8 1 = ISCE2 test double, not ISCE2
    "isce_reference_is_gunw_secondary": Computed("roles_swapped"),
    "dataset_version": DATASET_VERSION,
    "mean_filtered_coherence_without_water_mask": Computed("mean_coherence"),
    "mean_incidence_angle": Computed("mean_incidence_angle"),
    "mean_azimuth_angle": Computed("mean_azimuth_angle"),
    "mean_parallel_baseline": Computed("mean_parallel_baseline"),
    "mean_perpendicular_baseline": Computed("mean_perpendicular_baseline"),
    "product_geometry_wkt": Computed("product_geometry_wkt"),
    "mean_unfiltered_coherence_without_water_mask": Computed("mean_unfiltered_coherence", ("unfiltered",)),
    "percent_unwrapped": Computed("percent_unwrapped"),
    "number_of_connected_components": Computed("number_of_connected_components"),
    "mean_filtered_coherence_with_water_mask": Computed("mean_coherence_on_land", (WITH_WATER_MASK,)),
    "mean_unfiltered_coherence_with_water_mask": Computed(
        "mean_unfiltered_coherence_on_land", ("unfiltered", WITH_WATER_MASK)
    ),
    "water_fraction": Computed("water_fraction", (WITH_WATER_MASK,)),
}

# Fixed string values of radarMetaData fields (unwrapMethod: see unwrap_method; the others are measured)
RMD_FIXED = {"missionID": "Sentinel-1", "productType": "UNW GEO IFG"}
DEM_NAME = "Copernicus GLO-30 (heights converted from EGM2008 to the WGS84 ellipsoid)"


def computed_attrs() -> list[Computed]:
    """Every Computed of the table (global and variable attributes): the packager must know each ``by``."""
    out = [v for v in GLOBALS.values() if isinstance(v, Computed)]
    return out + [a for v in VARIABLES for a in v.attrs.values() if isinstance(a, Computed)]


def layer_vars(layers: set[str]) -> list[Var]:
    """The data layers (variables read from an ISCE2 source) present for these layers, in writing order."""
    return [v for v in variables(layers) if v.source is not None]


def layer_var(name: str) -> Var:
    """The data layer called ``name`` (unique across groups)."""
    (var,) = [v for v in VARIABLES if v.name == name and v.source is not None]
    return var


def layers_for(options: dict, available: set[str] | None = None) -> set[str]:
    """Layer keys present for the product options (complete: a missing key raises MissingOptionError).

    ``available`` names the OPTIONAL_LAYERS whose ISCE2 sources exist (``iono_ramps`` is only written when ISCE
    produced the azimuth-shift ionosphere file).
    """
    layers = {"core"}
    if option(options, "unfiltered_coherence"):
        layers.add("unfiltered")
    if option(options, "wrapped_phase_layer"):
        layers.add("wrapped")
    if option(options, "dense_offsets"):
        layers.add("dense")
    if option(options, "estimate_ionosphere_delay"):
        layers.add("iono")
        if available is not None and "iono_ramps" in available:
            layers.add("iono_ramps")
    if option(options, "compute_solid_earth_tide"):
        layers.add("set")
    return layers


def layout_version(layers: set[str]) -> str:
    """Internal layout version: 1c when any correction layer exists, else 1b."""
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
            "source": v.source.describe() if v.source else None,
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
            {
                "version": layout_version(layers),
                "groups": groups(layers),
                "variables": describe(layers),
                "globals": {k: v.by if isinstance(v, Computed) else v for k, v in GLOBALS.items()},
            },
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
