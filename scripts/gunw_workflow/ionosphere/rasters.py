"""ISCE raster read/write for the ionosphere stages: headers copied from ISCE's own file of the same grid.

Why: ISCE2's later sub-steps and mergebursts open our outputs through their ``.xml`` exactly like their own, so an
output takes the header of an ISCE raster on the same grid (width, length, bands, interleave), with only the file
name changed. Writes go to a temporary name first and are renamed, binary last, so a kill leaves no half file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gunw_workflow.isce_io.headers import ISCE_DTYPES, raster_header, rewrite_header, vrt_xml
from gunw_workflow.isce_io.rasters import read_raster


def read_band(path, band: int = 1) -> np.ndarray:
    return read_raster(path, band)


def _interleave(h, bands: list[np.ndarray]) -> np.ndarray:
    cube = np.stack([np.asarray(b) for b in bands])
    if h.scheme == "BIL":
        return cube.transpose(1, 0, 2)
    if h.scheme == "BIP":
        return cube.transpose(1, 2, 0)
    return cube


def write_like(template, out, bands: list[np.ndarray], file_name: str | None = None, **updates: str) -> Path:
    """Write ``bands`` to ``out`` (+ .xml, .vrt) with the header of the ISCE raster ``template``; ``file_name``
    is the path ISCE opens it by (relative to the topsApp directory, as ISCE writes it; default: ``out``);
    ``updates`` set other header properties (``data_type``)."""
    h = raster_header(template)
    if "data_type" in updates:
        h.data_type = updates["data_type"]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for b in bands:
        if b.shape != (h.length, h.width):
            raise ValueError(
                f"{out}: array {b.shape} does not fit the grid of {template} ({h.length}, {h.width})"
            )
    if len(bands) != h.bands:
        raise ValueError(f"{out}: {len(bands)} bands, {template} has {h.bands}")
    data = _interleave(h, bands).astype(np.dtype("<" + ISCE_DTYPES[h.data_type]))
    tmp_bin = out.with_name(out.name + ".tmp")
    tmp_xml = out.with_name(out.name + ".xml.tmp")
    tmp_vrt = out.with_name(out.name + ".vrt.tmp")
    data.tofile(tmp_bin)
    hdr = rewrite_header(template, tmp_xml, file_name=file_name or str(out), **updates)
    hdr.path = out
    tmp_vrt.write_text(vrt_xml(hdr, out.name))
    tmp_xml.replace(str(out) + ".xml")
    tmp_vrt.replace(str(out) + ".vrt")
    tmp_bin.replace(out)
    return out


def rewrite_in_place(path, array: np.ndarray) -> None:
    """Replace the binary of a one-band ISCE raster (header unchanged), atomically."""
    h = raster_header(path)
    if array.shape != (h.length, h.width) or h.bands != 1:
        raise ValueError(
            f"{path}: cannot rewrite a {h.bands}-band {h.length}x{h.width} raster with {array.shape}"
        )
    tmp = Path(str(path) + ".tmp")
    array.astype(np.dtype("<" + ISCE_DTYPES[h.data_type])).tofile(tmp)
    tmp.replace(path)
