"""Package ISCE2 topsApp outputs of one pair into an ARIA S1-GUNW v3 netCDF (+ browse PNG + metadata JSON).

Inputs are what topsApp leaves in its working directory (``merged/*.geo``, ``reference|secondary|
fine_interferogram/IW*.xml``, ``topsProc.xml``) and the pair's ``pair.json``. The file layout comes entirely from
``gunw_layout`` (the validator reads the same table). Output names inside ``--out-dir`` are fixed (``gunw.nc``,
``gunw.json``, ``gunw.png``, ``product_name.txt``) because the real product name is only known at run time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import sys
import time
from pathlib import Path

import netCDF4
import numpy as np
import shapely
import shapely.wkt
from shapely.geometry import Polygon, box

from gunw_workflow.config import PYPROJECT
from gunw_workflow.isce_io import orbit as og
from gunw_workflow.isce_io import rasters as isce_io
from gunw_workflow.layout import PRODUCT_FILES, PairDir
from gunw_workflow.product import cubes as gc
from gunw_workflow.product import gunw_layout as L
from gunw_workflow.product import gunw_name
from gunw_workflow.product import solid_earth_tide as set_mod

SPEED_OF_LIGHT = 299792458.0
sanitise = gunw_name.sanitise  # re-export


# --- provenance ---------------------------------------------------------------------------------------------------


def workflow_version() -> str:
    """Version of this workflow (installed package metadata, else pyproject.toml next to scripts/)."""
    try:
        from importlib.metadata import version

        return version("gunw-snakemake")
    except Exception:  # noqa: BLE001 - not installed: fall back to the source tree
        pass
    pyproject = PYPROJECT
    if pyproject.exists():
        m = re.search(r'^version\s*=\s*"([^"]+)"', pyproject.read_text(), re.M)
        if m:
            return m.group(1)
    return "unknown"


def isce_version(topsapp_dir: Path, log_dirs=()) -> str:
    v = isce_io.isce_version_from_logs(*log_dirs, topsapp_dir / "logs", topsapp_dir)
    if v:
        return v
    tp = topsapp_dir / "topsProc.xml"
    if tp.exists():
        v = isce_io.topsproc_isce_version(isce_io.read_topsproc(tp))
    return v or "unknown"


# --- grids and layers ---------------------------------------------------------------------------------------------


def _same_grid(a: isce_io.IsceRaster, b: isce_io.IsceRaster) -> bool:
    return (a.width, a.length) == (b.width, b.length) and all(
        math.isclose(x, y, rel_tol=0, abs_tol=1e-10)
        for x, y in ((a.x0, b.x0), (a.y0, b.y0), (a.dx, b.dx), (a.dy, b.dy))
    )


def box_mean_at(arr: np.ndarray, rows: np.ndarray, cols: np.ndarray, half: int) -> np.ndarray:
    """NaN-aware mean of the (2 half + 1)^2 window centred on each (row, col) node (anti-aliased down-sampling)."""
    valid = np.isfinite(arr)
    vals = np.where(valid, arr, 0.0).astype(np.float64)
    ny, nx = arr.shape

    def integral(a):
        s = np.zeros((ny + 1, nx + 1))
        s[1:, 1:] = a.cumsum(0).cumsum(1)
        return s

    s_v, s_n = integral(vals), integral(valid.astype(np.float64))
    r0 = np.clip(rows - half, 0, ny)[:, None]
    r1 = np.clip(rows + half + 1, 0, ny)[:, None]
    c0 = np.clip(cols - half, 0, nx)[None, :]
    c1 = np.clip(cols + half + 1, 0, nx)[None, :]

    def window(s):
        return s[r1, c1] - s[r0, c1] - s[r1, c0] + s[r0, c0]

    n = window(s_n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, window(s_v) / n, np.nan)


def read_layers(merged: Path, layers: set[str], phase_sign: float = 1.0) -> dict:
    """Data-grid layers from ``merged/*.geo`` with the GUNW masking rules (§6).

    ``phase_sign`` = -1 when ISCE's reference is the GUNW secondary (earlier date): the GUNW phase convention is
    later x conj(earlier), so phase-like layers (unwrapped, wrapped, ionosphere, burst ramps) change sign.
    """
    unw_h = isce_io.raster_header(merged / "filt_topophase.unw.geo")
    if not unw_h.is_geo:
        raise ValueError(f"{unw_h.path} is not a geocoded raster")
    needed = ["phsig.cor.geo", "filt_topophase.unw.conncomp.geo", "los.rdr.geo"]
    if "unfiltered" in layers:
        needed.append("topophase.cor.geo")
    if "iono" in layers:
        needed.append("topophase.ion.geo")
    if "iono_ramps" in layers:
        needed.append("topophase.ion.az_shift.geo")
    if "wrapped" in layers:
        needed.append("filt_topophase.flat.geo")
    if "dense" in layers:
        needed.append("filt_dense_offsets.bil.geo")
    for f in needed:
        h = isce_io.raster_header(merged / f)
        if not _same_grid(h, unw_h):
            raise ValueError(f"{f} is not on the grid of filt_topophase.unw.geo")

    unw = isce_io.read_raster(merged / "filt_topophase.unw.geo")
    amp, phase = unw[0], unw[1]
    nodata = amp == 0
    out = {"header": unw_h, "lat": unw_h.lat(), "lon": unw_h.lon()}
    out["amplitude"] = np.where(nodata, 0, amp).astype(np.float32)
    out["unwrappedPhase"] = np.where(nodata, 0, phase_sign * phase).astype(np.float32)
    coh = isce_io.read_raster(merged / "phsig.cor.geo", 1)
    out["coherence"] = np.where(nodata, 0, coh).astype(np.float32)
    cc = isce_io.read_raster(merged / "filt_topophase.unw.conncomp.geo", 1).astype(np.float32)
    out["connectedComponents"] = np.where(nodata, -1, cc).astype(np.float32)
    out["los"] = isce_io.read_raster(merged / "los.rdr.geo")
    if "unfiltered" in layers:
        uc = isce_io.read_raster(merged / "topophase.cor.geo", 2)
        out["unfilteredCoherence"] = np.where(nodata, 0, uc).astype(np.float32)
    if "wrapped" in layers:
        flat = isce_io.read_raster(merged / "filt_topophase.flat.geo", 1)
        out["wrappedPhase"] = np.where((flat == 0) | nodata, 0, phase_sign * np.angle(flat)).astype(
            np.float32
        )
    if "dense" in layers:
        off = isce_io.read_raster(merged / "filt_dense_offsets.bil.geo")
        bad = (off[0] == 0) & (off[1] == 0)
        out["azimuthPixelOffsets"] = np.where(bad, np.nan, off[0]).astype(np.float32)
        out["rangePixelOffsets"] = np.where(bad, np.nan, off[1]).astype(np.float32)
    if "iono" in layers:
        ion = isce_io.read_raster(merged / "topophase.ion.geo", 1).astype(np.float64)
        ion[ion == 0] = np.nan
        ion *= phase_sign
        out["ion_full"] = ion
        k = L.iono_factor(unw_h.dy)
        rows = np.arange(0, unw_h.length, k)
        cols = np.arange(0, unw_h.width, k)
        iono = box_mean_at(ion, rows, cols, k // 2)
        cc_nearest = out["connectedComponents"][np.ix_(rows, cols)]
        iono[cc_nearest == -1] = np.nan
        out["ionosphere"] = iono.astype(np.float32)
        out["iono_lat"] = unw_h.y0 + rows * unw_h.dy
        out["iono_lon"] = unw_h.x0 + cols * unw_h.dx
        out["iono_factor"] = k
    if "iono_ramps" in layers:
        az = isce_io.read_raster(merged / "topophase.ion.az_shift.geo", 1).astype(np.float64)
        az[az == 0] = np.nan
        az *= phase_sign
        out["ionosphereBurstRamps"] = (az - out["ion_full"]).astype(np.float32)
    return out


def bounding_polygon(orbit: og.Orbit, swaths, lat: np.ndarray, lon: np.ndarray) -> Polygon:
    """Union of per-swath radar footprints (rdr2geo at h=0), clipped to the geocoded data grid extent."""
    quads = gc.swath_footprint(orbit, swaths)
    poly = shapely.union_all([Polygon(q).buffer(0) for q in quads])
    hx, hy = abs(lon[1] - lon[0]) / 2, abs(lat[1] - lat[0]) / 2
    grid = box(lon.min() - hx, lat.min() - hy, lon.max() + hx, lat.max() + hy)
    poly = poly.intersection(grid)
    if poly.geom_type != "Polygon":
        poly = poly.convex_hull if poly.geom_type == "MultiPolygon" else poly
    if poly.is_empty or poly.geom_type != "Polygon":
        raise ValueError("radar footprint does not overlap the geocoded grid")
    return shapely.set_precision(poly, 1e-7)


def load_orbit(swaths, orbit_dir: Path | None, margin_s: float = 600.0) -> og.Orbit:
    """The EOF named in the swath XML when it is in ``orbit_dir`` (full coverage), else the XML's vectors."""
    source = ""
    for s in swaths:
        if s.orbit is not None and s.orbit.source:
            source = s.orbit.source
            break
    t0 = min(s.sensing_start for s in swaths) - dt.timedelta(seconds=margin_s)
    t1 = max(s.sensing_stop for s in swaths) + dt.timedelta(seconds=margin_s)
    if orbit_dir is not None and source:
        candidate = Path(orbit_dir) / Path(source).name
        if candidate.exists():
            return og.read_eof(candidate, t0, t1)
    return og.read_isce_product_orbit(swaths[0].path)


def isce_roles_swapped(pair: dict, isce_ref, isce_sec) -> bool:
    """True when ISCE's reference swaths are the GUNW secondary pass (earlier date), False when the roles agree.

    Raises when ISCE's acquisitions match neither role of pair.json (a packaging of the wrong run).
    """
    meta = pair.get("scenes") or {}
    ref_c = gunw_name.pass_centre(pair["reference_scenes"], meta)
    sec_c = gunw_name.pass_centre(pair["secondary_scenes"], meta)
    i_ref = min(s.sensing_start for s in isce_ref)
    i_sec = min(s.sensing_start for s in isce_sec)
    day = dt.timedelta(hours=12)
    if abs(i_ref - ref_c) < day and abs(i_sec - sec_c) < day:
        return False
    if abs(i_ref - sec_c) < day and abs(i_sec - ref_c) < day:
        return True
    raise ValueError(
        f"ISCE reference/secondary sensed {i_ref:%Y-%m-%dT%H:%M}/{i_sec:%Y-%m-%dT%H:%M} match neither order of "
        f"pair.json passes {ref_c:%Y-%m-%dT%H:%M}/{sec_c:%Y-%m-%dT%H:%M}"
    )


def iso_z(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def finite_mean(values) -> float:
    a = np.asarray(values, dtype=float)
    a = a[np.isfinite(a)]
    return float(a.mean()) if a.size else float("nan")


# --- assembling the product ---------------------------------------------------------------------------------------


def water_on_grid(path: Path, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Boolean water mask (True = water: value 255, or 1 for 0/1 masks) sampled at the data grid's nodes.

    Any GDAL-readable raster in EPSG:4326 (the ISCE .wgs84 mask of the water-mask download, a GeoTIFF);
    nodes outside the mask are land (unmasked), as a missing mask must never hide data.
    """
    import rasterio

    with rasterio.open(path) as src:
        band = src.read(1)
        inv = ~src.transform
        cols, _ = inv * (np.asarray(lon, dtype=float), np.full(len(lon), float(np.asarray(lat)[0])))
        _, rows = inv * (np.full(len(lat), float(np.asarray(lon)[0])), np.asarray(lat, dtype=float))
    cols = np.floor(np.asarray(cols)).astype(int)
    rows = np.floor(np.asarray(rows)).astype(int)
    water = np.zeros((len(lat), len(lon)), dtype=bool)
    rok = (rows >= 0) & (rows < band.shape[0])
    cok = (cols >= 0) & (cols < band.shape[1])
    sub = band[np.ix_(rows[rok], cols[cok])]
    water[np.ix_(rok, cok)] = sub == (255 if band.max() > 1 else 1)
    return water


def assemble(
    topsapp_dir: Path,
    pair: dict,
    settings: dict,
    orbit_dir: Path | None = None,
    config: dict | None = None,
    log_dirs=(),
    water_mask: Path | None = None,
) -> dict:
    """Everything to write: layer keys, variable values by path, dimension sizes, attributes, the name."""
    topsapp_dir = Path(topsapp_dir)
    merged = topsapp_dir / "merged"
    available = {"iono_ramps"} if (merged / "topophase.ion.az_shift.geo.xml").exists() else set()
    layers = L.layers_for(settings, available)
    name = gunw_name.product_name(pair, settings)
    timings = {}

    isce_ref = isce_io.read_swaths(topsapp_dir / "reference")
    isce_sec = isce_io.read_swaths(topsapp_dir / "secondary")
    ifg_sw = isce_io.read_swaths(topsapp_dir / "fine_interferogram")
    swapped = isce_roles_swapped(pair, isce_ref, isce_sec)
    if swapped:
        print(
            "WARNING: ISCE's reference is the earlier (GUNW secondary) pass: phase layers are negated to the GUNW "
            "convention later x conj(earlier)",
            file=sys.stderr,
        )
    ref_sw, sec_sw = (isce_sec, isce_ref) if swapped else (isce_ref, isce_sec)  # GUNW roles

    t = time.perf_counter()
    data = read_layers(merged, layers, phase_sign=-1.0 if swapped else 1.0)
    timings["read_layers"] = time.perf_counter() - t

    isce_ref_orbit = load_orbit(isce_ref, orbit_dir)
    ref_orbit = load_orbit(ref_sw, orbit_dir)
    sec_orbit = load_orbit(sec_sw, orbit_dir)
    wavelength = ref_sw[0].bursts[0].wavelength

    poly = bounding_polygon(isce_ref_orbit, ifg_sw, data["lat"], data["lon"])
    quads = np.vstack(gc.swath_footprint(ref_orbit, ref_sw))
    grid = gc.cube_grid(quads[:, 0].min(), quads[:, 1].min(), quads[:, 0].max(), quads[:, 1].max())
    t = time.perf_counter()
    cubes = gc.compute_cubes(ref_orbit, sec_orbit, grid)
    timings["geometry_cubes"] = time.perf_counter() - t

    values: dict[str, object] = {}
    dims: dict[str, dict[str, int]] = {}
    var_attrs: dict[str, dict] = {}

    # root
    wkt = poly.wkt
    values["/productBoundingBox"] = wkt
    dims["/"] = {"wkt_count": 1, "wkt_length": len(wkt)}

    # data group
    ny, nx = data["unwrappedPhase"].shape
    dims[L.DATA] = {"latitude": ny, "longitude": nx}
    values[f"{L.DATA}/latitude"] = data["lat"]
    values[f"{L.DATA}/longitude"] = data["lon"]
    for v in L.variables(layers):
        if v.group == L.DATA and v.role == "layer":
            values[v.path] = data[v.name]

    # geometry cubes
    dims[L.GEOM] = {
        "heightsMeta": len(grid.heights),
        "latitudeMeta": len(grid.lat),
        "longitudeMeta": len(grid.lon),
    }
    values[f"{L.GEOM}/heightsMeta"] = grid.heights
    values[f"{L.GEOM}/latitudeMeta"] = grid.lat
    values[f"{L.GEOM}/longitudeMeta"] = grid.lon
    for k in L.CUBE_NAMES:
        values[f"{L.GEOM}/{k}"] = cubes[k]

    # ionosphere
    iono_attrs = {}
    if "iono" in layers:
        dims[L.IONO] = {"latitude": len(data["iono_lat"]), "longitude": len(data["iono_lon"])}
        values[f"{L.IONO}/latitude"] = data["iono_lat"]
        values[f"{L.IONO}/longitude"] = data["iono_lon"]
        values[f"{L.IONO}/ionosphere"] = data["ionosphere"]
        iono_attrs = ionosphere_attrs(topsapp_dir, data["iono_factor"])
        var_attrs[f"{L.IONO}/ionosphere"] = iono_attrs
    if "iono_ramps" in layers:
        dims[L.RAMPS] = {"latitude": ny, "longitude": nx}
        values[f"{L.RAMPS}/latitude"] = data["lat"]
        values[f"{L.RAMPS}/longitude"] = data["lon"]
        values[f"{L.RAMPS}/ionosphereBurstRamps"] = data["ionosphereBurstRamps"]
        var_attrs[f"{L.RAMPS}/ionosphereBurstRamps"] = {
            "processing_steps": "topophase.ion.az_shift.geo - topophase.ion.geo (zeros -> NaN)"
        }

    # solid-earth tides
    if "set" in layers:
        t = time.perf_counter()
        for grp, orbit, tkey in ((L.SET_REF, ref_orbit, "t_ref"), (L.SET_SEC, sec_orbit, "t_sec")):
            dims[grp] = {"height": len(grid.heights), "latitude": len(grid.lat), "longitude": len(grid.lon)}
            values[f"{grp}/height"] = grid.heights
            values[f"{grp}/latitude"] = grid.lat
            values[f"{grp}/longitude"] = grid.lon
            values[f"{grp}/solidEarthTide"] = set_mod.set_cube(
                grid.lat,
                grid.lon,
                orbit.epoch,
                cubes[tkey],
                cubes["incidenceAngle"],
                cubes["azimuthAngle"],
                wavelength,
            )
        timings["solid_earth_tide"] = time.perf_counter() - t

    # radar metadata
    ref_ids, sec_ids = list(pair["reference_scenes"]), list(pair["secondary_scenes"])
    bursts = [b for s in ifg_sw for b in s.bursts]
    zd_sw = ref_sw if swapped else ifg_sw  # zero-Doppler times of the GUNW reference pass
    esd = float(settings.get("esd_coherence_threshold", -1.0))
    isce_v = isce_version(topsapp_dir, log_dirs)
    values.update(
        {
            f"{L.RMD}/missionID": L.RMD_FIXED["missionID"],
            f"{L.RMD}/wavelength": wavelength,
            f"{L.RMD}/centerFrequency": SPEED_OF_LIGHT / wavelength,
            f"{L.RMD}/productType": L.RMD_FIXED["productType"],
            f"{L.RMD}/ISCEversion": isce_v,
            f"{L.RMD}/unwrapMethod": L.RMD_FIXED["unwrapMethod"],
            f"{L.RMD}/DEM": L.DEM_NAME,
            f"{L.RMD}/ESDthreshold": esd if esd >= 0 else -1.0,
            f"{L.RMD}/azimuthZeroDopplerStartTime": iso_z(min(s.sensing_start for s in zd_sw)),
            f"{L.RMD}/azimuthZeroDopplerEndTime": iso_z(max(s.sensing_stop for s in zd_sw)),
            f"{L.RMD}/azimuthTimeInterval": bursts[0].azimuth_time_interval,
            f"{L.RMD}/slantRangeSpacing": bursts[0].range_pixel_size,
            f"{L.RMD}/slantRangeStart": min(b.starting_range for b in bursts),
            f"{L.RMD}/slantRangeEnd": max(b.far_range for b in bursts),
            f"{L.SLC_REF}/L1InputGranules": sorted(ref_ids),
            f"{L.SLC_REF}/orbitType": isce_io.orbit_type(ref_sw[0].orbit.source if ref_sw[0].orbit else ""),
            f"{L.SLC_SEC}/L1InputGranules": sorted(sec_ids),
            f"{L.SLC_SEC}/orbitType": isce_io.orbit_type(sec_sw[0].orbit.source if sec_sw[0].orbit else ""),
        }
    )
    dims[L.SLC_REF] = {"granules": len(ref_ids)}
    dims[L.SLC_SEC] = {"granules": len(sec_ids)}

    # attributes
    wf_v = workflow_version()
    bpar, bperp = [], []
    tp = topsapp_dir / "topsProc.xml"
    if tp.exists():
        bpar, bperp = isce_io.topsproc_baselines(isce_io.read_topsproc(tp))
    los = data["los"]
    coh = data["coherence"]
    water = water_on_grid(Path(water_mask), data["lat"], data["lon"]) if water_mask else None
    global_attrs = {
        "Conventions": "CF-1.6",
        "product_type": "UNW GEO IFG",
        "title": "ARIA standard product UNW GEO IFG",
        "version": L.layout_version(layers),
        "author": "gunw-snakemake contributors, ARIA-JPL",
        "institution": "Jet Propulsion Laboratory",
        "source": (
            "Contains modified Copernicus Sentinel data processed by ESA and ARIA NASA/JPL"
            f" using the gunw-snakemake workflow version {wf_v} with ISCE2 {isce_v}"
        ),
        "references": "https://aria.jpl.nasa.gov/",
        "ogr_geometry_field": "productBoundingBox",
        "ogr_layer_name": "productBoundingBox",
        "ogr_layer_type": "POLYGON",
        "aria_frame_id": int(pair.get("frame_id", settings.get("frame_id", -1))),
        "topsapp_command_line_string": "topsApp.py topsApp.xml --dostep=<step> (one Snakemake rule per step)",
        "isce2_topsapp_version": wf_v,
        "workflow_version": wf_v,
        "workflow_config": json.dumps(gunw_name.sanitise(config or {}), sort_keys=True, default=str),
        "processing_settings": json.dumps(gunw_name.sanitise(settings), sort_keys=True, default=str),
        "isce2_version": isce_v,
        "isce_reference_is_gunw_secondary": np.int8(1 if swapped else 0),
        "dataset_version": L.DATASET_VERSION,
        "mean_filtered_coherence_without_water_mask": finite_mean(coh[coh != 0]),
        "mean_incidence_angle": finite_mean(los[0][los[0] != 0]),
        "mean_azimuth_angle": finite_mean(los[1][los[1] != 0]) + 90.0,
        "mean_parallel_baseline": finite_mean(bpar),
        "mean_perpendicular_baseline": finite_mean(bperp),
        "product_geometry_wkt": pair.get("extent_wkt") or box(*_extent_bounds(pair)).wkt,
    }
    if "unfilteredCoherence" in data:
        uc = data["unfilteredCoherence"]
        global_attrs["mean_unfiltered_coherence_without_water_mask"] = finite_mean(uc[uc != 0])
    # quality numbers users ask for (a product can "succeed" and still be mostly unwrapped garbage)
    cc = np.asarray(data["connectedComponents"])
    has_data = cc >= 0  # -1 = no data
    global_attrs["percent_unwrapped"] = float(100.0 * (cc[has_data] >= 1).mean()) if has_data.any() else 0.0
    global_attrs["number_of_connected_components"] = int(len(np.unique(cc[cc >= 1])))
    if water is not None:
        global_attrs["mean_filtered_coherence_with_water_mask"] = finite_mean(coh[(coh != 0) & ~water])
        if "unfilteredCoherence" in data:
            global_attrs["mean_unfiltered_coherence_with_water_mask"] = finite_mean(uc[(uc != 0) & ~water])
        global_attrs["water_fraction"] = float(water.mean())
        if iono_attrs:
            iono_attrs["water_mask"] = Path(water_mask).name  # the mask's name, never a local path
    grid_attrs = {k: settings.get(k, gunw_name.DEFAULTS.get(k)) for k in L.GRID_PARAMS}
    grid_attrs["reference_scenes"] = sorted(ref_ids)
    grid_attrs["secondary_scenes"] = sorted(sec_ids)
    grid_attrs["frame_id"] = global_attrs["aria_frame_id"]
    return {
        "name": name,
        "water": water,
        "layers": layers,
        "values": values,
        "dims": dims,
        "var_attrs": var_attrs,
        "global_attrs": global_attrs,
        "group_attrs": {L.GRIDS: grid_attrs},
        "cubes": cubes,
        "grid": grid,
        "polygon": poly,
        "timings": timings,
        "swapped": swapped,
    }


def _extent_bounds(pair: dict):
    s, n, w, e = pair["extent_snwe"]
    return (w, s, e, n)


def ionosphere_attrs(topsapp_dir: Path, factor: int) -> dict:
    """Processing attributes of the ionosphere layer from the run's topsApp settings (no local paths)."""
    props = {}
    settings_json = topsapp_dir / "topsapp_settings.json"
    if settings_json.exists():
        try:
            props = json.loads(settings_json.read_text())
        except json.JSONDecodeError:
            props = {}
    attrs = {
        "processing_steps": (
            "ISCE2 split-spectrum ionosphere (topophase.ion.geo), zeros -> NaN, NaN-aware box mean "
            f"down-sampling by {factor} onto a ~1 km grid, NaN where connectedComponents == -1"
        ),
        "mask_connected_component_zero": "False",
        "do_phase_bridging": "False",
        "swath_mode": "0",
        "swath_ramp_removal": "False",
        "swath_mode_description": "0: no swath-by-swath processing of the ionosphere",
        "iono_height": 200000.0,
        "water_mask": "none",
    }
    looks = {
        "multilook_az_rg1": ("ion_total_azimuth_looks", "ion_total_range_looks"),
        "multilook_az_rg2": ("ion_first_stage_azimuth_looks", "ion_first_stage_range_looks"),
    }
    for attr, (az, rg) in looks.items():
        if az in props and rg in props and props[az] is not None and props[rg] is not None:
            attrs[attr] = np.array([int(props[az]), int(props[rg])], dtype=np.int32)
    return attrs


# --- writing ------------------------------------------------------------------------------------------------------


def _attr_value(v):
    if isinstance(v, bool) or isinstance(v, np.bool_):
        return np.int8(1 if v else 0)
    if isinstance(v, (list, tuple)) and v and all(isinstance(x, str) for x in v):
        return list(v)
    if v is None:
        return "None"
    return v


def write_netcdf(path: Path, product: dict) -> None:
    """Create the netCDF exactly as the layout table declares (groups, dims, dtypes, fills, filters, chunks)."""
    layers = product["layers"]
    values = product["values"]
    dims = product["dims"]
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    with netCDF4.Dataset(tmp, "w", format="NETCDF4") as nc:
        for g in L.groups(layers):
            if g != "/":
                nc.createGroup(g)
        for g, sizes in dims.items():
            grp = nc if g == "/" else nc[g]
            for d, n in sizes.items():
                grp.createDimension(d, n)
        for v in L.variables(layers):
            grp = nc if v.group == "/" else nc[v.group]
            sizes = {d: len(grp.dimensions[d]) if d in grp.dimensions else None for d in v.dims}
            missing = [d for d, n in sizes.items() if n is None]
            if missing:
                raise ValueError(f"{v.path}: dimensions {missing} not defined in {v.group}")
            value = values.get(v.path)
            if value is None and v.role not in ("grid_mapping",):
                raise ValueError(f"{v.path}: no value to write")
            kwargs = {}
            if v.fill is not None:
                kwargs["fill_value"] = np.array(v.fill, dtype=v.dtype)
            dtype = str if v.dtype == "str" else v.dtype
            if v.dims and v.dtype not in ("str", "S1"):
                kwargs.update(
                    zlib=v.filters["zlib"],
                    complevel=v.filters["complevel"],
                    shuffle=v.filters["shuffle"],
                    chunksizes=L.chunk_shape(v, sizes),
                )
            elif v.dims:
                kwargs["contiguous"] = v.dtype == "S1"
            var = grp.createVariable(v.name, dtype, v.dims, **kwargs)
            attrs = {k: _attr_value(x) for k, x in v.attrs.items()}
            attrs.update({k: _attr_value(x) for k, x in product["var_attrs"].get(v.path, {}).items()})
            var.setncatts(attrs)
            if v.role == "grid_mapping":
                var.assignValue(0)
            elif v.dtype == "S1":
                n = sizes[v.dims[-1]]
                var[:] = netCDF4.stringtochar(np.array([value], dtype=f"S{n}"))
            elif v.dtype == "str":
                if v.dims:
                    var[:] = np.array(list(value), dtype=object)
                else:
                    var[...] = np.array(str(value), dtype=object)
            elif not v.dims:
                var.assignValue(np.asarray(value, dtype=v.dtype))
            else:
                arr = np.asarray(value)
                if arr.shape != tuple(sizes[d] for d in v.dims):
                    raise ValueError(f"{v.path}: shape {arr.shape} does not match dims {sizes}")
                var[:] = arr.astype(v.dtype)
        for g, attrs in product["group_attrs"].items():
            nc[g].setncatts({k: _attr_value(x) for k, x in attrs.items()})
        nc.setncatts({k: _attr_value(x) for k, x in product["global_attrs"].items()})
    tmp.replace(path)


def package(
    topsapp_dir,
    pair_json,
    out_dir,
    settings: dict | None = None,
    orbit_dir=None,
    config: dict | None = None,
    log_dirs=(),
    browse: bool = True,
    water_mask=None,
) -> dict:
    """Write gunw.nc, gunw.json, gunw.png and product_name.txt into ``out_dir``; return paths, name, timings."""
    from gunw_workflow.product import browse as browse_metadata

    pair = json.loads(Path(pair_json).read_text())
    settings = dict(settings if settings is not None else pair.get("settings", {}))
    settings.setdefault("frame_id", pair.get("frame_id", -1))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    product = assemble(
        Path(topsapp_dir),
        pair,
        settings,
        Path(orbit_dir) if orbit_dir else None,
        config,
        log_dirs,
        water_mask=Path(water_mask) if water_mask else None,
    )
    nc_path = out_dir / PRODUCT_FILES["nc"]
    write_netcdf(nc_path, product)
    label = product["name"][:-3]
    t = time.perf_counter()
    meta = browse_metadata.metadata_json(label, pair, product["cubes"]["perpendicularBaseline"])
    (out_dir / PRODUCT_FILES["json"]).write_text(json.dumps(meta, indent=2) + "\n")
    if browse:
        browse_metadata.write_browse(
            out_dir / PRODUCT_FILES["png"],
            product["values"][f"{L.DATA}/unwrappedPhase"],
            product["values"][f"{L.DATA}/connectedComponents"],
            product["water"],
        )
    product["timings"]["browse_metadata"] = time.perf_counter() - t
    (out_dir / PRODUCT_FILES["name"]).write_text(product["name"] + "\n")
    return {
        "name": product["name"],
        "nc": str(nc_path),
        "json": str(out_dir / PRODUCT_FILES["json"]),
        "png": str(out_dir / PRODUCT_FILES["png"]),
        "layers": sorted(product["layers"]),
        "version": product["global_attrs"]["version"],
        "cube_shape": list(product["grid"].shape),
        "timings_s": {k: round(v, 4) for k, v in product["timings"].items()},
    }


def _json_arg(text: str | None):
    if not text:
        return None
    p = Path(text)
    if not text.lstrip().startswith(("{", "[")) and p.exists():
        return json.loads(p.read_text())
    return json.loads(text)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--pair-dir", required=True, help="the pair directory (pair.json, inputs/, topsapp/, product/)"
    )
    p.add_argument("--options", required=True, help="the pair's product options (JSON text or a JSON file)")
    p.add_argument("--config", help="workflow config (JSON text or file) recorded, sanitised, as provenance")
    p.add_argument(
        "--water-mask",
        help="water mask raster (255 or 1 = water): coherence means with water mask, browse masking",
    )
    a = p.parse_args(argv)
    pair = PairDir(a.pair_dir)
    result = package(
        pair.topsapp,
        pair.pair_json,
        pair.product,
        settings=_json_arg(a.options),
        orbit_dir=pair.orbits,
        config=_json_arg(a.config),
        log_dirs=[pair.logs],
        water_mask=a.water_mask,
    )
    # the full result (layers, timings) goes to the job's log; the console gets one line
    json.dump(result, sys.stdout, indent=1)
    print()
    print(f"packaged {result['name']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
