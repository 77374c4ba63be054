"""Package ISCE2 topsApp outputs of one pair into an ARIA S1-GUNW v3 netCDF (+ browse PNG + metadata JSON).

Inputs are what topsApp leaves in its working directory (geocoded rasters, swath XMLs, ``topsProc.xml``, the
topsApp properties JSON), the pair's ``pair.json`` and the product options. Which ISCE file feeds which layer, and
every attribute, comes from the ``gunw_layout`` table (the validator reads the same table). File names inside the
product directory come from ``layout.PRODUCT_FILES``: the real product name is only known at run time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import h5netcdf
import h5py
import numpy as np

from gunw_workflow.config import PYPROJECT
from gunw_workflow.isce_io import orbit as og
from gunw_workflow.isce_io import rasters as isce_io
from gunw_workflow.layout import PRODUCT_FILES, TOPSAPP_PROPERTIES_JSON, PairDir
from gunw_workflow.product import attributes, delivery, footprint, gunw_name, provenance
from gunw_workflow.product import cubes as gc
from gunw_workflow.product import gunw_layout as L
from gunw_workflow.product import layers as layer_reader
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
    tp = topsapp_dir / L.TOPSPROC_XML
    if tp.exists():
        v = isce_io.topsproc_isce_version(isce_io.read_topsproc(tp))
    return v or "unknown"


# --- the run's topsApp properties --------------------------------------------------------------------------------


def read_properties(topsapp_dir: Path) -> dict:
    """The topsApp property dict every step rendered topsApp.xml from (``layout.TOPSAPP_PROPERTIES_JSON``)."""
    path = Path(topsapp_dir) / TOPSAPP_PROPERTIES_JSON
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: every topsApp step writes it next to topsApp.xml")
    return json.loads(path.read_text())


def unwrapper_of(properties: dict) -> str:
    """The run's ``unwrapper name`` (the connected-component file name and unwrapMethod depend on it)."""
    try:
        return str(properties["unwrapper name"])
    except KeyError:
        raise ValueError(
            f"the topsApp properties ({TOPSAPP_PROPERTIES_JSON}) hold no 'unwrapper name'"
        ) from None


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


@dataclass
class Passes:
    """The swath XMLs of a run and the GUNW roles: ``ref``/``sec`` are the GUNW reference (later) / secondary."""

    isce_ref: list
    isce_sec: list
    ifg: list
    swapped: bool

    @property
    def ref(self) -> list:
        return self.isce_sec if self.swapped else self.isce_ref

    @property
    def sec(self) -> list:
        return self.isce_ref if self.swapped else self.isce_sec


def read_passes(topsapp_dir: Path, pair: dict) -> Passes:
    """ISCE's reference / secondary / interferogram swaths and whether ISCE's roles are the GUNW roles swapped."""
    d = {role: isce_io.read_swaths(topsapp_dir / sub) for role, sub in L.SWATH_DIRS.items()}
    swapped = isce_roles_swapped(pair, d["reference"], d["secondary"])
    if swapped:
        print(
            "WARNING: ISCE's reference is the earlier (GUNW secondary) pass: phase layers are negated to the GUNW "
            "convention later x conj(earlier)",
            file=sys.stderr,
        )
    return Passes(d["reference"], d["secondary"], d["interferogram"], swapped)


def check_frame(pair: dict, options: dict) -> None:
    """The options' frame_id is the pair's (pair.json): anything else is packaging with another pair's options."""
    frame = int(L.option(options, "frame_id"))
    if "frame_id" in pair and int(pair["frame_id"]) != frame:
        raise ValueError(
            f"product option frame_id {frame} differs from pair.json frame_id {pair['frame_id']}"
        )


def geometry(passes: Passes, orbit_dir: Path | None, data: dict, timings: dict) -> dict:
    """Orbits of both GUNW passes, the bounding polygon, the cube grid and the imaging-geometry cubes."""
    ref_orbit = load_orbit(passes.ref, orbit_dir)
    sec_orbit = load_orbit(passes.sec, orbit_dir)
    lat, lon = data["coords"][L.DATA]
    poly = footprint.data_footprint(footprint.valid_data_mask(data["values"]), lat, lon)
    quads = np.vstack(gc.swath_footprint(ref_orbit, passes.ref))
    grid = gc.cube_grid(quads[:, 0].min(), quads[:, 1].min(), quads[:, 0].max(), quads[:, 1].max())
    t = time.perf_counter()
    cubes = gc.compute_cubes(ref_orbit, sec_orbit, grid)
    timings["geometry_cubes"] = time.perf_counter() - t
    return {"ref_orbit": ref_orbit, "sec_orbit": sec_orbit, "polygon": poly, "grid": grid, "cubes": cubes}


