"""Exact I(H:E) (issue 5 acceptance 1): every entry of mutual_information_exact.json to 1e-6."""

import itertools

import numpy as np
import pytest
from conftest import load_reference

from rgml.exact import TC
from rgml.rsmi import chain_joint, decimation_filter, torus_joint, uniform_filter

REF = load_reference("mutual_information_exact")
RTOL = 1e-6


def coupling_of(entry) -> float:
    """The reference labels K_c = ln(1+√2)/2 = 0.4406868 by its five-digit rounding 0.44069."""
    return 1.0 / TC if abs(entry["K"] - 1.0 / TC) < 5e-6 else entry["K"]


def rule(name: str, block_shape):
    """Filters and determinism of a reference column name, e.g. 'I_uniform_r0p5'."""
    kind, _, strength = name.removeprefix("I_").rpartition("_")
    deterministic = strength == "det"
    norm = 1.0 if deterministic else float(strength[1:].replace("p", "."))
    if kind == "uniform":
        return uniform_filter(block_shape, norm=norm), deterministic
    if kind == "decimation":  # one boundary spin: the first of the block
        return decimation_filter(block_shape, (0,) * len(block_shape), norm=norm), deterministic
    if kind == "three_spin":  # majority of three of the four spins
        return np.array([[[1.0, 1.0], [1.0, 0.0]]]) * norm, deterministic
    if kind == "nH4_identity":  # four hidden units copying one spin each
        return np.eye(4).reshape(4, 2, 2) * norm, deterministic
    raise KeyError(name)


def columns(entry):
    return [k for k in entry if k.startswith("I_") and k != "I_VE"]


@pytest.mark.parametrize("entry", REF["chain_1d"], ids=lambda e: f"K{e['K']}-LV{e['LV']}-LB{e['LB']}")
def test_chain_reference(entry):
    joint = chain_joint(entry["K"], entry["LV"], buffer=entry["LB"])
    assert joint.visible_environment_mi() == pytest.approx(entry["I_VE"], rel=RTOL)
    for name in columns(entry):
        filters, deterministic = rule(name, (entry["LV"],))
        value = joint.mutual_information(filters, deterministic=deterministic)
        assert value == pytest.approx(entry[name], rel=RTOL), name


@pytest.mark.parametrize("entry", REF["torus_2d"], ids=lambda e: f"L{e['L']}-K{e['K']}")
def test_torus_reference(entry):
    joint = torus_joint(entry["L"], coupling_of(entry), entry["LV"], buffer=entry["LB"])
    assert joint.probs.shape[1] == 2 ** entry["n_E"]
    assert joint.visible_environment_mi() == pytest.approx(entry["I_VE"], rel=RTOL)
    for name in columns(entry):
        filters, deterministic = rule(name, (entry["LV"], entry["LV"]))
        value = joint.mutual_information(filters, deterministic=deterministic)
        assert value == pytest.approx(entry[name], rel=RTOL), name


def test_prx_2020_ratio():
    """Lenggenhager et al. PRX 10, 011037: decimation keeps 0.505 of I(V:E) at K = 0.1, LV = 2, LB = 1."""
    assert "0.505" in REF["prx_2020_check"]
    entry = next(e for e in REF["chain_1d"] if (e["K"], e["LV"], e["LB"]) == (0.1, 2, 1))
    joint = chain_joint(0.1, 2, buffer=1)
    ratio = joint.mutual_information(decimation_filter((2,), 0), deterministic=True) / joint.visible_environment_mi()
    assert ratio == pytest.approx(entry["I_decimation_det"] / entry["I_VE"], rel=RTOL)
    assert round(ratio, 3) == 0.505


def test_chain_joint_equals_open_chain_enumeration():
    """An open chain's marginal is the infinite chain's: enumerate e_L, buffer, V, buffer, e_R."""
    K, block, buffer = 0.7, 3, 2
    n = block + 2 * buffer + 2
    states = np.array(list(itertools.product([-1, 1], repeat=n)), dtype=float)
    weights = np.exp(K * (states[:, 1:] * states[:, :-1]).sum(axis=1))
    weights /= weights.sum()
    v_code = ((states[:, buffer + 1 : buffer + 1 + block] > 0) @ (2 ** np.arange(block - 1, -1, -1))).astype(int)
    e_code = (2 * (states[:, 0] > 0) + (states[:, -1] > 0)).astype(int)
    brute = np.zeros((2**block, 4))
    np.add.at(brute, (v_code, e_code), weights)
    np.testing.assert_allclose(chain_joint(K, block, buffer=buffer).probs, brute, rtol=1e-12)


def test_information_inequalities_and_limits():
    joint = torus_joint(4, 0.4, 2)
    ive = joint.visible_environment_mi()
    for seed in range(5):
        filters = np.random.default_rng(seed).normal(size=(2, 2, 2))
        assert 0 <= joint.mutual_information(filters) <= ive
    # large norm → deterministic limit (no ties for a generic filter)
    filt = np.array([[[1.0, 0.3], [0.2, 0.1]]])
    limit = joint.mutual_information(filt, deterministic=True)
    assert joint.mutual_information(60 * filt) == pytest.approx(limit, rel=1e-9)
    # zero filter: h is a fair coin independent of everything
    assert joint.mutual_information(np.zeros((1, 2, 2))) == pytest.approx(0.0, abs=1e-15)


def test_torus_environment_shell():
    """A shell of width 1 around a 2×2 block covers the 4×4 torus: the same E as 'every other site'."""
    everything = torus_joint(4, 0.45, 2)
    shell = torus_joint(4, 0.45, 2, env=1)
    assert shell.visible_environment_mi() == pytest.approx(everything.visible_environment_mi(), rel=1e-12)
    with pytest.raises(ValueError, match="covers the whole"):
        torus_joint(4, 0.45, 2, buffer=1)
