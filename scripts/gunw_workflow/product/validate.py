"""Check a GUNW product against the consumer checklist (docs/consumer-checklist.md) and the layout table.

Every product the workflow makes passes through here; the script exits non-zero with one line per violation.
The structural checks (groups, variables, dtypes, dims, fills, attributes, compression, chunking), the layers'
no-data rules and the global attributes come from the same ``gunw_layout`` table the writer uses; the semantic
checks (name grammar and its agreement with the content, coordinates, bounding polygon via OGR, cube heights and
values, corrections, radar metadata, metadata JSON) follow the checklist items.

The file is read the way Python consumers read GUNWs: xarray with the h5netcdf engine, one group at a time
(``open_dataset(group=...)``, raw values: no CF decoding), the group tree listed with h5netcdf's core API (its
``legacyapi`` mis-handles groups nested two levels or more in 1.8.2). ``_Product``/``_Group``/``_Var`` give the
checks one small interface over that. OGR reads the bounding polygon and GDAL's netCDF driver the layers (osgeo).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
from pathlib import Path

import numpy as np

from gunw_workflow.product import delivery, gunw_name
from gunw_workflow.product import gunw_layout as L

ANGLE_CUBES = ("incidenceAngle", "lookAngle", "azimuthAngle")
TROPO_MODELS = ("ERA5", "ERA5T", "GMAO", "HRES", "HRRR")
CUBE_ALL_FILL_WHY = (
    ": 0 is its _FillValue, so ARIA-tools extracts it as 0 % valid and MintPy reads no baseline; a zero-baseline"
    " pair (the same orbit twice) gives exactly this"
)


def _decode(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray) and v.dtype.kind in "SU":
        return [x.decode() if isinstance(x, bytes) else str(x) for x in v.tolist()]
    return v


def _same_value(actual, expected) -> bool:
    actual = _decode(actual)
    if isinstance(expected, float) and isinstance(actual, (float, np.floating)):
        return (math.isnan(expected) and math.isnan(actual)) or math.isclose(actual, expected, rel_tol=1e-12)
    if isinstance(actual, np.ndarray):
        actual = actual.tolist()
    if isinstance(actual, np.generic):
        actual = actual.item()
    return actual == expected


def _group(nc, path):
    try:
        return nc if path == "/" else nc[path]
    except (IndexError, KeyError):
        return None


def _raw(var):
    return var.raw()


# --- the product through xarray (h5netcdf engine) -----------------------------------------------------------------

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
RAW = {"decode_cf": False, "mask_and_scale": False, "decode_times": False, "decode_coords": False}


class _Var:
    """One variable: its stored values (no fill masking, no scaling), attributes and storage layout."""

    def __init__(self, xv):
        self._v, self._values = xv, None
        self.dimensions = tuple(xv.dims)
        self.shape = tuple(xv.shape)
        self.dtype = str if xv.dtype.kind in "UO" else xv.dtype  # xarray reads variable-length strings as <U

    def ncattrs(self) -> list[str]:
        return list(self._v.attrs)

    def getncattr(self, key):
        return self._v.attrs[key]

    def raw(self):
        if self._values is None:
            a = self._v.values
            self._values = a.item() if a.ndim == 0 and a.dtype.kind in "UO" else a
        return self._values

    def filters(self) -> dict:
        e = self._v.encoding
        return {
            "zlib": bool(e.get("zlib", False)),
            "shuffle": bool(e.get("shuffle", False)),
            "complevel": int(e.get("complevel") or 0),
        }

    def chunking(self):
        e = self._v.encoding
        return "contiguous" if e.get("contiguous") or not e.get("chunksizes") else list(e["chunksizes"])


class _Group:
    def __init__(self, product: _Product, path: str):
        ds = product.dataset(path)
        self._product, self.path = product, path
        self.variables = {k: _Var(v) for k, v in ds.variables.items()}
        self.dimensions = dict(ds.sizes)
        self._attrs = ds.attrs
        self.groups = {n: None for n in product.children[path]}  # names; nc[path] opens one

    def ncattrs(self) -> list[str]:
        return list(self._attrs)

    def getncattr(self, key):
        return self._attrs[key]

    def __getitem__(self, key: str):
        if key in self.variables:
            return self.variables[key]
        full = key if key.startswith("/") else f"{self.path.rstrip('/')}/{key}"
        return self._product.group(full)


class _Product(_Group):
    """The whole file: the group tree from h5netcdf, each group opened with xarray when first asked for."""

    def __init__(self, path: str):
        import h5netcdf

        with open(path, "rb") as fh:
            if fh.read(8) != HDF5_SIGNATURE:
                raise OSError("not an HDF5 file (netCDF-4 files are HDF5)")
        self.file, self.children, self._datasets, self._groups = path, {}, {}, {}
        with h5netcdf.File(path, "r") as f:
            stack = [("/", f)]
            while stack:
                gpath, g = stack.pop()
                self.children[gpath] = list(g.groups)
                stack += [(f"{gpath.rstrip('/')}/{n}", sub) for n, sub in g.groups.items()]
        super().__init__(self, "/")

    def dataset(self, path: str):
        import xarray as xr

        if path not in self._datasets:
            self._datasets[path] = xr.open_dataset(self.file, group=path, engine="h5netcdf", **RAW)
        return self._datasets[path]

    def group(self, path: str) -> _Group:
        path = "/" + path.strip("/")
        if path not in self.children:
            raise KeyError(path)
        if path not in self._groups:
            self._groups[path] = self if path == "/" else _Group(self, path)
        return self._groups[path]

    def close(self) -> None:
        for ds in self._datasets.values():
            ds.close()
        self._datasets.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def chartostring(raw: np.ndarray) -> str:
    """The first string of a char (S1) array: its last axis joined, trailing NULs dropped."""
    if not raw.size:
        return ""
    return b"".join(raw.reshape(-1, raw.shape[-1])[0].tolist()).rstrip(b"\0").decode()


# --- GDAL's own Python bindings (osgeo), built against the system libgdal ----------------------------------------


def _gdal():
    from osgeo import gdal

    gdal.UseExceptions()
    return gdal


def ogr_bounding_polygon(path: str) -> str | None:
    """WKT of feature 1 of OGR layer ``productBoundingBox``, read the way ARIA-tools reads it (None when OGR
    cannot read it)."""
    gdal = _gdal()
    try:
        ds = gdal.OpenEx(str(path), gdal.OF_VECTOR)
    except RuntimeError:
        return None
    layer = ds.GetLayerByName("productBoundingBox")
    feat = layer.GetFeature(1) if layer is not None else None
    geom = feat.GetGeometryRef() if feat is not None else None
    return geom.ExportToWkt() if geom is not None else None


# --- checks -------------------------------------------------------------------------------------------------------


def options_from_file(nc) -> tuple[dict, list[str]]:
    """The product options (and scenes) recorded as /science/grids attributes, typed as the table declares.

    Returns the options and one violation per missing attribute: the layers and the name rule depend on them.
    """
    grids = _group(nc, L.GRIDS)
    if grids is None:
        return {}, [f"{L.GRIDS} is missing"]
    out, problems = {}, []
    for k, kind in L.GRID_PARAM_TYPES.items():
        if k not in grids.ncattrs():
            problems.append(f"{L.GRIDS} attribute {k} (product option) is missing")
            continue
        v = _decode(grids.getncattr(k))
        if isinstance(v, np.ndarray):
            v = v.tolist()
        if isinstance(v, np.generic):
            v = v.item()
        if kind is list:
            out[k] = [v] if isinstance(v, str) else list(v)
        elif kind is bool:
            out[k] = bool(v)
        else:
            out[k] = v
    return out, problems


def _attr_required(value, layers: set[str]) -> bool:
    """Fixed attributes always; computed ones when their conditions are layer keys that hold."""
    if not isinstance(value, L.Computed):
        return True
    return all(c in L.LAYER_KEYS and c in layers for c in value.when)


def _check_attrs(out: list, where: str, obj, declared: dict, layers: set[str]) -> None:
    """Presence of every required attribute, the exact value of the fixed ones."""
    present = obj.ncattrs()
    for k, want in declared.items():
        if not _attr_required(want, layers):
            continue
        if k not in present:
            out.append(f"{where} attribute {k} is missing")
        elif not isinstance(want, L.Computed) and not _same_value(obj.getncattr(k), want):
            out.append(f"{where} attribute {k} = {_decode(obj.getncattr(k))!r}, expected {want!r}")


def _check_fill(out: list, v: L.Var, var) -> None:
    attrs = var.ncattrs()
    if v.fill is None:
        if "_FillValue" in attrs:
            out.append(f"{v.path} has a _FillValue but the layout declares none")
    elif "_FillValue" not in attrs:
        out.append(f"{v.path} has no _FillValue (expected {v.fill})")
    else:
        fv = float(var.getncattr("_FillValue"))
        if not ((math.isnan(v.fill) and math.isnan(fv)) or fv == v.fill):
            out.append(f"{v.path} _FillValue {fv} != {v.fill}")


def _check_storage(out: list, v: L.Var, var, grp) -> None:
    """Compression filters and chunk shape of an array variable."""
    f = var.filters()
    for k in ("zlib", "shuffle", "complevel"):
        if f.get(k) != v.filters[k]:
            out.append(f"{v.path} filter {k}={f.get(k)} != {v.filters[k]}")
    sizes = dict(zip(v.dims, var.shape, strict=True))
    want = L.chunk_shape(v, sizes)
    got = var.chunking()
    if got == "contiguous" or tuple(got) != tuple(want):
        out.append(f"{v.path} chunking {got} != {list(want)}")


def _check_variable(out: list, v: L.Var, grp, layers: set[str]) -> None:
    var = grp.variables[v.name]
    want_dtype = str if v.dtype == "str" else np.dtype(v.dtype)
    if var.dtype != want_dtype:
        out.append(f"{v.path} dtype {var.dtype} != {v.dtype}")
    if tuple(var.dimensions) != v.dims:
        out.append(f"{v.path} dims {tuple(var.dimensions)} != {v.dims}")
        return
    _check_fill(out, v, var)
    _check_attrs(out, v.path, var, v.attrs, layers)
    gm = v.attrs.get("grid_mapping")
    if gm and gm not in grp.variables:
        out.append(f"{v.path} grid_mapping {gm} does not exist in {v.group}")
    if v.dims and v.dtype not in ("str", "S1"):
        _check_storage(out, v, var, grp)


def check_structure(nc, layers: set[str]) -> list[str]:
    """Groups, variables, dtypes, dims, fills, attributes, filters and chunking from the layout table."""
    out = []
    for g in L.groups(layers):
        if _group(nc, g) is None:
            out.append(f"group {g} is missing")
    for v in L.VARIABLES:
        grp = _group(nc, v.group)
        present = grp is not None and v.name in grp.variables
        if v.layer not in layers:
            if present and not any(w.path == v.path and w.layer in layers for w in L.VARIABLES):
                out.append(f"{v.path} present although layer '{v.layer}' is off for this product's options")
            continue
        if not present:
            out.append(f"{v.path} is missing")
            continue
        _check_variable(out, v, grp, layers)
    return out


def check_globals(nc, layers: set[str]) -> list[str]:
    out = []
    _check_attrs(out, "global", nc, L.GLOBALS, layers)
    if "version" in nc.ncattrs():
        v = _decode(nc.getncattr("version"))
        if v not in ("1b", "1c"):
            out.append(f"global version {v!r} not in 1b/1c")
        elif v != L.layout_version(layers):
            out.append(f"global version {v} but layers {sorted(layers)} need {L.layout_version(layers)}")
    if "mean_azimuth_angle" in nc.ncattrs():
        az = float(nc.getncattr("mean_azimuth_angle"))
        if not (-180.0 < az <= 180.0):
            out.append(f"global mean_azimuth_angle {az:g} outside (-180, 180] degrees")
    return out


def product_warnings(path) -> list[str]:
    """What a valid product should still not be mistaken for: one made through the ISCE2 test double."""
    out = []
    with _Product(str(path)) as nc:
        attrs = nc.ncattrs()
        if "made_with_test_double" in attrs and int(nc.getncattr("made_with_test_double")) == 1:
            engine = _decode(nc.getncattr("processing_engine")) if "processing_engine" in attrs else "?"
            out.append(f"made through the ISCE2 test double, not ISCE2 ({engine}): for testing only")
    return out


def _check_axis(out, path, a, step=None, descending=False, tol=1e-9):
    d = np.diff(a)
    if a.ndim != 1 or a.dtype != np.float64:
        out.append(f"{path} must be 1-D float64")
        return
    if len(a) > 1 and not (np.all(d < 0) if descending else np.all(d > 0)):
        out.append(f"{path} is not strictly {'de' if descending else 'in'}creasing")
        return
    if step is not None and len(a) > 1 and not np.allclose(np.abs(d), step, rtol=0, atol=tol):
        out.append(f"{path} spacing {np.abs(d).mean():.10g} != {step:.10g}")


def _is_fill(a: np.ndarray, fill: float) -> np.ndarray:
    return np.isnan(a) if math.isnan(fill) else a == fill


def _check_nodata(out: list, data, layers: set[str]) -> None:
    """The table's no-data rules on the data grid: NO_AMPLITUDE layers hold their fill where amplitude is 0,
    layers of one ALL_BANDS_ZERO source have their fill at the same pixels."""
    amp_name = L.AMPLITUDE_LAYER
    amp = _raw(data[amp_name]) if amp_name in data.variables else None
    same_source: dict[str, list[L.Var]] = {}
    for v in L.layer_vars(layers):
        if v.group != L.DATA or v.name not in data.variables:
            continue
        a = _raw(data[v.name])
        if L.NO_AMPLITUDE in v.source.nodata and amp is not None and amp.shape == a.shape:
            if np.any((amp == 0) & ~_is_fill(a, v.fill)):
                out.append(f"{v.path} is not {v.fill:g} where {amp_name} is 0 (no data)")
        if L.ALL_BANDS_ZERO in v.source.nodata:
            same_source.setdefault(v.source.file, []).append(v)
    for group in same_source.values():
        masks = [_is_fill(_raw(data[v.name]), v.fill) for v in group]
        if any(m.shape != masks[0].shape or np.any(m != masks[0]) for m in masks[1:]):
            out.append(f"{', '.join(v.path for v in group)} (one source) have their fill at different pixels")


def _check_data_layers(out: list, data) -> None:
    """connectedComponents -1 / 0 / >= 1, phase never exactly 0 on valid pixels, coherence in [0, 1]."""
    names = ("unwrappedPhase", L.CONNCOMP_LAYER, "coherence")
    if not all(n in data.variables for n in names):
        return
    unw, cc, coh = (_raw(data[n]) for n in names)
    if not np.all(np.isin(cc, np.arange(-1, cc.max() + 1 if cc.size else 0))):
        out.append(f"{L.DATA}/connectedComponents holds non-integer or < -1 values")
    if np.any((cc >= 1) & (unw == 0)):
        out.append(
            f"{L.DATA}/unwrappedPhase is exactly 0 on {int(((cc >= 1) & (unw == 0)).sum())} valid pixels"
        )
    if np.any(~np.isfinite(unw)) or np.any(~np.isfinite(coh)):
        out.append(f"{L.DATA} unwrappedPhase/coherence hold NaN (fill is 0)")
    if np.any((coh < 0) | (coh > 1)):
        out.append(f"{L.DATA}/coherence outside [0, 1]")
    if not np.any(cc >= 1):
        out.append(f"{L.DATA}/connectedComponents has no valid (>= 1) pixel")


def _check_cubes(out: list, geom, info: dict) -> None:
    if all(n in geom.variables for n in ("heightsMeta", "latitudeMeta", "longitudeMeta")):
        h = _raw(geom["heightsMeta"])
        if h.shape != (len(L.CUBE_HEIGHTS),) or not np.array_equal(h, np.array(L.CUBE_HEIGHTS)):
            out.append(f"{L.GEOM}/heightsMeta {h.tolist()} != {list(L.CUBE_HEIGHTS)}")
        clat, clon = _raw(geom["latitudeMeta"]), _raw(geom["longitudeMeta"])
        _check_axis(out, f"{L.GEOM}/latitudeMeta", clat, L.CUBE_SPACING, descending=True, tol=1e-7)
        _check_axis(out, f"{L.GEOM}/longitudeMeta", clon, L.CUBE_SPACING, tol=1e-7)
        info["cube"] = (h, clat, clon)
    for name in L.CUBE_NAMES:
        if name not in geom.variables:
            continue
        c = _raw(geom[name]).astype(np.float64)
        if not np.all(np.isfinite(c)):
            out.append(f"{L.GEOM}/{name} holds non-finite nodes")
        if c.size and np.all(c == 0):
            # 0 may be the true value (a zero-baseline pair), but it is the fill value: consumers see no data
            out.append(f"{L.GEOM}/{name} is entirely 0 (fill)" + CUBE_ALL_FILL_WHY)
        if np.any(c == -9999):
            out.append(f"{L.GEOM}/{name} holds -9999 (failed) nodes")
        if name in ANGLE_CUBES and np.any(c == 0):
            out.append(f"{L.GEOM}/{name} holds 0 (fill) nodes")
        if name in ("incidenceAngle", "lookAngle") and np.any((c <= 0) | (c >= 90)):
            out.append(f"{L.GEOM}/{name} outside (0, 90) degrees")
        if name == "azimuthAngle" and np.any((c <= -180) | (c > 180)):
            out.append(f"{L.GEOM}/{name} outside (-180, 180] degrees")


def _check_ionosphere(out: list, nc, info: dict, spacing: float | None) -> None:
    """The ~1 km grid shares the data grid's origin; NaN (fill) where the nearest data pixel has no component."""
    ig = _group(nc, L.IONO)
    if ig is None or "latitude" not in ig.variables or "ionosphere" not in ig.variables:
        return
    lat = info["data_lat"]
    ilat, ilon = _raw(ig["latitude"]), _raw(ig["longitude"])
    k = L.iono_factor(spacing or abs(lat[1] - lat[0]))
    step = k * abs(lat[1] - lat[0])
    _check_axis(out, f"{L.IONO}/latitude", ilat, step, descending=True, tol=1e-8)
    _check_axis(out, f"{L.IONO}/longitude", ilon, step, tol=1e-8)
    if ilat.size and (abs(ilat[0] - lat[0]) > 1e-9 or abs(ilon[0] - info["data_lon"][0]) > 1e-9):
        out.append(f"{L.IONO} grid origin differs from the data grid origin")
    iono = _raw(ig["ionosphere"])
    if not np.any(np.isfinite(iono)):
        out.append(f"{L.IONO}/ionosphere is all NaN")
    var = L.layer_var("ionosphere")
    data = _group(nc, L.DATA)
    if L.NO_CONNCOMP in var.source.nodata and L.CONNCOMP_LAYER in data.variables:
        nearest = _raw(data[L.CONNCOMP_LAYER])[::k, ::k]
        if nearest.shape == iono.shape and np.any((nearest == -1) & ~_is_fill(iono, var.fill)):
            out.append(f"{var.path} is not {var.fill:g} where the nearest {L.CONNCOMP_LAYER} is -1")