def layer_values(data: dict, layers: set[str], values: dict, dims: dict) -> None:
    """Every data layer and the 1-D coordinates of its group."""
    for group, (lat, lon) in data["coords"].items():
        dims[group] = {"latitude": len(lat), "longitude": len(lon)}
        values[f"{group}/latitude"] = lat
        values[f"{group}/longitude"] = lon
    for v in L.layer_vars(layers):
        values[v.path] = data["values"][v.name]


def cube_values(geo: dict, values: dict, dims: dict) -> None:
    grid = geo["grid"]
    dims[L.GEOM] = {
        "heightsMeta": len(grid.heights),
        "latitudeMeta": len(grid.lat),
        "longitudeMeta": len(grid.lon),
    }
    values[f"{L.GEOM}/heightsMeta"] = grid.heights
    values[f"{L.GEOM}/latitudeMeta"] = grid.lat
    values[f"{L.GEOM}/longitudeMeta"] = grid.lon
    for k in L.CUBE_NAMES:
        values[f"{L.GEOM}/{k}"] = geo["cubes"][k]


def tide_values(geo: dict, wavelength: float, values: dict, dims: dict) -> None:
    """Solid-earth-tide cubes of both passes on the imaging-geometry nodes."""
    grid, cubes = geo["grid"], geo["cubes"]
    for grp, orbit, tkey in ((L.SET_REF, geo["ref_orbit"], "t_ref"), (L.SET_SEC, geo["sec_orbit"], "t_sec")):
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


def radar_metadata(pair: dict, passes: Passes, options: dict, unwrapper: str, isce_v: str) -> dict:
    """radarMetaData values: wavelength and timing of the GUNW reference pass, ranges, granules, orbit types."""
    bursts = [b for s in passes.ifg for b in s.bursts]
    zd_sw = passes.ref if passes.swapped else passes.ifg  # zero-Doppler times of the GUNW reference pass
    wavelength = passes.ref[0].bursts[0].wavelength
    esd = float(L.option(options, "esd_coherence_threshold"))
    ref_orbit, sec_orbit = passes.ref[0].orbit, passes.sec[0].orbit
    return {
        f"{L.RMD}/missionID": L.RMD_FIXED["missionID"],
        f"{L.RMD}/wavelength": wavelength,
        f"{L.RMD}/centerFrequency": SPEED_OF_LIGHT / wavelength,
        f"{L.RMD}/productType": L.RMD_FIXED["productType"],
        f"{L.RMD}/ISCEversion": isce_v,
        f"{L.RMD}/unwrapMethod": L.unwrap_method(unwrapper),
        f"{L.RMD}/DEM": L.DEM_NAME,
        f"{L.RMD}/ESDthreshold": esd if esd >= 0 else -1.0,
        f"{L.RMD}/azimuthZeroDopplerStartTime": iso_z(min(s.sensing_start for s in zd_sw)),
        f"{L.RMD}/azimuthZeroDopplerEndTime": iso_z(max(s.sensing_stop for s in zd_sw)),
        f"{L.RMD}/azimuthTimeInterval": bursts[0].azimuth_time_interval,
        f"{L.RMD}/slantRangeSpacing": bursts[0].range_pixel_size,
        f"{L.RMD}/slantRangeStart": min(b.starting_range for b in bursts),
        f"{L.RMD}/slantRangeEnd": max(b.far_range for b in bursts),
        f"{L.SLC_REF}/L1InputGranules": sorted(pair["reference_scenes"]),
        f"{L.SLC_REF}/orbitType": isce_io.orbit_type(ref_orbit.source if ref_orbit else ""),
        f"{L.SLC_SEC}/L1InputGranules": sorted(pair["secondary_scenes"]),
        f"{L.SLC_SEC}/orbitType": isce_io.orbit_type(sec_orbit.source if sec_orbit else ""),
    }


def grid_attrs(pair: dict, options: dict) -> dict:
    """/science/grids attributes: the product options and the pair's scenes (the validator reads them back)."""
    out = {
        k: L.option(options, k) for k in L.GRID_PARAMS if k not in ("reference_scenes", "secondary_scenes")
    }
    out["reference_scenes"] = sorted(pair["reference_scenes"])
    out["secondary_scenes"] = sorted(pair["secondary_scenes"])
    out["frame_id"] = int(out["frame_id"])
    return {k: out[k] for k in L.GRID_PARAMS}


def _baselines(topsapp_dir: Path) -> tuple[list, list]:
    tp = topsapp_dir / L.TOPSPROC_XML
    return isce_io.topsproc_baselines(isce_io.read_topsproc(tp)) if tp.exists() else ([], [])


