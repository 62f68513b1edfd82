"""Do the flow's error bars cover the scatter of independent batches?  (issue: errors that survive correlation)

Samples the 2D Ising model on L = 8 and 16 over a grid around Tc in ``--batches``
independent batches (different root seeds), coarse-grains them with the
majority rule (b = 2), and runs the RG flow analysis (:class:`rgml.rg.flow.FlowAnalysis`)
on every batch twice: with the old single-configuration bootstrap
(``blocks=None``) and with the block bootstrap over whole chain segments
(``blocks=40``).  For the matched temperatures T_eff (L = 16, levels 1 and 2),
the fixed points T* and ν from the flow slope, it prints

    χ² = Σ_quantities Σ_batches (x_b − x̄)² / σ_b²,  dof = quantities · (batches − 1),

and the p-value: the quoted errors cover the batch scatter when p is not small.

Two sample sets:

* ``default`` — the default sampler (algorithm auto, thinned at 2 τ_int: the
  stored samples are nearly independent); both bootstraps should pass;
* ``under-thinned`` — Metropolis with one sweep between stored samples, so
  consecutive samples are strongly correlated: the single-configuration
  bootstrap underestimates the errors (it should fail) and the block
  bootstrap should still pass.

Run: ``PYTHONPATH=$PWD/src python bench/batch_scatter.py`` (≈ 3 min on one core).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rgml.blocking import batch_chi2, chain_tau
from rgml.exact import TC
from rgml.ising.sampler import SamplerSettings, prepare_chains, production
from rgml.rg.blocks import majority, n_levels
from rgml.rg.correlations import interaction_densities
from rgml.rg.flow import FlowAnalysis
from rgml.rng import Stream

TEMPERATURES = [2.0, 2.1, 2.2, 2.24, TC, 2.3, 2.35, 2.45, 2.6]
SIZES = (8, 16)
CHAINS = 4
B = 2


def densities(size: int, seed: int, settings: SamplerSettings, samples: int) -> list[np.ndarray]:
    """Interaction densities ``[level](T, sample, k)`` of one freshly sampled batch."""
    batch, plans = prepare_chains(size, TEMPERATURES, seed=seed, settings=settings, log=lambda m: None)
    per_chain = samples // settings.chains
    spins = np.concatenate([blk.spins for blk in production(batch, plans, per_chain, block_steps=per_chain)], axis=1)
    levels = [interaction_densities(spins)]
    for n in range(1, n_levels(size, B) + 1):
        coarse = np.empty((spins.shape[0], spins.shape[1], spins.shape[2] // B, spins.shape[3] // B), np.int8)
        for i, t in enumerate(TEMPERATURES):
            coarse[i] = majority(spins[i], B, Stream.named(seed, "rg", "majority", B, size, float(t)).child("level", n))
        spins = coarse
        levels.append(interaction_densities(spins))
    return levels


def measure(levels: dict[int, list[np.ndarray]], blocks: int | None, seed: int, n_boot: int) -> dict:
    """T_eff (L=16, levels 1-2), T* and ν of one batch with their errors, for one bootstrap kind."""
    analysis = FlowAnalysis({L: np.array(TEMPERATURES) for L in levels}, levels, B, blocks=blocks, chains=CHAINS)
    result = analysis.analyse(stream=Stream.named(seed, "rg-bootstrap", "majority", B), n_boot=n_boot)
    flows, fixed = result.flows.to_frame(), result.fixed_points.to_frame()
    out = {}
    match = flows[(flows.method == "matching") & (flows.L == SIZES[-1])].sort_values(["level", "T"])
    out["T_eff"] = (match.T_eff.to_numpy(), match.T_eff_err.to_numpy())
    fp = fixed[(fixed.method == "flow_slope_matching") & (fixed.L == SIZES[-1])].sort_values("level")
    out["T*"] = (fp.T_fixed.to_numpy(), fp.T_fixed_err.to_numpy())
    out["nu"] = (fp.nu.to_numpy(), fp.nu_err.to_numpy())
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--samples", type=int, default=1000, help="stored samples per T, default sampler")
    parser.add_argument("--under-samples", type=int, default=4000, help="stored samples per T, under-thinned")
    parser.add_argument("--n-boot", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7000)
    args = parser.parse_args()
    modes = {
        "default": (SamplerSettings(chains=CHAINS), args.samples),
        "under-thinned": (SamplerSettings(chains=CHAINS, algorithm="metropolis", thin=1, thermalize=2000),
                          args.under_samples),
    }
    start = time.time()
    print(f"batch scatter: L = {SIZES}, b = {B} majority, {args.batches} batches, T = "
          + ", ".join(f"{t:.4g}" for t in TEMPERATURES))
    for mode, (settings, samples) in modes.items():
        results = {"single-configuration": [], "block (40 chain blocks)": []}
        taus = []
        for k in range(args.batches):
            seed = args.seed + k
            levels = {L: densities(L, seed, settings, samples) for L in SIZES}
            taus.append(chain_tau(levels[SIZES[-1]][1][..., :3], chains=CHAINS, axis=1))
            for kind, blocks in (("single-configuration", None), ("block (40 chain blocks)", 40)):
                results[kind].append(measure(levels, blocks, seed, args.n_boot))
        tau = np.mean(taus, axis=0)
        print(f"\n[{mode}] {samples} samples per T; tau_int of the level-1 nn/nnn/plaquette densities of L=16 "
              f"along the stored samples: max {tau.max():.2f}, at Tc {tau[TEMPERATURES.index(TC)].round(2)}")
        print(f"  {'bootstrap':<26}{'quantity':<8}{'chi2':>9}{'dof':>6}{'p':>11}{'  mean error':>13}{'  scatter':>10}")
        for kind, per_batch in results.items():
            for q in ("T_eff", "T*", "nu"):
                values = np.stack([b[q][0] for b in per_batch])
                errors = np.stack([b[q][1] for b in per_batch])
                chi2, dof, p = batch_chi2(values, errors)
                ok = np.all(np.isfinite(values) & np.isfinite(errors), axis=0)
                mean_err = np.mean(errors[:, ok]) if ok.any() else np.nan
                scatter = np.mean(np.std(values[:, ok], axis=0, ddof=1)) if ok.any() else np.nan
                verdict = "pass" if p > 0.01 else "FAIL"
                print(f"  {kind:<26}{q:<8}{chi2:9.1f}{dof:6d}{p:11.2e}{mean_err:13.4f}{scatter:10.4f}  {verdict}")
        print(f"  ({time.time() - start:.0f} s so far)")


if __name__ == "__main__":
    main()
