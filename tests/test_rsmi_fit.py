"""RSMI fits against exact mutual information (issue 5 acceptance 2–6).

Data are exact independent samples: the 4×4 torus at K_c drawn from its
enumerated Boltzmann distribution, and long periodic rings from the exact
ring sampler (N = 64 at K = 0.5: tanh^64 K ≈ 1e-22, an infinite chain).
"""

import numpy as np
import pytest

from rgml.exact import TC, torus_distribution, torus_samples, torus_states
from rgml.ising.ring import sample_ring
from rgml.rng import Stream
from rgml.rsmi import (
    CRITIC_DTYPES,
    FitConfig,
    Geometry,
    block_positions,
    chain_joint,
    decimation_filter,
    extract,
    filter_uniformity,
    fit,
    fit_pairs,
    split_configurations,
    torus_joint,
    uniform_filter,
    weight_share,
)

SEED = 2026
#: Acceptance asks for ≥ 20 000 samples.  With 20 000 (4 000 held out) the held-out
#: set alone fluctuates by ±0.0044 nats (measured with the exact critic), which makes
#: "not above exact by more than 0.01" a 2.3σ criterion; 50 000 with a quarter held
#: out brings it to 4σ.
N_SAMPLES = 50_000
HOLDOUT = 0.25
#: Joint steps of the fits here (the value these tests were set up with; the config default is 1000).
STEPS = 1500
TORUS = Geometry(block=2, buffer=0, env=1)  # E = the 12 other sites of the 4×4 torus


@pytest.fixture(scope="module")
def torus_kc():
    return torus_samples(4, TC, N_SAMPLES, Stream.named(SEED, "rsmi-test", "torus", 4, TC))


@pytest.fixture(scope="module")
def joint_kc():
    return torus_joint(4, 1.0 / TC, 2)


def test_exact_samples_have_the_exact_energy(torus_kc):
    """Sanity check of the sampler used below: mean bond sum within 4σ of enumeration."""
    states, bond_sum = torus_states(4)
    p = torus_distribution(4, TC)
    flat = torus_kc.astype(int)
    sampled = (flat * np.roll(flat, -1, 1)).sum((1, 2)) + (flat * np.roll(flat, -1, 2)).sum((1, 2))
    mean, var = (p * bond_sum).sum(), (p * bond_sum**2).sum() - (p * bond_sum).sum() ** 2
    assert abs(sampled.mean() - mean) < 4 * np.sqrt(var / len(sampled))


@pytest.mark.parametrize("estimator", ["infonce", "ba"])
def test_estimator_accuracy_fixed_uniform_filter(torus_kc, joint_kc, estimator):
    """Acceptance 2: uniform filter of norm 2 held fixed; held-out estimate vs exact I(H:E)."""
    uniform = uniform_filter((2, 2), norm=2.0)
    exact = joint_kc.mutual_information(uniform)
    config = FitConfig(estimator=estimator, learn_filters=False, holdout=HOLDOUT, steps=STEPS)
    result = fit(torus_kc, TORUS, config, seed=Stream.named(SEED, "rsmi-test", "fixed", estimator), init_filters=uniform)
    print(f"[acceptance 2, {estimator}] held-out {result.mi:.4f} ± {result.mi_err:.4f}, exact {exact:.4f}")
    np.testing.assert_array_equal(result.filters, uniform)
    assert abs(result.mi - exact) < 0.02
    assert result.mi - exact < 0.01
    assert (exact - result.mi) / result.mi_err < 4  # a lower bound: only the low side gets a z-test
    assert result.n_heldout == N_SAMPLES // 4 and result.history["heldout_mi"].size > 0