def _check_tides(out: list, nc, info: dict) -> None:
    h, clat, clon = info["cube"]
    for g in (L.SET_REF, L.SET_SEC):
        sg = _group(nc, g)
        if sg is None or "solidEarthTide" not in sg.variables:
            continue
        for cname, ref in (("height", h), ("latitude", clat), ("longitude", clon)):
            if cname in sg.variables and not np.array_equal(_raw(sg[cname]), ref):
                out.append(f"{g}/{cname} differs from the imagingGeometry nodes")
        tide = _raw(sg["solidEarthTide"])
        if not np.all(np.isfinite(tide)) or np.any(tide == 0):
            out.append(f"{g}/solidEarthTide holds non-finite or 0 (fill) nodes")


def check_grids(nc, layers: set[str], options: dict) -> tuple[list[str], dict]:
    """Coordinates, data-layer semantics and no-data rules, cubes, corrections, troposphere group."""
    out, info = [], {}
    data = _group(nc, L.DATA)
    geom = _group(nc, L.GEOM)
    if data is None or geom is None:
        return out, info
    res = int(options["output_resolution"])
    spacing = L.DATA_SPACING.get(res)
    if spacing is None:
        out.append(f"output_resolution {res} not in {sorted(L.DATA_SPACING)}")
    if "latitude" in data.variables and "longitude" in data.variables:
        lat, lon = _raw(data["latitude"]), _raw(data["longitude"])
        _check_axis(out, f"{L.DATA}/latitude", lat, spacing, descending=True)
        _check_axis(out, f"{L.DATA}/longitude", lon, spacing)
        info["data_lat"], info["data_lon"] = lat, lon
    _check_nodata(out, data, layers)
    _check_data_layers(out, data)
    _check_cubes(out, geom, info)
    if "iono" in layers and "data_lat" in info:
        _check_ionosphere(out, nc, info, spacing)
    if "set" in layers and "cube" in info:
        _check_tides(out, nc, info)
    tropo = _group(nc, L.TROPO)
    if tropo is not None:
        models = [m for m in tropo.groups if m.upper() in TROPO_MODELS]
        if len(models) > 1:
            out.append(f"{L.TROPO} holds {len(models)} weather models {models}; at most one per file")
    return out, info


