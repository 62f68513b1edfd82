"""The vendored reference copy must equal the project's shared reference files."""

import pytest

from conftest import SHARED_REFERENCE, VENDORED_REFERENCE


@pytest.mark.skipif(not SHARED_REFERENCE.is_dir(), reason="../shared/reference is not on this machine")
@pytest.mark.parametrize("name", ["ising2d_exact.json", "mutual_information_exact.json"])
def test_vendored_reference_matches_shared(name):
    assert (VENDORED_REFERENCE / name).read_bytes() == (SHARED_REFERENCE / name).read_bytes()
