"""The SAFE zips of the synthetic pair: simulated burst data in CInt16 measurement TIFFs, their annotations and
the manifest, zipped in the real layout (``<scene id>.SAFE/...``).

Signal: complex Gaussian speckle shared by both dates, indexed by absolute azimuth line so burst overlaps agree;
reference = speckle + noise, secondary = delayed(speckle) * exp(-1j*phi) + noise (independent noise per image),
so reference * conj(secondary) has phase +phi.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
import zipfile
from pathlib import Path

import numpy as np

from gunw_workflow.demo.annotation import annotation_xml
from gunw_workflow.demo.manifest import manifest_xml
from gunw_workflow.demo.scene import (
    AZIMUTH_TIME_INTERVAL,
    INVALID_LINES,
    INVALID_SAMPLES,
    RADAR_FREQUENCY,
    RANGE_PIXEL,
    RANGE_SAMPLING_RATE,
    Scene,
    SceneModel,
)
from gunw_workflow.isce_io import orbit as og
from gunw_workflow.isce_io.times import format_compact


def _tiff_bytes(data: np.ndarray, gcps: list) -> tuple[bytes, list[int]]:
    """One-band CInt16 GeoTIFF (one strip per line, GCPs like real S1 measurement files) and the byte offset
    of each line's strip."""
    from rasterio.control import GroundControlPoint
    from rasterio.crs import CRS
    from rasterio.errors import NotGeoreferencedWarning
    from rasterio.io import MemoryFile

    h, w = data.shape
    with MemoryFile() as mem, warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # GCPs are set right after creation
        with mem.open(driver="GTiff", width=w, height=h, count=1, dtype="complex_int16", blockysize=1) as ds:
            ds.write(data.astype(np.complex64), 1)
            ds.gcps = ([GroundControlPoint(*g) for g in gcps], CRS.from_epsg(4326))
        with mem.open() as ds:
            offsets = [int(ds.get_tag_item(f"BLOCK_OFFSET_0_{y}", "TIFF", bidx=1)) for y in range(h)]
        return mem.read(), offsets


def _burst(m: SceneModel, sc: Scene, k: int, speckle, rr, secondary: bool, rng) -> np.ndarray:
    """Burst ``k``: its speckle lines (delayed and phase-shifted for the secondary) + noise, invalid edges 0."""
    L, W, dtl = m.L, m.W, AZIMUTH_TIME_INTERVAL
    rel = (sc.burst_starts[k] - sc.t_first).total_seconds() + np.arange(L) * dtl
    s = speckle[k * m.step + np.arange(L)]
    if secondary:
        phi = m.phi(rel[:, None], rr[None, :])
        if m.p.range_delay:
            # true two-way delay: shift the speckle by phi*fs/(2 pi f0) samples (first order), non-dispersive
            freq = np.fft.fftfreq(W)
            ds = np.fft.ifft(np.fft.fft(s, axis=1) * (2j * np.pi * freq)[None, :], axis=1)
            s = s - (phi * RANGE_SAMPLING_RATE / (2 * np.pi * RADAR_FREQUENCY)) * ds
        s = s * np.exp(-1j * phi)
    amp_n = m.p.noise_amplitude / math.sqrt(2)
    noise = amp_n * (rng.standard_normal((L, W)) + 1j * rng.standard_normal((L, W)))
    burst = (s + noise).astype(np.complex64)
    mask = np.zeros((L, W), bool)
    mask[INVALID_LINES : L - INVALID_LINES, INVALID_SAMPLES : W - INVALID_SAMPLES] = True
    return np.where(mask, burst, 0)


def _stem(m: SceneModel, sc: Scene, n: int) -> str:
    """Annotation / measurement file stem: mission-swath-product-pol-start-stop-orbit-datatake-image."""
    t_last = sc.burst_starts[-1] + dt.timedelta(seconds=(m.L - 1) * AZIMUTH_TIME_INTERVAL)
    return (
        f"{sc.sid.mission.lower()}-iw{n}-slc-{m.pol}-{format_compact(sc.burst_starts[0]).lower()}-"
        f"{format_compact(t_last).lower()}-{sc.sid.absolute_orbit:06d}-{sc.sid.datatake.lower()}-"
        f"{m.image_number(n):03d}"
    )


def _swath_files(m: SceneModel, n: int, rng, files: dict[str, dict[str, bytes]]) -> None:
    """Measurement TIFF + annotation of swath ``n`` for both scenes (the speckle is drawn once per swath)."""
    L, W, B = m.L, m.W, m.B
    amp_s = m.p.speckle_amplitude / math.sqrt(2)
    speckle = amp_s * (rng.standard_normal((m.total_lines, W)) + 1j * rng.standard_normal((m.total_lines, W)))
    rr = m.near_ranges[n] + np.arange(W) * RANGE_PIXEL
    for si, sc in enumerate(m.scenes):
        img = np.zeros((B * L, W), dtype=np.complex64)
        for k in range(B):
            img[k * L : (k + 1) * L] = _burst(m, sc, k, speckle, rr, si == 1, rng)
        grid = m.geogrid(sc, n)
        gcps = [
            (
                float(grid["line"][i]),
                float(grid["pixel"][i]),
                float(grid["lon"][i]),
                float(grid["lat"][i]),
                float(grid["h"][i]),
            )
            for i in range(len(grid["line"]))
        ]
        tiff, offsets = _tiff_bytes(np.round(img.real) + 1j * np.round(img.imag), gcps)
        stem = _stem(m, sc, n)
        files[sc.scene_id][f"annotation/{stem}.xml"] = annotation_xml(
            m, sc, n, grid, [offsets[k * L] for k in range(B)]
        )
        files[sc.scene_id][f"measurement/{stem}.tiff"] = tiff


def footprint(m: SceneModel, sc: Scene) -> list[tuple[float, float]]:
    """Product corners at h = 0 in the order of real manifests: last-near, last-far, first-far, first-near."""
    o = m.orbit_for(sc, 30.0)
    rel_last = (m.total_lines - 1) * AZIMUTH_TIME_INTERVAL
    r_far = m.near_ranges[m.swaths[-1]] + (m.W - 1) * RANGE_PIXEL
    la, lo, _ = og.rdr2geo(
        o, np.array([rel_last, rel_last, 0.0, 0.0]), np.array([m.r0, r_far, r_far, m.r0]), 0.0
    )
    return list(zip(la.tolist(), lo.tolist(), strict=True))


def write_safes(m: SceneModel, slc_dir: Path, rng) -> tuple[list[Path], dict[str, list]]:
    """``<slc_dir>/<scene id>.zip`` per scene (written to .part, then renamed); returns them and the footprints."""
    slc_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, bytes]] = {sc.scene_id: {} for sc in m.scenes}
    for n in m.swaths:
        _swath_files(m, n, rng, files)
    zips, footprints = [], {}
    for sc in m.scenes:
        footprints[sc.scene_id] = footprint(m, sc)
        members = dict(sorted(files[sc.scene_id].items()))
        manifest = manifest_xml(m, sc, members, footprints[sc.scene_id])
        zpath = slc_dir / f"{sc.scene_id}.zip"
        tmp = zpath.with_suffix(".zip.part")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            zf.writestr(f"{sc.scene_id}.SAFE/manifest.safe", manifest)
            for name, data in members.items():
                zf.writestr(f"{sc.scene_id}.SAFE/{name}", data)
        tmp.replace(zpath)
        zips.append(zpath)
    return zips, footprints
