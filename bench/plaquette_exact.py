"""Exact enumeration of the 4x4 plaquette Ising torus -> tests/reference/plaquette_ising_exact.json.

Enumerates all 2^16 configurations with plain NumPy (no rgml code, so the file
checks the library independently), tabulates the joint density of states
g(C1, P, |M|) — C1 the nearest-neighbour bond sum over 2L² bonds, P the sum
over the L² elementary plaquettes, M the spin sum — and evaluates exact
averages for H = -J C1 - K P at J = 1, K = 0.2 (Liu, Qi, Meng & Fu,
PRB 95, 041101(R) (2017)).  At K = 0 it cross-checks the energies against
Kaufman's values in tests/reference/ising2d_exact.json.

Usage: ``python bench/plaquette_exact.py`` (writes the JSON; about a second).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "reference" / "plaquette_ising_exact.json"
L = 4
J, K = 1.0, 0.2
TEMPERATURES = [2.0, 2.3, 2.493, 2.7, 3.0]


def enumerate_torus(size: int):
    n = size * size
    codes = np.arange(2**n, dtype=np.int64)
    s = (2 * ((codes[:, None] >> np.arange(n)) & 1) - 1).reshape(-1, size, size)
    right, down = np.roll(s, -1, 2), np.roll(s, -1, 1)
    bonds = (s * right + s * down).sum(axis=(1, 2))
    plaquettes = (s * right * down * np.roll(down, -1, 2)).sum(axis=(1, 2))
    return bonds, plaquettes, np.abs(s.sum(axis=(1, 2)))


def averages(table: np.ndarray, temperature: float, coupling: float, plaquette: float, n_sites: int) -> dict:
    c1, p, m, g = (table[:, i].astype(float) for i in range(4))
    energy = -(coupling * c1 + plaquette * p)
    log_w = np.log(g) - energy / temperature
    w = np.exp(log_w - log_w.max())
    w /= w.sum()
    e, mag = energy / n_sites, m / n_sites
    m2, m4 = (w * mag**2).sum(), (w * mag**4).sum()
    return {
        "T": temperature,
        "energy_per_spin": float((w * e).sum()),
        "abs_magnetization": float((w * mag).sum()),
        "binder_cumulant": float(1 - m4 / (3 * m2**2)),
    }


def main():
    bonds, plaquettes, abs_m = enumerate_torus(L)
    keys, counts = np.unique(np.stack([bonds, plaquettes, abs_m], axis=1), axis=0, return_counts=True)
    table = np.concatenate([keys, counts[:, None]], axis=1)
    assert counts.sum() == 2 ** (L * L)

    kaufman = json.loads((ROOT / "tests" / "reference" / "ising2d_exact.json").read_text())
    for row in kaufman["finite_torus"]:
        if row["L"] == L:
            ours = averages(table, row["T"], 1.0, 0.0, L * L)["energy_per_spin"]
            assert abs(ours - row["energy_per_spin"]) < 1e-10, (row, ours)

    data = {
        "method": "bench/plaquette_exact.py: brute-force enumeration of all 2^16 states of the 4x4 torus with "
                  "NumPy; K = 0 energies checked against Kaufman's values in ising2d_exact.json to 1e-10",
        "conventions": "H = -J sum_<ij> s_i s_j - K sum_plaquettes s_i s_j s_k s_l on an L x L torus: 2L^2 "
                       "nearest-neighbour bonds and all L^2 elementary plaquettes, each counted once; spins +-1; "
                       "k_B = 1; energies and |m| per spin; U4 = 1 - <m^4>/(3 <m^2>^2).",
        "L": L,
        "density_of_states": {
            "columns": ["bond_sum_C1", "plaquette_sum_P", "abs_spin_sum_M", "count"],
            "rows": table.tolist(),
        },
        "averages": {"J": J, "K": K, "values": [averages(table, t, J, K, L * L) for t in TEMPERATURES]},
        "literature": {
            "Tc": 2.493,
            "J": J,
            "K": K,
            "source": "Liu, Qi, Meng & Fu, Phys. Rev. B 95, 041101(R) (2017): critical temperature of the "
                      "plaquette model with J = 1, K = 0.2 (thermodynamic limit), quoted value",
        },
    }
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(table)} (C1, P, |M|) levels")


if __name__ == "__main__":
    main()
