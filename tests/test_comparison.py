"""The comparison table: one row per (rule, b), across block sizes."""

import numpy as np
import pandas as pd
from rg_toy import toy_rg

from rgml.comparison import summary, summary_by_block
from rgml.rg import Decimation, Majority
from rgml.rg.convergence import assess_rules
from rgml.rg.similarity import rule_similarity


def test_summary_by_block_joins_verdicts_information_and_same_maps():
    datasets = [toy_rg(rule, b, L, ratio=ratio, samples=150)
                for b, sizes in ((2, (16, 32)), (3, (12, 36)))
                for rule, ratio in (("majority", 1.0), ("decimation", b**-0.25)) for L in sizes]
    assessed = assess_rules(datasets, seed=1, n_boot=20, sizes="largest")
    information = pd.DataFrame([{"rule": r, "block": b, "mi_nats": 0.1 * b + (r == "majority"), "mi_err": 0.01,
                                 "rule_bias": 0.0} for b in (2, 3) for r in ("majority", "decimation")])
    similarity = rule_similarity([Majority(2), Decimation(2), Majority(3), Decimation(3)])
    df = summary_by_block(assessed, information, similarity).set_index(["rule", "b"])
    assert len(df) == 4
    assert df.loc[("majority", 3), "mi_nats"] == 1.3 and df.loc[("decimation", 2), "mi_nats"] == 0.2
    assert df.loc[("decimation", 3), "cosine_majority"] == 1 / 3 and df.loc[("majority", 2), "cosine_majority"] == 1
    assert (df["same_map_as"] == "").all()
    assert df.loc[("majority", 2), "T_star_status"] == "fixed_point"
    assert np.isnan(df.loc[("decimation", 2), "T_star"])


def test_summary_keeps_block_sizes_apart():
    rows = []
    for b, t_star in ((2, 2.27), (3, 2.25)):
        rows.append({"rule": "majority", "method": "flow_slope_matching", "L": 36 if b == 3 else 64, "b": b,
                     "level": 1, "couplings": np.nan, "nu": 1.0, "nu_err": 0.1, "T_fixed": t_star,
                     "T_fixed_err": 0.01, "slope": 2.0})
    information = pd.DataFrame([{"rule": "majority", "block": b, "mi_nats": 0.3 + b, "mi_err": 0.01}
                                for b in (2, 3)])
    df = summary(pd.DataFrame(rows), information).set_index("b")
    assert df.loc[2, "T_star"] == 2.27 and df.loc[3, "T_star"] == 2.25
    assert df.loc[3, "mi_nats"] == 3.3 and df.loc[3, "L"] == 36