def check_bbox(nc, path: str, info: dict, use_ogr: bool = True) -> list[str]:
    import shapely.wkt

    out = []
    if "productBoundingBox" not in nc.variables:
        return out
    v = nc["productBoundingBox"]
    if v.dtype != np.dtype("S1"):
        return out  # reported by the structure check
    text = chartostring(_raw(v))
    try:
        poly = shapely.wkt.loads(text)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a violation
        out.append(f"productBoundingBox is not parseable WKT: {exc}")
        return out
    if poly.geom_type != "Polygon" or not poly.is_valid or poly.is_empty:
        out.append(f"productBoundingBox is not one valid POLYGON ({poly.geom_type})")
        return out
    if "data_lat" in info:
        lat, lon = info["data_lat"], info["data_lon"]
        hx, hy = abs(lon[1] - lon[0]) / 2 + 1e-6, abs(lat[1] - lat[0]) / 2 + 1e-6
        w, s, e, n = poly.bounds
        if w < lon.min() - hx or e > lon.max() + hx or s < lat.min() - hy or n > lat.max() + hy:
            out.append("productBoundingBox extends beyond the data grid")
    if "cube" in info:
        _, clat, clon = info["cube"]
        w, s, e, n = poly.bounds
        tol = 1e-7
        if clon[0] > w - L.CUBE_SPACING + tol or clon[-1] < e + L.CUBE_SPACING - tol:
            out.append(
                "imagingGeometry cube does not extend one node beyond the bounding polygon in longitude"
            )
        if clat[-1] > s - L.CUBE_SPACING + tol or clat[0] < n + L.CUBE_SPACING - tol:
            out.append(
                "imagingGeometry cube does not extend one node beyond the bounding polygon in latitude"
            )
    if use_ogr:
        wkt = ogr_bounding_polygon(path)
        if wkt is None:
            out.append("OGR cannot read layer productBoundingBox feature 1 (check the ogr_* globals)")
        elif not shapely.wkt.loads(wkt).equals_exact(poly, 1e-9):
            out.append("OGR productBoundingBox feature 1 differs from the stored WKT")
    return out


