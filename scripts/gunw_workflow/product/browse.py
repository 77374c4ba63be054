"""Browse PNG and DAAC metadata JSON of a GUNW (docs/product-contract.md).

Browse: unwrapped phase re-wrapped to (-pi, pi], masked where connected components are 0 or -1 (and optionally
water), scaled to [0, 1], HSV-coloured RGBA with masked pixels transparent, down-sampled to 20 % with Lanczos.
Quick-look (for the Snakemake report, not part of the product): the same masked phase at full resolution beside
the unwrapped phase and the coherence, each with a colour bar, on longitude/latitude axes with a scale bar.
Metadata JSON: the DAAC ingest record, validated against our copy of the DAAC schema
(``resources/gunw_schema.json``, Apache-2.0, from RAiDER; see ``resources/gunw_schema.NOTICE``).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np

from gunw_workflow.config import RESOURCES
from gunw_workflow.product import gunw_layout as L
from gunw_workflow.product import gunw_name

SCHEMA_PATH = RESOURCES / "gunw_schema.json"
PLATFORMS = {"S1A": "Sentinel-1A", "S1B": "Sentinel-1B", "S1C": "Sentinel-1C", "S1D": "Sentinel-1D"}
BROWSE_SCALE = 0.2


def browse_rgba(unw: np.ndarray, conncomp: np.ndarray, water: np.ndarray | None = None) -> np.ndarray:
    """Full-resolution RGBA uint8 browse image."""
    from matplotlib import colormaps

    mask = (conncomp == 0) | (conncomp == -1) | ~np.isfinite(unw)
    if water is not None:
        mask |= water.astype(bool)
    if mask.all():
        return np.zeros(unw.shape + (4,), dtype=np.uint8)
    wrapped = np.angle(np.exp(1j * unw.astype(np.float64)))
    wrapped[mask] = np.nan
    lo, hi = np.nanmin(wrapped), np.nanmax(wrapped)
    scaled = (wrapped - lo) / (hi - lo) if hi > lo else np.clip(wrapped - lo, 0, 1)
    rgba = colormaps["hsv"](scaled, bytes=True)  # NaN -> "bad" colour (0, 0, 0, 0): transparent
    rgba[mask] = 0
    return rgba


def write_browse(path, unw, conncomp, water=None, scale: float = BROWSE_SCALE) -> tuple[int, int]:
    """Write the PNG; returns its (width, height)."""
    from PIL import Image

    rgba = browse_rgba(np.asarray(unw), np.asarray(conncomp), water)
    img = Image.fromarray(rgba, mode="RGBA")
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    img = img.resize(size, Image.Resampling.LANCZOS)
    img.save(path, format="PNG", optimize=True)
    return size


QUICKLOOK_MAX_PIXELS = 1500
"""Longest side drawn (a 30 m frame is ~9,000 pixels; the figure is ~1,400 pixels wide)."""


def _nice_length_km(span_km: float) -> float:
    """A round scale-bar length of about a fifth of the panel width."""
    target = span_km / 5
    if target <= 0:
        return 1.0
    exp = 10 ** np.floor(np.log10(target))
    return float(max(m * exp for m in (1, 2, 5) if m * exp <= target))


def _scale_bar(ax, lon, lat) -> None:
    """A horizontal scale bar in km at the lower left (east-west distance at the scene's mid latitude)."""
    km_per_deg = 111.32 * np.cos(np.deg2rad(float(np.mean(lat))))
    west, east = float(np.min(lon)), float(np.max(lon))
    south, north = float(np.min(lat)), float(np.max(lat))
    length = _nice_length_km((east - west) * km_per_deg)
    x0, y0 = west + 0.06 * (east - west), south + 0.05 * (north - south)
    x1 = x0 + length / km_per_deg
    ax.plot([x0, x1], [y0, y0], color="black", lw=4, solid_capstyle="butt")
    ax.plot([x0, x1], [y0, y0], color="white", lw=2, solid_capstyle="butt")
    label = f"{length:g} km"
    ax.text(
        (x0 + x1) / 2,
        y0 + 0.015 * (north - south),
        label,
        ha="center",
        va="bottom",
        fontsize=9,
        bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1},
    )