def test_learned_filter_is_uniform(torus_kc, joint_kc):
    """Acceptance 3: learned 2×2 filter at norm 2 is the uniform rule of Koch-Janusz & Ringel."""
    result = fit(torus_kc, TORUS, FitConfig(norm_start=2.0, steps=STEPS), seed=Stream.named(SEED, "rsmi-test", "learn"))
    filt = result.filters[0]
    ratio = joint_kc.mutual_information(result.filters) / joint_kc.mutual_information(uniform_filter((2, 2), norm=2.0))
    print(f"[acceptance 3] filter {np.round(filt.ravel(), 3)}, cos {filter_uniformity(result.filters)[0]:.5f}, "
          f"exact MI / uniform {ratio:.5f}, held-out {result.mi:.4f} ± {result.mi_err:.4f}")
    assert np.linalg.norm(filt) == pytest.approx(2.0)
    assert (np.sign(filt) == np.sign(filt[0, 0])).all()
    assert filter_uniformity(result.filters)[0] > 0.99
    assert ratio >= 0.99


@pytest.mark.slow
def test_four_hidden_units_capture_i_ve(torus_kc, joint_kc):
    """Acceptance 5: four hidden units on the 2×2 block keep ≥ 0.98 of I(V:E)."""
    config = FitConfig(n_hidden=4, norm_start=1.0, norm_stop=6.0, steps=STEPS)
    result = fit(torus_kc, TORUS, config, seed=Stream.named(SEED, "rsmi-test", "four"))
    ive = joint_kc.visible_environment_mi()
    captured = joint_kc.mutual_information(result.filters) / ive
    print(f"[acceptance 5] exact I(H:E)/I(V:E) = {captured:.5f}, held-out {result.mi:.4f} ± {result.mi_err:.4f}, "
          f"I(V:E) = {ive:.4f}")
    assert result.filters.shape == (4, 2, 2)
    assert captured >= 0.98
    assert abs(result.mi - joint_kc.mutual_information(result.filters)) < 4 * result.mi_err


@pytest.mark.parametrize("learn_filters", [False, True])
def test_float32_critic_passes_move_the_bound_far_less_than_its_error(torus_kc, learn_filters):
    """The critic's minibatch passes in float32 (the default) against float64, the same stream and data.

    Adam's master parameters and every reported bound stay float64, so the two
    fits differ only by the rounding of the minibatch passes.
    """
    uniform = uniform_filter((2, 2), norm=2.0)
    runs = {}
    for dtype in CRITIC_DTYPES:
        config = FitConfig(learn_filters=learn_filters, holdout=HOLDOUT, steps=400, critic_dtype=dtype)
        runs[dtype] = fit(torus_kc, TORUS, config, seed=Stream.named(SEED, "rsmi-test", "dtype", learn_filters),
                          init_filters=None if learn_filters else uniform)
    low, high = runs["float32"], runs["float64"]
    cosine = float((low.filters * high.filters).sum() / (np.linalg.norm(low.filters) * np.linalg.norm(high.filters)))
    print(f"[critic dtype, learn_filters={learn_filters}] held-out {low.mi:.10f} against {high.mi:.10f} "
          f"(± {high.mi_err:.4f}), filter cosine 1 - {1 - cosine:.2e}")
    # measured: 2e-10 nats apart, the filters equal to 16 digits; 1e-6 nats is far below every error
    # this project reports (the smallest, 6e-6 nats, is the calibrated dimer bound at T = 0.3)
    assert abs(low.mi - high.mi) < 1e-6
    assert cosine > 1 - 1e-9
    assert all(v.dtype == np.float64 for run in (low, high) for v in run.critic.values())
    assert low.config.as_attrs()["critic_dtype"] == "float32"
    with pytest.raises(ValueError, match="critic_dtype"):
        FitConfig(critic_dtype="float16")