def check_gdal(path: str, layers: set[str]) -> list[str]:
    """GDAL's netCDF driver (osgeo bindings) opens the layers consumers read, with EPSG:4326 and the cube tags."""
    gdal = _gdal()
    out = []
    targets = [f"{L.DATA}/unwrappedPhase", f"{L.GEOM}/incidenceAngle"]
    if "iono" in layers:
        targets.append(f"{L.IONO}/ionosphere")
    for sub in targets:
        try:
            ds = gdal.Open(f'NETCDF:"{path}":{sub}')
        except RuntimeError as exc:
            out.append(f"GDAL cannot open {sub}: {exc}")
            continue
        driver = ds.GetDriver().ShortName
        if driver != "netCDF":
            out.append(f"GDAL opened {sub} with driver {driver}, not netCDF")
        srs = ds.GetSpatialRef()
        epsg = srs.GetAuthorityCode(None) if srs is not None else None
        if epsg != "4326":
            out.append(f"GDAL reports CRS EPSG:{epsg} for {sub}, expected EPSG:4326")
        if sub.endswith("incidenceAngle"):
            tags = ds.GetMetadata()
            if tags.get("NETCDF_DIM_EXTRA") != "{heightsMeta}":
                out.append(f"GDAL NETCDF_DIM_EXTRA of {sub} is {tags.get('NETCDF_DIM_EXTRA')}")
            want = "{" + ",".join(f"{h:g}" for h in L.CUBE_HEIGHTS) + "}"
            if tags.get("NETCDF_DIM_heightsMeta_VALUES") != want:
                out.append(f"GDAL heightsMeta values {tags.get('NETCDF_DIM_heightsMeta_VALUES')} != {want}")
    return out


