"""Logic of the comparison steps (issue 13) that is not in the library: which rules break ties by a coin."""

import pytest

from rgml.steps.compare import COMPARISON_COLUMNS, coin_ties


@pytest.mark.parametrize("rule, b, expected", [
    ("majority", 2, "yes"), ("majority", 3, "no"), ("majority", 4, "yes"), ("majority", 5, "no"),
    ("decimation", 2, "no"), ("decimation", 3, "no"), ("rsmi", 3, "sampled"), ("rbm", 4, "sampled"),
])
def test_majority_uses_a_coin_only_with_an_even_number_of_spins(rule, b, expected):
    assert coin_ties(rule, b) == expected


def test_comparison_columns_name_the_verdicts_and_the_similarity():
    for column in ("T_star", "T_star_err", "T_star_status", "nu", "nu_err", "nu_status", "nu_drift", "mi_nats",
                   "mi_err", "cosine_majority", "same_map_as", "coin_ties"):
        assert column in COMPARISON_COLUMNS