def test_independent_data_gives_zero(torus_kc):
    """Acceptance 6: E shuffled against V (across configurations) carries no information."""
    visible, environment = extract(torus_kc, TORUS, block_positions(4, TORUS))
    environment = environment[Stream.named(SEED, "rsmi-test", "shuffle").permutation(len(environment))]
    train, held = split_configurations(len(visible), Stream.named(SEED, "rsmi-test", "shuffle-split"))
    result = fit_pairs(
        (visible[train], environment[train]), (visible[held], environment[held]),
        FitConfig(steps=STEPS), seed=Stream.named(SEED, "rsmi-test", "independent"), block_shape=(2, 2),
    )
    print(f"[acceptance 6] held-out {result.mi:.5f} ± {result.mi_err:.5f}, train {result.train_mi:.5f}")
    assert result.mi < 0.01
    assert abs(result.mi) < 4 * result.mi_err + 1e-3


@pytest.mark.slow
def test_chain_learns_boundary_decimation():
    """Acceptance 4: 1D, K = 0.5, L_V = 4, L_B = 1, norm annealed 0.5 → 8: decimation onto an end spin."""
    K = 0.5
    spins = sample_ring(64, K, 20_000, Stream.named(SEED, "rsmi-test", "ring", 64, K))
    geometry = Geometry(block=4, buffer=1, env=1, dim=1)
    config = FitConfig(norm_start=0.5, norm_stop=8.0, steps=STEPS)
    result = fit(spins, geometry, config, seed=Stream.named(SEED, "rsmi-test", "chain"))
    filt = result.filters[0]
    joint = chain_joint(K, 4, buffer=1)
    decimation = joint.mutual_information(decimation_filter((4,), 0), deterministic=True)
    ratio = joint.mutual_information(result.filters) / decimation
    l1_share = np.abs(filt).max() / np.abs(filt).sum()
    print(f"[acceptance 4] filter {np.round(filt, 3)}, squared-norm share {weight_share(result.filters)[0]:.4f}, "
          f"L1 share {l1_share:.4f}, exact MI / deterministic decimation {ratio:.5f}, "
          f"held-out {result.mi:.5f} ± {result.mi_err:.5f} (exact {joint.mutual_information(result.filters):.5f})")
    site = int(np.argmax(np.abs(filt)))
    assert site in (0, 3)
    assert weight_share(result.filters)[0] > 0.95
    # its deterministic limit is decimation onto that spin, for every block state
    others = np.abs(np.delete(filt, site)).sum()
    assert abs(filt[site]) > others
    assert ratio >= 0.95


def test_fit_is_deterministic_and_validates(xp):
    spins = torus_samples(4, 2.0, 400, Stream.named(SEED, "rsmi-test", "small"))
    config = FitConfig(steps=30, polish_steps=10, batch_size=256, eval_every=20)
    runs = [fit(xp.asarray(spins), TORUS, config, seed=Stream.named(1, "det")) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].filters, runs[1].filters)
    assert runs[0].mi == runs[1].mi and runs[0].mi_err == runs[1].mi_err
    assert list(runs[0].history["step"]) == [20, 40]
    assert runs[0].history["filters"].shape == (2, 1, 2, 2)
    assert not np.array_equal(runs[0].history["filters"][0], runs[0].history["filters"][1])
    assert runs[0].geometry == TORUS and runs[0].estimator == "infonce"
    other = fit(xp.asarray(spins), TORUS, config, seed=Stream.named(2, "det"))
    assert not np.array_equal(other.filters, runs[0].filters)
    rows = fit_pairs(
        (np.asarray(spins[:300, 0]), np.asarray(spins[:300, 1:].reshape(300, -1))),
        (np.asarray(spins[300:, 0]), np.asarray(spins[300:, 1:].reshape(100, -1))),
        config, seed=Stream.named(1, "rows"), block_shape=(4,),
    )
    assert rows.n_train == 300 and rows.n_heldout == 100 and rows.filters.shape == (1, 4)
    with pytest.raises(ValueError, match="estimator"):
        FitConfig(estimator="mine")
    with pytest.raises(ValueError, match="init_filters"):
        fit(spins, TORUS, FitConfig(learn_filters=False), seed=Stream.named(1, "det"))