def check_xarray(path: str, layers: set[str]) -> list[str]:
    """Python users open GUNWs with xarray's h5netcdf engine, one group at a time and CF-decoded: every group must
    open that way, and unwrappedPhase read so (fill -> NaN) must equal what GDAL's netCDF driver reads (libnetcdf,
    an independent reader of the same bytes)."""
    import xarray as xr

    out = []
    for group in L.groups(layers):
        try:
            with xr.open_dataset(path, group=group, engine="h5netcdf") as ds:
                names = set(ds.variables)
        except Exception as exc:  # noqa: BLE001 - an unreadable group is the violation
            out.append(f"xarray (h5netcdf) cannot open group {group}: {exc}")
            continue
        if group == L.DATA and "unwrappedPhase" not in names:
            out.append(f"xarray (h5netcdf) sees no unwrappedPhase in {group}")
    if out:
        return out
    with xr.open_dataset(path, group=L.DATA, engine="h5netcdf") as ds:
        via_xarray = ds["unwrappedPhase"].values.astype("f8")
        fill = ds["unwrappedPhase"].encoding.get("_FillValue")
    gdal = _gdal()
    try:
        via_gdal = gdal.Open(f'NETCDF:"{path}":{L.DATA}/unwrappedPhase').ReadAsArray().astype("f8")
    except RuntimeError as exc:
        return [f"GDAL cannot read {L.DATA}/unwrappedPhase: {exc}"]
    if fill is not None:
        via_gdal[via_gdal == fill] = np.nan
    if not np.array_equal(via_xarray, via_gdal, equal_nan=True):
        out.append("unwrappedPhase read with xarray (h5netcdf) differs from GDAL's netCDF driver")
    return out


