"""The project's ionosphere stages on synthetic fields with known answers (docs/ionosphere.md)."""

from __future__ import annotations

import numpy as np

from gunw_workflow.ionosphere import bridge, compute, filt, mask, ramps

TWO_PI = 2.0 * np.pi


def _ramp(shape=(60, 80)):
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]].astype(float)
    return 0.9 * x / shape[1] * TWO_PI + 0.4 * y / shape[0] * TWO_PI + 0.3


def test_bridging_recovers_a_ramp_with_per_component_cycle_offsets_exactly():
    truth = _ramp()
    cc = np.ones(truth.shape, dtype=np.uint8)
    cc[:, 30:55] = 2
    cc[40:, 55:] = 3
    cc[:5, :5] = 0
    offsets = {1: 0, 2: 3, 3: -2}
    unw = truth.copy()
    for k, n in offsets.items():
        unw[cc == k] += n * TWO_PI
    out, cycles = bridge.bridge_components(unw, cc)
    assert cycles == {1: 0, 2: -3, 3: 2}
    # whole cycles only: exact up to the float rounding of adding and removing k * 2 pi
    assert np.abs(out[cc > 0] - truth[cc > 0]).max() < 1e-12
    masked = bridge.mask_component_zero(out, cc)
    assert np.all(masked[:5, :5] == 0) and np.array_equal(masked[cc > 0], out[cc > 0])


def test_bridging_keeps_the_largest_component_as_reference():
    truth = _ramp()
    cc = np.full(truth.shape, 2, dtype=np.uint8)
    cc[:, :10] = 1  # label 1 is the small one
    unw = truth + np.where(cc == 2, 5 * TWO_PI, 0.0)
    out, cycles = bridge.bridge_components(unw, cc)
    assert cycles[2] == 0 and cycles[1] == 5
    assert np.allclose(out - 5 * TWO_PI, truth)


def test_multilook_ignores_masked_pixels():
    unw = np.full((4, 4), 2.0)
    unw[:, :1] = 0.0  # masked (water / component 0)
    cor = np.full((4, 4), 0.9)
    phase, amp = bridge.multilook_unwrapped(unw, np.ones((4, 4)), cor, 2, 2)
    assert np.allclose(phase, 2.0) and np.allclose(amp, 1.0)


def test_ionosphere_of_a_purely_dispersive_and_a_non_dispersive_phase():
    wavelength = 0.0555
    fl, fu = compute.subband_frequencies(wavelength)
    f0 = 0.5 * (fl + fu)
    shape = (30, 40)
    ion_truth = np.full(shape, 1.5) + _ramp(shape) * 0.1
    # dispersive phase scales as 1/f, non-dispersive (geometry) as f
    geom = _ramp(shape)
    lower = ion_truth * f0 / fl + geom * fl / f0
    upper = ion_truth * f0 / fu + geom * fu / f0
    # a relative unwrapping error of one cycle on a patch: removed by the adjustment
    upper[5:9, 10:14] += TWO_PI
    cor = np.full(shape, 0.95)
    got = compute.ionosphere(lower, upper, cor, wavelength)
    assert np.allclose(got, ion_truth, atol=1e-6)
    assert not np.any(compute.ionosphere(np.zeros(shape), upper, cor, wavelength))


def test_filter_statistics_ignore_a_masked_region():
    shape = (50, 60)
    ion = np.full(shape, 3.0) + _ramp(shape) * 0.05
    ion[10:30, 20:40] = 0.0  # masked out (water)
    cor = np.full(shape, 0.95)
    out = filt.filter_ionosphere(ion, cor, 15, 5, fit=True)
    truth = np.full(shape, 3.0) + _ramp(shape) * 0.05
    # the smooth field is kept, inside the hole too (filled from its surroundings, not pulled towards 0)
    assert np.abs(out - truth).max() < 0.02
    # ISCE's unmasked statistics would bleed the zeros in: our filled hole stays near the field
    assert out[20, 30] > 2.9


def test_filter_drops_outliers_with_masked_mean_and_std():
    ion = np.full((20, 20), 1.0)
    ion[5, 5] = 50.0
    ion[:, :5] = 0.0
    out = filt.drop_outliers(ion, np.full(ion.shape, 0.9), 0.8, 1.0)
    assert out[5, 5] == 0.0 and np.all(out[:, 5:][out[:, 5:] != 0] == 1.0)
    assert np.count_nonzero(out) == 20 * 15 - 1


def test_geo_to_radar_samples_the_containing_mask_pixel():
    water = np.zeros((10, 10), dtype=bool)
    water[2, 3] = True
    gt = (10.0, 0.1, 0.0, 50.0, 0.0, -0.1)  # corners
    lat = np.array([[50.0 - 0.25, 50.0 - 0.25, 40.0]])
    lon = np.array([[10.35, 10.45, 10.35]])
    assert mask.geo_to_radar(water, gt, lat, lon).tolist() == [[True, False, False]]


def test_burst_ramp_merge_splits_overlaps_in_the_middle():
    def box(n, line0):
        return ramps.BurstBox(1, n, line0, 0, 10, 6, 1, 8, 0, 6)

    boxes = [box(1, 0), box(2, 6)]  # valid lines 1..8 and 7..14: overlap 7..8
    merged = ramps.merge_bursts(boxes, lambda b: np.full((10, 6), float(b.number)), (16, 6))
    assert merged[0].tolist() == [0.0] * 6  # burst 1's invalid first line
    assert np.all(merged[1:8] == 1.0) and np.all(merged[8:15] == 2.0) and np.all(merged[15] == 0.0)