def assemble(
    topsapp_dir: Path,
    pair: dict,
    options: dict,
    orbit_dir: Path | None = None,
    config: dict | None = None,
    log_dirs=(),
    water_mask: Path | None = None,
) -> dict:
    """Everything to write: layer keys, variable values by path, dimension sizes, attributes, the name.

    ``options`` are the complete product options (a missing key raises); the unwrapper comes from the run's
    topsApp properties, so the connected-component file and unwrapMethod follow what ISCE actually ran.
    """
    topsapp_dir = Path(topsapp_dir)
    check_frame(pair, options)
    properties = read_properties(topsapp_dir)
    unwrapper = unwrapper_of(properties)
    layers = L.layers_for(options, layer_reader.available_layers(topsapp_dir, unwrapper))
    name = gunw_name.product_name(pair, options)
    passes = read_passes(topsapp_dir, pair)
    timings = {}
    t = time.perf_counter()
    data = layer_reader.read_layers(
        topsapp_dir, layers, unwrapper, phase_sign=-1.0 if passes.swapped else 1.0
    )
    timings["read_layers"] = time.perf_counter() - t
    geo = geometry(passes, orbit_dir, data, timings)

    wkt = geo["polygon"].wkt
    values: dict[str, object] = {"/productBoundingBox": wkt}
    dims: dict[str, dict[str, int]] = {"/": {"wkt_count": 1, "wkt_length": len(wkt)}}
    layer_values(data, layers, values, dims)
    cube_values(geo, values, dims)
    if "set" in layers:
        t = time.perf_counter()
        tide_values(geo, passes.ref[0].bursts[0].wavelength, values, dims)
        timings["solid_earth_tide"] = time.perf_counter() - t
    isce_v = isce_version(topsapp_dir, log_dirs)
    values.update(radar_metadata(pair, passes, options, unwrapper, isce_v))
    dims[L.SLC_REF] = {"granules": len(pair["reference_scenes"])}
    dims[L.SLC_SEC] = {"granules": len(pair["secondary_scenes"])}

    lat, lon = data["coords"][L.DATA]
    water = water_on_grid(Path(water_mask), lat, lon) if water_mask else None
    run = attributes.Run(
        pair=pair,
        options=options,
        properties=properties,
        config=config,
        layers=layers,
        data=data,
        water=water,
        water_mask=Path(water_mask) if water_mask else None,
        swapped=passes.swapped,
        isce_version=isce_v,
        workflow_version=workflow_version(),
        test_double=isce_io.double_marker_from_logs(*log_dirs, topsapp_dir / "logs", topsapp_dir),
        baselines=_baselines(topsapp_dir),
    )
    return {
        "name": name,
        "water": water,
        "layers": layers,
        "values": values,
        "dims": dims,
        "var_attrs": {v.path: attributes.resolve(v.attrs, run) for v in L.variables(layers)},
        "global_attrs": attributes.resolve(L.GLOBALS, run),
        "group_attrs": {L.GRIDS: grid_attrs(pair, options)},
        "cubes": geo["cubes"],
        "grid": geo["grid"],
        "polygon": geo["polygon"],
        "timings": timings,
        "swapped": passes.swapped,
    }


# --- writing ------------------------------------------------------------------------------------------------------


def _attr_value(v):
    if isinstance(v, bool) or isinstance(v, np.bool_):
        return np.int8(1 if v else 0)
    if isinstance(v, (list, tuple)) and v and all(isinstance(x, str) for x in v):
        return list(v)
    if v is None:
        return "None"
    return v


def _create_variable(grp, v: L.Var, sizes: dict):
    """The netCDF variable as the table declares it: dtype, fill, filters, chunking."""
    kwargs = {}
    if v.fill is not None:
        kwargs["fillvalue"] = np.array(v.fill, dtype=v.dtype)
    dtype = h5py.string_dtype("utf-8") if v.dtype == "str" else v.dtype  # netCDF-4 NC_STRING
    if v.dims and v.dtype not in ("str", "S1"):
        if v.filters["zlib"]:
            kwargs.update(compression="gzip", compression_opts=v.filters["complevel"])
        kwargs.update(shuffle=v.filters["shuffle"], chunks=L.chunk_shape(v, sizes))
    # no filters and no chunk shape: HDF5 stores the variable contiguous (the char array, strings, scalars)
    return grp.create_variable(v.name, v.dims, dtype, **kwargs)