def _check_unwrap_method(nc, rmd) -> list[str]:
    """unwrapMethod names a known method, and the one of the recorded config's unwrapper when it has one."""
    if "unwrapMethod" not in rmd.variables:
        return []
    got = _raw(rmd["unwrapMethod"])
    if got not in set(L.UNWRAP_METHODS.values()):
        return [f"{L.RMD}/unwrapMethod {got!r} not in {sorted(set(L.UNWRAP_METHODS.values()))}"]
    try:
        unwrapper = json.loads(_decode(nc.getncattr("workflow_config")))["topsapp"]["unwrapper"]
    except (AttributeError, KeyError, TypeError, ValueError):
        return []  # no recorded unwrapper to compare with (the attribute check reports a missing config)
    if unwrapper in L.UNWRAP_METHODS and got != L.unwrap_method(unwrapper):
        return [f"{L.RMD}/unwrapMethod {got!r} but the recorded config unwrapped with {unwrapper!r}"]
    return []


def check_radar_metadata(nc) -> tuple[list[str], dict]:
    out, info = [], {}
    rmd = _group(nc, L.RMD)
    if rmd is None:
        return out, info
    for k, want in L.RMD_FIXED.items():
        if k in rmd.variables and _raw(rmd[k]) != want:
            out.append(f"{L.RMD}/{k} = {_raw(rmd[k])!r}, expected {want!r}")
    out += _check_unwrap_method(nc, rmd)
    if "wavelength" in rmd.variables:
        wl = float(_raw(rmd["wavelength"]))
        if not 0.05 < wl < 0.06:
            out.append(f"{L.RMD}/wavelength {wl} m is not a C-band wavelength in metres")
    for role, g in (("reference", L.SLC_REF), ("secondary", L.SLC_SEC)):
        sg = _group(nc, g)
        if sg is None or "L1InputGranules" not in sg.variables:
            continue
        ids = [str(x) for x in np.atleast_1d(_raw(sg["L1InputGranules"])).tolist()]
        info[role] = ids
        if not ids:
            out.append(f"{g}/L1InputGranules is empty")
        for s in ids:
            if s.endswith(".zip") or not gunw_name.SCENE_RE.match(s):
                out.append(f"{g}/L1InputGranules entry {s!r} is not a 67-character SLC id")
        if "orbitType" in sg.variables and _raw(sg["orbitType"]) not in ("precise", "restituted"):
            out.append(f"{g}/orbitType {_raw(sg['orbitType'])!r} not in precise/restituted")
    return out, info