def write_quicklook(path, unw, conncomp, coherence, lon, lat, title: str = "") -> tuple[int, int]:
    """A PNG with three panels (re-wrapped phase, unwrapped phase, coherence), colour bars and a scale bar;
    returns its (width, height) in pixels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    unw, conncomp, coherence = (np.asarray(a, dtype=np.float64) for a in (unw, conncomp, coherence))
    lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    step = max(1, int(np.ceil(max(unw.shape) / QUICKLOOK_MAX_PIXELS)))
    unw, conncomp, coherence = unw[::step, ::step], conncomp[::step, ::step], coherence[::step, ::step]
    lon, lat = lon[::step], lat[::step]
    if lat[0] < lat[-1]:  # draw north up whatever the row order
        unw, conncomp, coherence, lat = unw[::-1], conncomp[::-1], coherence[::-1], lat[::-1]
    mask = (conncomp == 0) | (conncomp == -1) | ~np.isfinite(unw)
    phase = np.where(mask, np.nan, unw)
    if np.isfinite(phase).any():
        phase = phase - np.nanmedian(phase)
    wrapped = np.where(mask, np.nan, np.angle(np.exp(1j * np.nan_to_num(unw))))
    coh = np.where(np.isfinite(coherence) & (coherence > 0), coherence, np.nan)
    extent = (lon.min(), lon.max(), lat.min(), lat.max())
    aspect = 1.0 / max(np.cos(np.deg2rad(float(np.mean(lat)))), 0.1)  # square pixels on the ground
    height_over_width = (extent[3] - extent[2]) * aspect / max(extent[1] - extent[0], 1e-9)
    panel_h = float(np.clip(4.2 * height_over_width, 2.5, 9.0))
    fig, axes = plt.subplots(1, 3, figsize=(14, panel_h + 1.4), dpi=100, constrained_layout=True)
    lim = float(np.nanmax(np.abs(phase))) if np.isfinite(phase).any() else 1.0
    panels = [
        (wrapped, "hsv", (-np.pi, np.pi), "re-wrapped phase (rad)", "browse: unwrapped phase re-wrapped"),
        (phase, "RdBu_r", (-lim, lim), "unwrapped phase - median (rad)", "unwrapped phase"),
        (coh, "gray", (0.0, 1.0), "coherence", "coherence"),
    ]
    for ax, (data, cmap, (vmin, vmax), label, name) in zip(axes, panels, strict=True):
        img = ax.imshow(
            data,
            cmap=cmap,
            vmin=vmin,
            vmax=vmax,
            extent=extent,
            origin="upper",
            interpolation="nearest",
            aspect=aspect,
        )
        ax.set_facecolor("#dddddd")  # masked (conncomp 0) pixels
        ax.set_title(name, fontsize=11)
        ax.set_xlabel("longitude (°)")
        ax.tick_params(labelsize=8)
        ax.ticklabel_format(useOffset=False)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        bar = fig.colorbar(img, ax=ax, orientation="horizontal", shrink=0.9, pad=0.02)
        bar.set_label(label, fontsize=9)
        if cmap == "hsv":
            bar.set_ticks([-np.pi, -np.pi / 2, 0, np.pi / 2, np.pi], labels=["-π", "-π/2", "0", "π/2", "π"])
        _scale_bar(ax, lon, lat)
    axes[0].set_ylabel("latitude (°)")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.savefig(path, format="png")
    size = tuple(int(v) for v in fig.canvas.get_width_height())
    plt.close(fig)
    return size


def _utc6(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _ring(geom) -> list[list[float]]:
    coords = [[float(x), float(y)] for x, y in geom.exterior.coords]
    for c in coords:
        # antimeridian: bring longitudes into [-180, 180] (the schema bound)
        c[0] = ((c[0] + 180.0) % 360.0) - 180.0 if not -180.0 <= c[0] <= 180.0 else c[0]
    return coords


def metadata_json(
    label: str, pair: dict, bperp_cube: np.ndarray, frame_id: int, now: dt.datetime | None = None
) -> dict:
    """The DAAC metadata record for one product."""
    import shapely.wkt
    from shapely.geometry import box

    ref = sorted(pair["reference_scenes"])
    sec = sorted(pair["secondary_scenes"])
    scenes = pair.get("scenes") or {}
    ref_times = sorted((gunw_name.scene_times(s, scenes.get(s)), s) for s in ref)
    sec_times = sorted((gunw_name.scene_times(s, scenes.get(s)), s) for s in sec)
    ref_first, sec_first = ref_times[0][1], sec_times[0][1]
    sensing_start = min(t[0][0] for t in ref_times)
    sensing_stop = max(t[0][1] for t in ref_times)
    sec_start = min(t[0][0] for t in sec_times)
    if pair.get("extent_wkt"):
        extent = shapely.wkt.loads(pair["extent_wkt"])
    else:
        s, n, w, e = pair["extent_snwe"]
        extent = box(w, s, e, n)
    if extent.geom_type == "MultiPolygon":
        extent = max(extent.geoms, key=lambda g: g.area)
    bbox = box(*extent.bounds)
    bperp = np.asarray(bperp_cube, dtype=float)[0]
    bperp = bperp[np.isfinite(bperp)]
    meta = {
        "ogr_bbox": _ring(bbox)[:-1],
        "reference_scenes": ref,
        "secondary_scenes": sec,
        "sensing_start": _utc6(sensing_start),
        "sensing_stop": _utc6(sensing_stop),
        "version": L.DATASET_VERSION,
        "temporal_baseline_days": round((sensing_start - sec_start).total_seconds() / 86400.0),
        "orbit_number": [int(ref_first.split("_")[7]), int(sec_first.split("_")[7])],
        "platform": [PLATFORMS[ref_first[:3]], PLATFORMS[sec_first[:3]]],
        "beam_mode": "IW",
        "orbit_direction": str(pair["flight_direction"]).lower(),
        "dataset_type": "slc",
        "product_type": "interferogram",
        "polarization": "VV",
        "look_direction": "right",
        "track_number": int(pair["track"]),
        "perpendicular_baseline": round(float(bperp.mean()), 4) if bperp.size else 0.0,
    }
    frame = int(frame_id)  # the product option (the netCDF's aria_frame_id)
    if frame != -1:
        meta["frame_number"] = frame
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return {
        "label": label,
        "location": {"type": "Polygon", "coordinates": [_ring(extent)]},
        "creation_timestamp": _utc6(now),
        "version": L.DATASET_VERSION,
        "metadata": meta,
    }


def load_schema(extend_platforms: bool = True) -> dict:
    """Our copy of the DAAC schema; optionally with Sentinel-1C/1D added to the platform enum (the DAAC's own
    schema only lists 1A/1B, so S1C/S1D products are reported separately by :func:`schema_problems`)."""
    schema = json.loads(SCHEMA_PATH.read_text())
    if extend_platforms:
        schema = copy.deepcopy(schema)
        enum = schema["properties"]["metadata"]["properties"]["platform"]["items"]["enum"]
        for p in PLATFORMS.values():
            if p not in enum:
                enum.append(p)
    return schema


def schema_problems(meta: dict, schema: dict | None = None) -> list[str]:
    """JSON-schema violations of a metadata record (empty = valid)."""
    import jsonschema

    schema = schema or load_schema()
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"metadata JSON {'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
        for e in sorted(validator.iter_errors(meta), key=lambda e: list(map(str, e.absolute_path)))
    ]


def main(argv=None):
    p = argparse.ArgumentParser(description="Make the browse PNG of a GUNW, or validate a metadata JSON.")
    p.add_argument("--gunw", help="GUNW netCDF to draw the browse from")
    p.add_argument("--png", help="output PNG")
    p.add_argument("--check-json", help="validate this metadata JSON against the DAAC schema copy")
    a = p.parse_args(argv)
    if a.check_json:
        problems = schema_problems(json.loads(Path(a.check_json).read_text()))
        for pr in problems:
            print(pr, file=sys.stderr)
        return 1 if problems else 0
    if not (a.gunw and a.png):
        p.error("--gunw and --png, or --check-json, are required")
    import netCDF4

    with netCDF4.Dataset(a.gunw) as nc:
        grp = nc[L.DATA]
        grp.set_auto_mask(False)
        size = write_browse(a.png, grp["unwrappedPhase"][:], grp["connectedComponents"][:])
    print(json.dumps({"png": a.png, "size": size}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
