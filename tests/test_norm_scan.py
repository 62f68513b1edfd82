"""The filter-norm scan: every (family, |λ|) rule coarse-grained, assessed and measured the same way."""

import math

import numpy as np
import pytest
import xarray as xr

from rgml.norm_scan import NormScan, norm_scan, scan_rules
from rgml.rg import Majority
from rgml.rng import Stream
from rgml.rsmi import FitConfig, Geometry, mutual_information

TEMPERATURES = [2.0, 2.2, 2.269185, 2.4, 2.6]
MI = FitConfig(steps=20, polish_steps=10, batch_size=256, critic_width=8)


def blurred(size: int, samples: int = 120) -> xr.Dataset:
    """Spins sign(smoothed noise): fewer smoothing passes at higher 'temperature' (a stand-in for samples)."""
    out = []
    for k, t in enumerate(TEMPERATURES):
        field = Stream.named(1, "blur", size, t).normal((samples, size, size))
        for _ in range(len(TEMPERATURES) - k):
            field = field + np.roll(field, 1, -1) + np.roll(field, 1, -2)
        out.append(np.where(field >= 0, 1, -1).astype(np.int8))
    return xr.Dataset({"spins": (("temperature", "sample", "y", "x"), np.stack(out))},
                      coords={"temperature": TEMPERATURES})


def test_rules_of_the_scan():
    rules = scan_rules(2, np.array([[1.0, 2.0], [2.0, 1.0]]), norms=(0.5, math.inf))
    assert [r.name for r in rules] == ["uniform_norm0.5", "uniform_norminf", "rsmi_norm0.5", "rsmi_norminf"]
    with pytest.raises(ValueError, match="learned"):
        scan_rules(2, None)
    with pytest.raises(ValueError, match="b=3"):
        scan_rules(2, np.ones((3, 3)))


def test_scan_table_and_the_majority_limit():
    samples = [blurred(16), blurred(8)]
    mi_samples = samples[0].isel(temperature=2)
    geometry = Geometry(2, 1, 1)
    scan = norm_scan(samples, mi_samples, np.array([[1.0, 0.5], [0.5, 1.0]]), seed=3, norms=(1.0, math.inf),
                     geometry=geometry, mi_config=MI, n_boot=20, min_coarse=4)
    df = scan.to_frame()
    assert list(zip(df["family"], df["norm"])) == [("uniform", 1.0), ("uniform", math.inf), ("rsmi", 1.0),
                                                   ("rsmi", math.inf)]
    assert df["cosine_uniform"].iloc[0] == pytest.approx(1.0) and df["cosine_uniform"].iloc[2] < 0.99
    assert set(df["T_star_status"]) <= {"fixed_point", "eta_artefact", "unrescaled", "no_crossing"}
    # |λ| = ∞ uniform is majority's filter: the same I(H:E) to the bit (same estimator stream for every rule)
    majority = mutual_information(Majority(2), mi_samples, geometry, seed=3, config=MI)
    assert df.set_index("rule").loc["uniform_norminf", "mi"] == majority.mi
    # the noisier rule keeps less
    assert df["mi"].iloc[0] < df["mi"].iloc[1]
    assert set(scan.steps.rule) == set(df["rule"])
    again = NormScan.from_dataset(scan.to_dataset())
    np.testing.assert_array_equal(again.information.mi, scan.information.mi)
    np.testing.assert_array_equal(again.verdicts.T_star_crossing, scan.verdicts.T_star_crossing)
    with pytest.raises(ValueError, match="L/b"):
        norm_scan(samples[:1], mi_samples, None, seed=1, families=("uniform",))
