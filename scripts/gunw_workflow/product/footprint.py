"""The product's ``productBoundingBox``: a footprint of the geocoded data that crops nothing.

ARIA-tools crops every layer to this polygon (GDAL cutline: a pixel is kept when its centre lies inside). The
reference computes it from the radar corners at height 0, which drops valid pixels on high terrain (the
geocoded data there lies outside the height-0 footprint). Here it is the convex hull of the cells of every
valid pixel (amplitude > 0 or connected component >= 1): one closed POLYGON that contains every valid pixel
centre with half a pixel to spare, whatever the relief.

``cropped_pixels`` is the consumer's side of the contract: it rasterizes a polygon on the product grid through
GDAL (``rasterio.features.geometry_mask``, pixel-centre rule like ARIA-tools' cutline) and counts the valid
pixels outside it.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon

PRECISION = 1e-7  # degrees: the grid the WKT coordinates are snapped to


def valid_data_mask(values: dict) -> np.ndarray:
    """Pixels a consumer counts as data: amplitude > 0 or connected component >= 1."""
    amp = np.asarray(values["amplitude"])
    cc = np.asarray(values["connectedComponents"])
    return (amp > 0) | (cc >= 1)


def data_footprint(valid: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> Polygon:
    """Convex hull of the cells (pixel centre +- half a pixel) of every valid pixel; ValueError if none.

    Only each row's first and last valid pixel can be hull vertices, so the hull is built from those cells.
    """
    rows = np.flatnonzero(valid.any(axis=1))
    if rows.size == 0:
        raise ValueError("no valid pixel in the geocoded data: no footprint")
    first = np.argmax(valid[rows], axis=1)
    last = valid.shape[1] - 1 - np.argmax(valid[rows, ::-1], axis=1)
    hx, hy = abs(lon[1] - lon[0]) / 2, abs(lat[1] - lat[0]) / 2
    pts = []
    for cols in (first, last):
        x, y = lon[cols], lat[rows]
        for sx in (-hx, hx):
            for sy in (-hy, hy):
                pts.append(np.column_stack([x + sx, y + sy]))
    hull = MultiPoint(np.vstack(pts)).convex_hull
    if hull.geom_type != "Polygon":  # a single row or column of pixels still has a cell area
        hull = hull.buffer(min(hx, hy), join_style="mitre")
    # snap outward: a vertex moved inward by rounding could leave a centre on the edge
    return shapely.set_precision(hull.buffer(2 * PRECISION, join_style="mitre"), PRECISION)


def cropped_pixels(polygon, valid: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> int:
    """Valid pixels whose centres lie outside ``polygon`` when GDAL rasterizes it on the product grid."""
    from rasterio.features import geometry_mask
    from rasterio.transform import from_origin

    dx, dy = abs(lon[1] - lon[0]), abs(lat[1] - lat[0])
    transform = from_origin(lon[0] - dx / 2, lat[0] + dy / 2, dx, dy)
    outside = geometry_mask([polygon], out_shape=valid.shape, transform=transform, all_touched=False)
    return int(np.count_nonzero(outside & valid))
