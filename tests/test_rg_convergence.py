"""T*, ν and their level-to-level convergence: the verdicts of the rule comparison (toy flows with known answers)."""

import numpy as np
import pytest
from rg_toy import toy_rg

from rgml.exact import TC
from rgml.rg.convergence import RuleAssessment, assess_rules, constancy, t_status
from rgml.rg.flow import FlowAnalysis
from rgml.rg.mcrg import mcrg_levels, mcrg_nu
from rgml.rng import Stream


def test_joint_mcrg_levels_match_the_single_pair_estimates():
    ds = toy_rg("good", 2, 32, mcrg_nu=[0.9, 1.1, 1.3], samples=300)
    d = ds["densities"].values[5]  # Tc
    sums = [d[n] * (32 // 2**n) ** 2 for n in range(d.shape[0])]
    joint = mcrg_levels(sums, 2, couplings=3, stream=Stream.named(1, "j"), n_boot=60)
    for n in range(len(sums) - 1):
        single = mcrg_nu(sums[n], sums[n + 1], 2, level=n, couplings=3, stream=Stream.named(1, "s", n), n_boot=60)
        assert joint.nu[n] == pytest.approx(single.nu, rel=1e-12)
        assert 0.5 < joint.nu_err[n] / single.nu_err < 2.0
    np.testing.assert_allclose(joint.nu, [0.9, 1.1, 1.3], atol=5 * joint.nu_err.max())
    assert joint.replicas.shape == (60, 3)


def test_constancy_chi2():
    stream = Stream.named(3, "c")
    replicas = 1.0 + 0.01 * stream.normal((400, 3))
    chi2, dof, p = constancy(np.array([1.0, 1.005, 0.995]), replicas)
    assert dof == 2 and p > 0.05
    chi2, dof, p = constancy(np.array([1.0, 1.1, 1.2]), replicas)
    assert chi2 > 50 and p < 1e-6
    assert constancy(np.array([1.0]), replicas[:, :1])[1] == 0


def test_status_of_a_crossing():
    assert t_status(np.nan, 0.0, 0.0, 3.0) == "no_crossing"
    assert t_status(2.27, 1.0, 30.0, 3.0) == "fixed_point"
    assert t_status(2.17, -20.0, 0.5, 3.0) == "eta_artefact"
    assert t_status(2.17, -20.0, 10.0, 3.0) == "unrescaled"


def test_verdicts_on_toy_flows():
    datasets = [toy_rg("good", 2, L) for L in (16, 32)]
    datasets += [toy_rg("decimation", 2, L, ratio=2**-0.25) for L in (16, 32)]
    datasets += [toy_rg("drift", 2, L, mcrg_nu=[0.9, 1.0, 1.2]) for L in (16, 32)]
    result = assess_rules(datasets, seed=1, n_boot=40, min_coarse=4, sizes="largest")
    v = result.verdicts.to_frame().set_index("rule")
    assert v.loc["good", "T_star_status"] == "fixed_point" and abs(v.loc["good", "T_star_z"]) < 4
    assert v.loc["good", "nu_status"] == "converged" and abs(v.loc["good", "nu_z"]) < 4
    assert v.loc["decimation", "T_star_status"] in ("eta_artefact", "no_crossing")
    assert np.isnan(v.loc["decimation", "T_star"])
    assert v.loc["drift", "nu_status"] == "no_convergence" and np.isnan(v.loc["drift", "nu"])
    assert v.loc["good", "nu_p"] > 1e-3 and v.loc["drift", "nu_p"] < 1e-3
    drift = [float(x) for x in v.loc["drift", "nu_drift"].split(" -> ")]
    np.testing.assert_allclose(drift, [0.9, 1.0, 1.2], atol=0.01)
    steps = result.steps.to_frame()
    dec = steps[steps["rule"] == "decimation"]
    assert np.all(np.abs(dec["ratio_nn"] - 2**-0.25) < 4 * dec["ratio_nn_err"])
    assert dec["level"].tolist() == [1, 2, 3] and dec["coarse_size"].tolist() == [16, 8, 4]
    again = RuleAssessment.from_dataset(result.to_dataset())
    for table in ("steps", "verdicts"):
        a, b = getattr(result, table), getattr(again, table)
        for name in a.names():
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_a_level_without_thermal_eigenvalue_is_no_convergence():
    datasets = [toy_rg("noisy", 2, L, mcrg_nu=[1.2, -1.0, -1.0]) for L in (16, 32)]  # λ_t = 2^(1/ν) < 1 deeper
    v = assess_rules(datasets, seed=1, n_boot=40, sizes="largest").verdicts.to_frame().iloc[0]
    assert v["nu_drift"].endswith("nan -> nan") and v["nu_status"] == "no_convergence" and np.isnan(v["nu"])


def test_eta_artefact_is_named_where_the_deepest_level_crosses():
    datasets = [toy_rg("decimation", 2, L, ratio=2**-0.25, samples=300) for L in (16, 32)]
    v = assess_rules(datasets, seed=2, n_boot=40, sizes="largest").verdicts.to_frame().iloc[0]
    assert v["T_star_level"] == 3 and abs(v["T_star_crossing"] - TC) > 0.1
    assert v["T_star_status"] == "eta_artefact" and np.isnan(v["T_star"])
    datasets = [toy_rg("decimation", 3, L, ratio=3**-0.25, samples=300) for L in (12, 36)]
    v = assess_rules(datasets, seed=2, n_boot=40, sizes="largest").verdicts.to_frame().iloc[0]
    assert v["b"] == 3 and v["T_star_level"] == 2 and abs(v["ratio_nn"] - 3**-0.25) < 4 * v["ratio_nn_err"]


def test_all_sizes_reproduce_the_full_analysis_and_checks():
    datasets = [toy_rg("good", 2, L, samples=200) for L in (8, 16, 32)]
    result = assess_rules(datasets, seed=4, n_boot=30, sizes="all").steps.to_frame()
    temps = {ds.attrs["size"]: ds["temperature"].values for ds in datasets}
    dens = {ds.attrs["size"]: list(np.moveaxis(ds["densities"].values, 1, 0)) for ds in datasets}
    from rgml.rng import keyed

    _, fixed = FlowAnalysis(temps, dens, 2).run(stream=keyed(4, "rg-bootstrap", "good", 2).child("flow"), n_boot=30)
    expected = [r for r in fixed if r["method"] == "flow_slope_matching" and r["L"] == 32]
    np.testing.assert_allclose(result["T_star"], [r["T_fixed"] for r in expected])
    np.testing.assert_allclose(result["T_star_err"], [r["T_fixed_err"] for r in expected])
    with pytest.raises(ValueError, match="L/b"):
        assess_rules(datasets[2:], seed=1)
    with pytest.raises(ValueError, match="sizes"):
        assess_rules(datasets, seed=1, sizes="some")


def test_analyse_handles_odd_block_sizes():
    """b = 3: level n of L is matched against level n−1 of L/3, and MCRG uses (L/3ⁿ)² sites."""
    from rgml.rg import analyse

    datasets = [toy_rg("majority", 3, L, samples=200, mcrg_nu=[1.0, 1.0]) for L in (12, 36)]
    flows, exponents, _ = analyse(datasets, seed=1, n_boot=20, mcrg_couplings=2, chains=4)
    matching = exponents[(exponents["method"] == "flow_slope_matching")]
    assert sorted(zip(matching["L"], matching["level"])) == [(36, 1), (36, 2)]
    assert np.all(np.abs(matching["T_fixed"] - TC) < 4 * matching["T_fixed_err"])
    mcrg = exponents[(exponents["method"] == "mcrg") & (exponents["L"] == 36)]
    assert sorted(set(mcrg["level"])) == [0, 1] and set(mcrg["b"]) == {3}
    assert np.all(np.abs(mcrg["nu"] - 1.0) < 4 * mcrg["nu_err"])
