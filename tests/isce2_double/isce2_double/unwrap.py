"""filter, unwrap, unwrap2stage: filtered interferogram + phase-sigma coherence, unwrapped phase + components.

Why: the unwrapper decides file names (ICU writes merged/filt_topophase.conncomp, every snaphu flavour
merged/filt_topophase.unw.conncomp) and snaphu fails on a 0-byte phsig.cor, which ISCE's ICU filter writes when
the multilooked interferogram has fewer than 265 lines.
"""

from __future__ import annotations

import os

import numpy as np

from . import isceio, proc
from .context import Context

ICU_MIN_LINES = 265
"""ISCE's ICU phase-sigma needs this many multilooked lines; below it phsig.cor is written empty."""

SNAPHU = ("snaphu", "snaphu_mcf", "downsample_snaphu")
ICU = ("icu", "grass")


def step_filter(ctx: Context) -> None:
    if not ctx.app["do_interferogram"]:
        return
    ifg = isceio.read_image("merged/topophase.flat")[0]
    filt = proc.smooth_complex(ifg, float(ctx.app["filter_strength"]))
    isceio.write_image("merged/filt_topophase.flat", filt, "CFLOAT", "BIP", "cpx", "intimage")
    if ifg.shape[0] < ICU_MIN_LINES:
        open("merged/phsig.cor", "w").close()
        isceio.write_headers("merged/phsig.cor", ifg.shape[1], ifg.shape[0], 1, "FLOAT", "BIP", "cor")
        return
    isceio.write_image("merged/phsig.cor", proc.phase_sigma(filt), "FLOAT", "BIP", "cor")


def conncomp_file(unwrapper: str) -> str:
    """The connected-component file the unwrapper writes (raises like ISCE for an unknown name)."""
    name = str(unwrapper).lower()
    if name in SNAPHU:
        return "merged/filt_topophase.unw.conncomp"
    if name in ICU:
        return "merged/filt_topophase.conncomp"
    raise Exception(f"Unrecognized unwrapper name: {unwrapper}")


def step_unwrap(ctx: Context) -> None:
    from scipy import ndimage

    app = ctx.app
    if not app["do_unwrap"]:
        return
    filt = isceio.read_image("merged/filt_topophase.flat")[0]
    cc = conncomp_file(app["unwrapper_name"])
    if str(app["unwrapper_name"]).lower() in SNAPHU:
        info = isceio.read_header("merged/phsig.cor.xml")
        if os.path.getsize("merged/phsig.cor") != info.width * info.length * 4:
            raise Exception("snaphu: wrong size of correlation file merged/phsig.cor")
    valid = filt != 0
    unw = proc.unwrap2d(np.angle(filt), valid)
    isceio.write_image(
        "merged/filt_topophase.unw", [np.abs(filt).astype(np.float32), unw], "FLOAT", "BIL", "unw"
    )
    conn = ndimage.binary_erosion(valid, iterations=1).astype(np.uint8)
    isceio.write_image(cc, conn, "BYTE", "BIP", "byte")
    ctx.state["connectedComponentFilename"] = cc


def step_unwrap2stage(ctx: Context) -> None:
    app = ctx.app
    if not app["do_unwrap_2stage"] or str(app["unwrapper_name"]).lower() in ICU:
        return
    raise ModuleNotFoundError("No module named 'pulp' (unwrap2stage is not provided by the double)")