def check_name(name: str, nc, options: dict, granules: dict) -> list[str]:
    """Name grammar, and its agreement with the content: prefix (options), version, hash and dates (granules)."""
    out = list(gunw_name.name_problems(name))
    if out:
        return out
    f = gunw_name.parse_name(name)
    reasons = gunw_name.non_standard_reasons(options)
    want_prefix = "S1-GUNW" if not reasons else "S1-GUNW_CUSTOM"
    if f["prefix"] != want_prefix:
        out.append(
            f"name prefix {f['prefix']} but the options make it {want_prefix} ({', '.join(reasons) or 'standard'})"
        )
    if "dataset_version" in nc.ncattrs() and f["version"] != _decode(nc.getncattr("dataset_version")):
        out.append(
            f"name version {f['version']} != dataset_version {_decode(nc.getncattr('dataset_version'))}"
        )
    if "reference" in granules and "secondary" in granules:
        if f["hash"] != gunw_name.scene_hash(granules["reference"], granules["secondary"]):
            out.append(f"name hash {f['hash']} does not match the L1InputGranules")
        for role, key in (("reference", "reference_date"), ("secondary", "secondary_date")):
            try:
                c = gunw_name.pass_centre(granules[role])
            except (IndexError, ValueError):
                continue
            token = dt.datetime.strptime(f[key], "%Y%m%d")
            if abs((c - token).total_seconds()) > 86400 * 1.5:
                out.append(f"name {role} date {f[key]} does not match its granules ({c:%Y%m%d})")
    return out


