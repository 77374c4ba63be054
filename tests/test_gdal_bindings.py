"""GDAL's own Python bindings (osgeo, built against the system libgdal, the library ARIA-tools reads GUNWs with)
on a product of a double run (the session's `demo_double`: config/demo.yaml through the ISCE2 test double):

* the netCDF driver lists and opens every layer, each in EPSG:4326, north-up, on its group's own coordinates,
  with the values xarray (h5netcdf) reads;
* OGR reads `productBoundingBox` as one feature holding one closed, valid POLYGON equal to the stored WKT;
* ariaExtract's crop (gdal.Warp with that layer as cutline: a pixel survives when its centre is inside) drops
  no valid pixel of the demo hill, while the same polygon shrunk by 4 pixels does: the count can fail.

and, without a run, the ISCE raster reader (``isce_io.rasters``, GDAL through a VRT of the .xml header) against an
independent numpy decoding: every interleave, both byte orders, complex data, and real ISCE2 2.6.5 rasters.
"""

from __future__ import annotations

import json

import h5netcdf
import numpy as np
import pytest
import shapely.wkt
import xarray as xr

from conftest import RECORDED
from gunw_workflow.isce_io import headers, rasters

# each layer's group -> the names of its latitude / longitude coordinates
COORDS = {"imagingGeometry": ("latitudeMeta", "longitudeMeta")}


def _gdal():
    from osgeo import gdal

    gdal.UseExceptions()
    return gdal


@pytest.fixture(scope="module")
def product(demo_double):  # the e2e tests below use it
    return str(demo_double.pair_dir / "product" / "gunw.nc")


def _numeric_layers(path: str) -> dict[str, tuple]:
    """Every numeric variable with >= 2 dimensions, listed with h5netcdf (not GDAL): path -> shape."""
    out = {}

    def walk(g, prefix):
        for name, v in g.variables.items():
            if len(v.dimensions) >= 2 and v.dtype.kind in "fiu":
                out[f"{prefix}/{name}"] = v.shape
        for name, sub in g.groups.items():
            walk(sub, f"{prefix}/{name}")

    with h5netcdf.File(path, "r") as f:
        walk(f, "")
    return out


def _stored_wkt(path: str) -> str:
    with xr.open_dataset(path, engine="h5netcdf", decode_cf=False) as ds:
        raw = ds["productBoundingBox"].values
    return b"".join(raw[0].tolist()).rstrip(b"\0").decode()


@pytest.mark.e2e
def test_netcdf_driver_opens_every_layer_in_epsg4326(product):
    gdal = _gdal()
    layers = _numeric_layers(product)
    listed = {
        name.split(":", 2)[2]: desc
        for name, desc in gdal.Open(product).GetSubDatasets()
        if "character" not in desc  # productBoundingBox, the OGR layer
    }
    assert set(listed) == set(layers), "GDAL's subdatasets are not the file's layers"
    assert len(layers) == 5 + 5 + 2 + 2  # data, cubes, ionosphere and its burst ramps, two tides
    for sub, shape in layers.items():
        ds = gdal.Open(f'NETCDF:"{product}":{sub}')
        assert ds.GetDriver().ShortName == "netCDF", sub
        srs = ds.GetSpatialRef()
        assert srs is not None and (srs.GetAuthorityName(None), srs.GetAuthorityCode(None)) == (
            "EPSG",
            "4326",
        )
        assert (ds.RasterCount, ds.RasterYSize, ds.RasterXSize) == (
            (shape[0],) if len(shape) == 3 else (1,)
        ) + shape[-2:]
        group, name = sub.rsplit("/", 1)
        lat_name, lon_name = COORDS.get(group.rsplit("/", 1)[1], ("latitude", "longitude"))
        with xr.open_dataset(product, group=group, engine="h5netcdf", decode_cf=False) as g:
            lat, lon, values = g[lat_name].values, g[lon_name].values, g[name].values
        x0, dx, rx, y0, ry, dy = ds.GetGeoTransform()
        assert rx == 0 and ry == 0 and dy < 0, f"{sub} must be north-up"
        # the geotransform is the pixel corner: half a step before the first centre
        assert x0 + dx / 2 == pytest.approx(lon[0], abs=1e-9) and y0 + dy / 2 == pytest.approx(
            lat[0], abs=1e-9
        )
        assert dx == pytest.approx(lon[1] - lon[0], rel=1e-9) and dy == pytest.approx(
            lat[1] - lat[0], rel=1e-9
        )
        got = ds.ReadAsArray()
        np.testing.assert_array_equal(got.reshape(values.shape), values, err_msg=sub)


@pytest.mark.e2e
def test_ogr_reads_one_closed_polygon(product):
    from osgeo import ogr

    ogr.UseExceptions()
    vec = ogr.Open(product)
    assert vec.GetDriver().GetName() == "netCDF"
    layer = vec.GetLayerByName("productBoundingBox")
    assert layer.GetFeatureCount() == 1 and layer.GetGeomType() == ogr.wkbPolygon
    feature = layer.GetFeature(1)  # ARIA-tools reads feature 1; keep it: its geometry lives inside it
    geom = feature.GetGeometryRef()
    assert geom.GetGeometryName() == "POLYGON" and geom.GetGeometryCount() == 1  # one ring, no holes
    ring = geom.GetGeometryRef(0)
    assert ring.GetPointCount() >= 4 and ring.GetPoint(0) == ring.GetPoint(ring.GetPointCount() - 1)
    assert geom.IsValid()
    assert shapely.wkt.loads(geom.ExportToWkt()).equals_exact(shapely.wkt.loads(_stored_wkt(product)), 1e-9)


