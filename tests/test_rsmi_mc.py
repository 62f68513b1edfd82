"""RSMI on Monte Carlo samples of the 32×32 Ising torus (issue 5 acceptance 7).

4×4 blocks, buffer 2, environment shell 2 (80 sites), 64 block positions per
configuration.  Below Tc the coarse spin carries the sign of the ordered
sector, ≈ 1 bit = 0.69 nats; far above Tc nothing survives the buffer; at Tc
the learned filter weights the block boundary (Gökmen et al., PRE 104,
064106 (2021)).
"""

from dataclasses import replace

import numpy as np
import pytest

from rgml.exact import TC
from rgml.ising.sampler import SamplerSettings, prepare_chains, production
from rgml.rng import Stream
from rgml.rsmi import FitConfig, Geometry, boundaryness, fit, uniform_filter

SEED = 2026
SIZE = 32
TEMPERATURES = (1.8, TC, 4.0)
GEOMETRY = Geometry(block=4, buffer=2, env=2)
CONFIG = FitConfig(steps=800, polish_steps=300)

pytestmark = pytest.mark.slow  # fits on 2000 configurations of the 32 x 32 torus


@pytest.fixture(scope="module")
def samples():
    settings = SamplerSettings(chains=8, algorithm="wolff")
    batch, plans = prepare_chains(SIZE, TEMPERATURES, seed=SEED, settings=settings, log=lambda m: None)
    per_chain = 2000 // settings.chains
    blocks = list(production(batch, plans, per_chain, block_steps=per_chain))
    return {t: np.concatenate([b.spins[i] for b in blocks]) for i, t in enumerate(TEMPERATURES)}


@pytest.fixture(scope="module")
def fits(samples):
    return {t: fit(samples[t], GEOMETRY, CONFIG, seed=Stream.named(SEED, "rsmi-test", "mc", t)) for t in TEMPERATURES}


def test_ordered_phase_keeps_one_bit(fits):
    result = fits[1.8]
    print(f"[acceptance 7] T=1.8: held-out {result.mi:.4f} ± {result.mi_err:.4f} nats (ln 2 = {np.log(2):.4f})")
    assert result.mi >= 0.65
    assert result.mi <= np.log(2) + 4 * result.mi_err  # one binary unit holds at most ln 2


def test_flip_augmentation_restores_the_other_sector(samples):
    """Configurations all in one ordered sector: without global flips h is constant and I(H:E) ≈ 0."""
    spins = samples[1.8]
    one_sector = spins * np.sign(spins.sum(axis=(1, 2)))[:, None, None].astype(np.int8)
    short = FitConfig(steps=300, polish_steps=100)
    results = {
        flip: fit(one_sector, GEOMETRY, replace(short, flip_augment=flip), seed=Stream.named(SEED, "rsmi-test", "sector"))
        for flip in (True, False)
    }
    print(f"[flip augmentation] one sector at T=1.8: with flips {results[True].mi:.4f}, "
          f"without {results[False].mi:.4f} nats")
    assert results[True].mi >= 0.65
    assert results[False].mi < 0.05


def test_disordered_phase_keeps_nothing(fits):
    result = fits[4.0]
    print(f"[acceptance 7] T=4.0: held-out {result.mi:.4f} ± {result.mi_err:.4f} nats")
    assert result.mi <= 0.02


def test_critical_filter_is_boundary_weighted(fits):
    result = fits[TC]
    learned = boundaryness(result.filters)[0]
    uniform = boundaryness(uniform_filter((4, 4)))[0]
    print(f"[acceptance 7] T=Tc: held-out {result.mi:.4f} ± {result.mi_err:.4f} nats, boundaryness {learned:.2f} "
          f"(uniform {uniform:.2f})\n{np.round(result.filters[0], 2)}")
    assert learned > uniform