def _store(var, v: L.Var, value, sizes: dict) -> None:
    """Write ``value`` in the form the variable's role needs (char array, vlen strings, scalar, array)."""
    if v.role == "grid_mapping":
        var[...] = np.asarray(0, dtype=v.dtype)
    elif v.dtype == "S1":
        n = sizes[v.dims[-1]]
        var[:] = np.array([value], dtype=f"S{n}").view("S1").reshape(1, n)  # netCDF char array
    elif v.dtype == "str":
        if v.dims:
            var[:] = np.array(list(value), dtype=object)
        else:
            var[...] = np.array(str(value), dtype=object)
    elif not v.dims:
        var[...] = np.asarray(value, dtype=v.dtype)
    else:
        arr = np.asarray(value)
        if arr.shape != tuple(sizes[d] for d in v.dims):
            raise ValueError(f"{v.path}: shape {arr.shape} does not match dims {sizes}")
        var[:] = arr.astype(v.dtype)


def _node(nc, path: str):
    """The group at ``path`` ("/" = the file)."""
    return nc if path == "/" else nc[path]


def _set_attrs(obj, attrs: dict) -> None:
    for k, x in attrs.items():
        obj.attrs[k] = _attr_value(x)


def _write_variable(nc, v: L.Var, product: dict) -> None:
    grp = _node(nc, v.group)
    sizes = {d: len(grp.dimensions[d]) if d in grp.dimensions else None for d in v.dims}
    missing = [d for d, n in sizes.items() if n is None]
    if missing:
        raise ValueError(f"{v.path}: dimensions {missing} not defined in {v.group}")
    value = product["values"].get(v.path)
    if value is None and v.role != "grid_mapping":
        raise ValueError(f"{v.path}: no value to write")
    var = _create_variable(grp, v, sizes)
    _set_attrs(var, product["var_attrs"][v.path])
    _store(var, v, value, sizes)


def write_netcdf(path: Path, product: dict) -> None:
    """Create the netCDF-4 file exactly as the layout table declares (groups, dims, dtypes, fills, filters,
    chunks) with h5netcdf (HDF5 with netCDF-4 dimension scales). Its core API, not ``h5netcdf.legacyapi``: in
    h5netcdf 1.8.2 a legacyapi group's ``name`` is its basename, and dimensions of groups nested two levels or
    deeper are then created under a wrong HDF5 path (KeyError)."""
    layers = product["layers"]
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    with h5netcdf.File(tmp, "w") as nc:
        for g in L.groups(layers):
            if g != "/":
                nc.create_group(g)
        for g, sizes in product["dims"].items():
            grp = _node(nc, g)
            for d, n in sizes.items():
                grp.dimensions[d] = n
        for v in L.variables(layers):
            _write_variable(nc, v, product)
        for g, attrs in product["group_attrs"].items():
            _set_attrs(_node(nc, g), attrs)
        _set_attrs(nc, product["global_attrs"])
    tmp.replace(path)


def package(
    topsapp_dir,
    pair_json,
    out_dir,
    options: dict,
    orbit_dir=None,
    config: dict | None = None,
    log_dirs=(),
    browse: bool = True,
    water_mask=None,
) -> dict:
    """Write gunw.nc, gunw.json, gunw.png and product_name.txt into ``out_dir``; return paths, name, timings.

    ``options``: the complete product options (every key of gunw_name.PRODUCT_OPTION_KEYS and frame_id).
    """
    from gunw_workflow.product import browse as browse_metadata

    pair = json.loads(Path(pair_json).read_text())
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    product = assemble(
        Path(topsapp_dir),
        pair,
        dict(options),
        Path(orbit_dir) if orbit_dir else None,
        config,
        log_dirs,
        water_mask=Path(water_mask) if water_mask else None,
    )
    nc_path = out_dir / PRODUCT_FILES["nc"]
    write_netcdf(nc_path, product)
    label = product["name"][:-3]
    t = time.perf_counter()
    meta = browse_metadata.metadata_json(
        label, pair, product["cubes"]["perpendicularBaseline"], product["global_attrs"]["aria_frame_id"]
    )
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
        "--config-env",
        action="store_true",
        help=f"record the workflow config from ${provenance.ENV} and pair.json (what the workflow does)",
    )
    p.add_argument(
        "--water-mask",
        help="water mask raster (255 or 1 = water): coherence means with water mask, browse masking",
    )
    a = p.parse_args(argv)
    pair = PairDir(a.pair_dir)
    delivery.withdraw(pair.delivered_txt)  # the delivered product is stale from now on
    config = _json_arg(a.config)
    if a.config_env:
        config = provenance.from_environment(json.loads(Path(pair.pair_json).read_text()))
    result = package(
        pair.topsapp,
        pair.pair_json,
        pair.product,
        options=_json_arg(a.options),
        orbit_dir=pair.orbits,
        config=config,
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