def check_json(meta_path: Path, name: str | None) -> list[str]:
    from gunw_workflow.product import browse as browse_metadata

    try:
        meta = json.loads(Path(meta_path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        return [f"metadata JSON unreadable: {exc}"]
    out = browse_metadata.schema_problems(meta)
    if name and meta.get("label") != name[:-3]:
        out.append(f"metadata JSON label {meta.get('label')!r} != product name {name[:-3]!r}")
    if meta.get("version") != L.DATASET_VERSION:
        out.append(f"metadata JSON version {meta.get('version')!r} != {L.DATASET_VERSION}")
    return out


def _optional_layers_present(nc) -> set[str]:
    """OPTIONAL_LAYERS with a variable in the file (their sources were there when it was packaged)."""
    out = set()
    for v in L.VARIABLES:
        grp = _group(nc, v.group) if v.layer in L.OPTIONAL_LAYERS else None
        if grp is not None and v.name in grp.variables:
            out.add(v.layer)
    return out


def _check_netcdf(nc, path: str, name: str, use_ogr: bool) -> tuple[list[str], set[str] | None]:
    """Everything read through xarray (and OGR); the layers are None when the options are incomplete."""
    out = []
    options, problems = options_from_file(nc)
    if problems:
        return out + problems + gunw_name.name_problems(name), None
    layers = L.layers_for(options, _optional_layers_present(nc))
    out += check_globals(nc, layers)
    out += check_structure(nc, layers)
    grid_problems, info = check_grids(nc, layers, options)
    out += grid_problems
    out += check_bbox(nc, path, info, use_ogr)
    rmd_problems, granules = check_radar_metadata(nc)
    out += rmd_problems
    out += check_name(name, nc, options, granules)
    return out, layers


def validate(path, name: str | None = None, json_path=None, png_path=None, use_ogr: bool = True) -> list[str]:
    """All violations of one product (empty list = valid). ``name`` defaults to the file's basename."""
    path = str(path)
    name = name or Path(path).name
    try:
        nc = _Product(path)
    except (OSError, ValueError) as exc:
        return [f"not a readable netCDF-4 file: {exc}"]
    with nc:
        out, layers = _check_netcdf(nc, path, name, use_ogr)
    if layers is not None:
        out += check_gdal(path, layers)
        out += check_xarray(path, layers)
    if json_path is not None:
        out += check_json(json_path, name)
    if png_path is not None:
        p = Path(png_path)
        if not p.exists() or p.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
            out.append(f"browse {p} is missing or not a PNG")
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description="Validate a GUNW product; exits 1 and lists every violation.")
    p.add_argument("gunw", help="the netCDF file")
    p.add_argument(
        "--name", help="product name (or @file holding it, e.g. @product_name.txt); default: basename"
    )
    p.add_argument("--json", help="metadata JSON sidecar to validate")
    p.add_argument("--png", help="browse PNG to check")
    p.add_argument("--ok", help="touch this file when the product is valid")
    p.add_argument("--no-ogr", action="store_true", help="skip the OGR read of productBoundingBox")
    p.add_argument("--deliver", help="when valid, hard-link <id>.nc/.json/.png into DELIVER/<id>/")
    p.add_argument(
        "--delivery-record",
        help="the pair's record of what it delivered: withdrawn when the product is invalid or delivered anew",
    )
    a = p.parse_args(argv)
    name = a.name
    if name and name.startswith("@"):
        name = Path(name[1:]).read_text().strip()
    problems = validate(a.gunw, name=name, json_path=a.json, png_path=a.png, use_ogr=not a.no_ogr)
    if Path(a.gunw).exists() and not any(p.startswith("not a readable") for p in problems):
        for w in product_warnings(a.gunw):
            print(f"warning: {w}", file=sys.stderr)
    if problems:
        if a.delivery_record:
            delivery.withdraw(a.delivery_record)  # an older valid product of this pair is not this one
        print(f"{len(problems)} violation(s) in {name or a.gunw}:", file=sys.stderr)
        for pr in problems:
            print(f"  - {pr}", file=sys.stderr)
        return 1
    print(f"valid: {name or a.gunw}")
    if a.deliver:
        dest = delivery.deliver(
            a.gunw,
            name or Path(a.gunw).name,
            a.deliver,
            [(a.json, "json"), (a.png, "png")],
            record_file=a.delivery_record,
        )
        print(f"delivered: {dest}")
    if a.ok:
        Path(a.ok).write_text((name or Path(a.gunw).name) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
