"""The delivery folder: the valid product of each pair, under its ARIA name (<results_dir>/products/<id>/).

The name depends on settings and dates, so it is not a declared Snakemake output; each pair records what it
delivered (layout.PairDir.delivered_txt) and withdraws it as soon as its product is re-made (a topsApp job or
packaging re-runs) or fails validation. So the folder never holds a product of settings the pair no longer has,
under its old name or its new one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from gunw_workflow import layout


def withdraw(record_file: str | Path) -> list[str]:
    """Delete the delivered files the record lists (and their emptied folders), then the record."""
    record = Path(record_file)
    if not record.is_file():
        return []
    removed = []
    for line in record.read_text().splitlines():
        path = Path(line)
        if line and (path.exists() or path.is_symlink()):
            path.unlink()
            removed.append(line)
            try:
                path.parent.rmdir()
            except OSError:
                pass  # not empty: another of the pair's files, or another product
    record.unlink()
    return removed


def deliver(gunw, name: str, products_dir, sidecars=(), record_file: str | Path | None = None) -> Path:
    """Hard-link (copy across file systems) a valid product and its sidecars to ``layout.delivery`` paths.

    ``sidecars`` are ``(path, key)`` pairs, ``key`` a ``layout.PRODUCT_FILES`` key (``json``, ``png``): the
    delivered copy keeps that file's suffix. Earlier deliveries in ``record_file`` are withdrawn first, and the
    new one is recorded there. Returns the product's delivery directory.
    """
    if record_file is not None:
        withdraw(record_file)
    label = name[:-3] if name.endswith(".nc") else name
    dest, delivered = None, []
    for src, key in [(gunw, "nc"), *sidecars]:
        if src is None:
            continue
        target = Path(layout.delivery(str(products_dir), label, Path(layout.PRODUCT_FILES[key]).suffix))
        target.parent.mkdir(parents=True, exist_ok=True)
        dest = target.parent
        if target.exists():
            target.unlink()
        try:
            os.link(src, target)
        except OSError:
            shutil.copy2(src, target)
        delivered.append(str(target))
    if record_file is not None:
        tmp = Path(str(record_file) + ".tmp")
        tmp.write_text("".join(p + "\n" for p in delivered))
        tmp.replace(record_file)
    return dest