def _crop(product: str, sub: str, cutline: str, fill: float) -> tuple[np.ndarray, np.ndarray]:
    """ariaExtract's crop: gdal.Warp of a layer onto its own grid with the polygon as cutline."""
    gdal = _gdal()
    src = gdal.Open(f'NETCDF:"{product}":{sub}')
    x0, dx, _, y0, _, dy = src.GetGeoTransform()
    bounds = (x0, y0 + dy * src.RasterYSize, x0 + dx * src.RasterXSize, y0)
    kw = {"cutlineDSName": cutline}
    if cutline == product:
        kw["cutlineLayer"] = "productBoundingBox"
    out = gdal.Warp(
        "/vsimem/crop.tif", src, format="GTiff", outputBounds=bounds, xRes=dx, yRes=-dy, dstNodata=fill, **kw
    )
    before, after = src.ReadAsArray(), out.ReadAsArray()
    gdal.Unlink("/vsimem/crop.tif")
    return before, after


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("layer", "fill", "valid"),
    [("connectedComponents", -1.0, lambda a: a >= 1), ("amplitude", 0.0, lambda a: a > 0)],
)
def test_aria_extract_crop_drops_no_valid_pixel(product, tmp_path, layer, fill, valid):
    sub = f"/science/grids/data/{layer}"
    before, after = _crop(product, sub, product, fill)
    assert valid(before).sum() > 10_000
    assert (
        int((valid(before) & (after == fill)).sum()) == 0
    )  # measured: 0 (the height-0 footprint lost 358/941)
    kept = after != fill
    np.testing.assert_array_equal(after[kept], before[kept])  # the crop masks, it does not resample
    assert (~kept).sum() > 0.05 * kept.size  # and the polygon is no box around the whole grid
    # the same polygon 4 pixels smaller crops valid pixels: the count above can fail
    poly = shapely.wkt.loads(_stored_wkt(product))
    step = abs(float(np.diff(_crop_grid_lon(product))[0]))
    smaller = tmp_path / "smaller.geojson"
    smaller.write_text(
        json.dumps({"type": "Polygon", "coordinates": [list(poly.buffer(-4 * step).exterior.coords)]})
    )
    _, shrunk = _crop(product, sub, str(smaller), fill)
    assert int((valid(before) & (shrunk == fill)).sum()) > 100


def _crop_grid_lon(product: str) -> np.ndarray:
    with xr.open_dataset(product, group="/science/grids/data", engine="h5netcdf") as g:
        return g["longitude"].values


# ---- the ISCE raster reader (no run needed) ----


def _decode(raw: bytes, h: headers.IsceRaster) -> np.ndarray:
    """(bands, length, width) from the bytes, by the interleave's definition (independent of the reader)."""
    a = np.frombuffer(raw, dtype=h.dtype)
    if h.scheme == "BIL":
        return a.reshape(h.length, h.bands, h.width).transpose(1, 0, 2)
    if h.scheme == "BIP":
        return a.reshape(h.length, h.width, h.bands).transpose(2, 0, 1)
    return a.reshape(h.bands, h.length, h.width)


@pytest.mark.parametrize("scheme", ["BIL", "BIP", "BSQ"])
@pytest.mark.parametrize(
    ("data_type", "order"), [("FLOAT", "l"), ("SHORT", "b"), ("CFLOAT", "l"), ("BYTE", "l")]
)
def test_isce_raster_read_through_gdal(tmp_path, scheme, data_type, order):
    h = headers.IsceRaster(tmp_path / "r.bin", 7, 5, data_type, bands=3, scheme=scheme, byte_order=order)
    h.x0, h.dx, h.y0, h.dy = -118.0, 0.01, 35.0, -0.01
    rng = np.random.default_rng(1)
    values = rng.integers(0, 120, (3, 5, 7)).astype(h.dtype.newbyteorder("="))
    if data_type == "CFLOAT":
        values = values + 1j * rng.integers(0, 9, values.shape)
    order_ = {"BIL": (1, 0, 2), "BIP": (1, 2, 0), "BSQ": (0, 1, 2)}[scheme]
    raw = np.ascontiguousarray(values.transpose(order_)).astype(h.dtype).tobytes()
    h.path.write_bytes(raw)
    xml = headers.image_xml(h, str(h.path), family="image", image_type="bil")
    (tmp_path / "r.bin.xml").write_text(xml)
    got = rasters.read_raster(h.path)
    assert got.shape == (3, 5, 7) and got.dtype == h.dtype.newbyteorder("=")
    np.testing.assert_array_equal(got, values)
    np.testing.assert_array_equal(got, _decode(raw, h))
    np.testing.assert_array_equal(rasters.read_raster(h.path, 2), values[1])
    with pytest.raises(ValueError, match="band 4 not in 1..3"):
        rasters.read_raster(h.path, 4)
    h.path.write_bytes(raw[:-1])  # one byte short: refused, never zero-padded
    with pytest.raises(ValueError, match="expected 105 samples"):
        rasters.read_raster(h.path)


@pytest.mark.parametrize(
    "name", ["filt_topophase.unw.geo", "los.rdr.geo", "topophase.cor.geo", "filt_topophase.unw.conncomp.geo"]
)
def test_real_isce2_rasters_read_through_gdal(name):
    path = RECORDED / "standard" / "run" / "merged" / name
    if not path.exists():
        pytest.skip(f"{path} (recorded ISCE2 run) is not available")
    h = headers.raster_header(path)
    got = rasters.read_raster(path)
    np.testing.assert_array_equal(got, _decode(path.read_bytes(), h))
    # and equal to what GDAL reads through ISCE2's own .vrt
    gdal = _gdal()
    own = gdal.Open(str(path) + ".vrt").ReadAsArray().reshape(got.shape)
    np.testing.assert_array_equal(got, own)
