"""verifyDEM and topo: the DEM check (EGM96 -> WGS84 copy into the cwd) and radar-geometry lat/lon/hgt/los.

Why: ISCE opens the DEM binary named by ``file_name`` in the DEM's .xml (resolved from the cwd), and topo's
per-burst geometry rasters are what every later step geolocates with.
"""

from __future__ import annotations

import os

import numpy as np

from . import geometry, isceio, proc
from .context import LOS_DESCRIPTION, Context, nn, orbit_of


def read_dem(path: str):
    """DEM array + header; ISCE opens the binary named by ``file_name`` (resolved from the cwd)."""
    info = isceio.read_header(path + ".xml")
    binary = info.file_name or path
    if not os.path.exists(binary):
        raise FileNotFoundError(
            f"DEM binary {binary} (file_name in {path}.xml, resolved from the cwd) not found"
        )
    return isceio.read_image(binary, info)[0], info


def dem_sampler(dem: np.ndarray, info: isceio.ImageInfo):
    from scipy import ndimage

    def height(lat, lon):
        li = (np.asarray(lat) - info.y0) / info.dy
        si = (np.asarray(lon) - info.x0) / info.dx
        return ndimage.map_coordinates(dem.astype(float), [li, si], order=1, mode="nearest")

    return height


def step_verifyDEM(ctx: Context) -> None:
    dem = ctx.app["dem_filename"]
    if not dem:
        raise RuntimeError("demFilename is empty: the double cannot download SRTM (no network)")
    info = isceio.read_header(dem + ".xml")
    if not os.path.exists(dem + ".vrt"):
        with open(dem + ".vrt", "w") as fh:
            fh.write(
                isceio.vrt_text(
                    dem,
                    info.width,
                    info.length,
                    info.bands,
                    info.data_type,
                    info.scheme,
                    (info.x0, info.dx, info.y0, info.dy),
                )
            )
    if (info.reference or "").upper() != "WGS84":
        # EGM96 -> WGS84 conversion into the cwd (geoid undulation not modelled: values copied)
        data, _ = read_dem(dem)
        out = os.path.basename(dem) + ".wgs84"
        isceio.write_image(
            out,
            data,
            info.data_type,
            "BIP",
            "dem",
            "demimage",
            coords=(info.x0, info.dx, info.y0, info.dy),
            reference="WGS84",
        )
        dem = out
    ctx.state["demUsed"] = dem


def _burst_geometry(orb: geometry.Orbit, b: dict, height):
    """lat, lon, hgt, incidence, LOS azimuth of every pixel of burst ``b`` (zero Doppler, on the DEM)."""
    t0 = orb.sec(b["sensing_start"])

    def fn(L, S):
        t = t0 + L * b["dt"]
        r = b["starting_range"] + S * b["range_pixel_size"]
        lat, lon, h = geometry.rdr2geo(orb, t, r, 0.0)
        # like ISCE's topo, iterate until the point lies on the DEM at its own position: on a slope the
        # height at the h = 0 position is not the height where the range sphere meets the terrain
        for _ in range(10):
            h = height(lat, lon)
            lat, lon, _ = geometry.rdr2geo(orb, t, r, h)
            if np.max(np.abs(height(lat, lon) - h)) < 1e-3:
                break
        h = height(lat, lon)
        inc, az = geometry.los_angles(orb, t, lat, lon, h)
        return lat, lon, h, inc, az

    return proc.coarse_grid_eval(fn, b["lines"], b["samples"])


def _write_burst_geometry(outdir: str, i: int, lat, lon, hgt, inc, az) -> None:
    for name, arr in (("hgt", hgt), ("lat", lat), ("lon", lon)):
        isceio.write_image(os.path.join(outdir, f"{name}_{nn(i)}.rdr"), arr, "DOUBLE", "BIP", "bip")
    isceio.write_image(
        os.path.join(outdir, f"los_{nn(i)}.rdr"),
        [inc, az],
        "FLOAT",
        "BIL",
        "bil",
        description=LOS_DESCRIPTION,
    )


def step_topo(ctx: Context) -> None:
    dem_path = ctx.state.get("demUsed") or ctx.app["dem_filename"]
    dem, dinfo = read_dem(dem_path)
    height = dem_sampler(dem, dinfo)
    doc = [("Dem_Used", dem_path)]
    boxes = []
    for swath in ctx.valid_swaths():
        ref = ctx.product("reference", swath)
        orb = orbit_of(ref)
        r0i, _, cnt = ctx.common(swath)
        doc.append((f"Number_of_common_bursts_IW-{swath}", cnt))
        outdir = os.path.join("geom_reference", f"IW{swath}")
        for k, i in enumerate(range(r0i, r0i + cnt)):
            b = ref["bursts"][i]
            lat, lon, hgt, inc, az = _burst_geometry(orb, b, height)
            _write_burst_geometry(outdir, i, lat, lon, hgt, inc, az)
            box = [float(lat.min()), float(lat.max()), float(lon.min()), float(lon.max())]
            boxes.append(box)
            doc += [
                (f"Number_of_lines_for_burst_{k}_-_IW-{swath}", b["lines"]),
                (f"Number_of_pixels_for_bursts_{k}_-_IW-{swath}", b["samples"]),
                (f"Bounding_box_for_burst_{k}_-_IW-{swath}", box),
            ]
    if boxes:
        overall = [
            min(b[0] for b in boxes),
            max(b[1] for b in boxes),
            min(b[2] for b in boxes),
            max(b[3] for b in boxes),
        ]
        doc.append(("Overall_bounding_box", overall))
    ctx.doc("topo", doc)
