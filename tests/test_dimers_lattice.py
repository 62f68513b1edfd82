"""Dimer representation, electric field, block filters and the link lattice RSMI cuts."""

import numpy as np
import pytest

from rgml.dimers import (
    block_fields,
    block_orientation,
    cells_to_links,
    check_dimers,
    columnar_state,
    coverage,
    divergence,
    electric_field,
    enumerate_dimers,
    field_filters,
    filler_mask,
    is_close_packed,
    link_geometry,
    link_ids,
    link_lattice,
    links_to_cells,
    majority_orientation,
    occupation_filters,
    orientation_filter,
    parallel_plaquettes,
    reflect,
    staggered_sign,
    staggered_state,
    translate,
    transpose,
    winding_numbers,
)
from rgml.dimers.observables import columnar_order, row_correlation
from rgml.rng import Stream
from rgml.rsmi.partition import block_positions, extract


@pytest.fixture(scope="module")
def all_4x4():
    return enumerate_dimers(4)


@pytest.fixture(scope="module")
def all_6x6():
    return enumerate_dimers(6)


def test_crystals():
    for orientation in (0, 1):
        for shift in (0, 1):
            d = columnar_state(8, orientation=orientation, shift=shift)
            assert is_close_packed(d)
            assert parallel_plaquettes(d) == 32  # every plaquette of alternate rows/columns: L²/2
            assert (winding_numbers(d) == 0).all()
            order = columnar_order(d)
            assert abs(np.hypot(*order) - 1.0) < 1e-12 and order[1 - orientation] == 0
    s = staggered_state(8)
    assert is_close_packed(s) and parallel_plaquettes(s) == 0
    assert winding_numbers(s).tolist() == [4, 0]
    assert np.hypot(*columnar_order(s)) == 0


def test_check_dimers_rejects_bad_input():
    with pytest.raises(ValueError, match="shape"):
        check_dimers(np.zeros((3, 4, 4), np.int8))
    with pytest.raises(ValueError, match="even"):
        check_dimers(np.zeros((2, 5, 6), np.int8))
    with pytest.raises(ValueError, match="0 or 1"):
        check_dimers(np.full((2, 4, 4), 2, np.int8))


def test_close_packing_detects_a_missing_or_extra_dimer():
    d = columnar_state(6)
    broken = d.copy()
    broken[0, 2, 2] = 0
    assert not is_close_packed(broken)
    assert coverage(broken)[2, 2] == 0 and coverage(broken)[2, 3] == 0
    extra = d.copy()
    extra[1, 0, 0] = 1
    assert not is_close_packed(extra)


def test_symmetries_map_coverings_to_coverings(all_4x4):
    w = winding_numbers(all_4x4)
    n_par = parallel_plaquettes(all_4x4)
    for op in (lambda d: translate(d, 1, 0), lambda d: translate(d, 0, 3), transpose, reflect):
        image = op(all_4x4)
        assert is_close_packed(image).all()
        assert (parallel_plaquettes(image) == n_par).all()
        # a symmetry permutes the coverings
        codes = {row.tobytes() for row in all_4x4.reshape(len(all_4x4), -1)}
        assert {row.tobytes() for row in image.reshape(len(image), -1)} == codes
    assert (winding_numbers(translate(all_4x4, 0, 1)) == -w).all()  # odd shift swaps sublattices
    assert (winding_numbers(translate(all_4x4, 2, 2)) == w).all()
    assert (winding_numbers(transpose(all_4x4)) == w[:, ::-1]).all()
    assert (winding_numbers(reflect(all_4x4)) == w * [-1, 1]).all()


def test_field_is_divergence_free_exactly_on_coverings(all_4x4):
    assert np.abs(divergence(electric_field(all_4x4))).max() == 0
    broken = columnar_state(4).copy()
    broken[0, 1, 0] = 0
    div = divergence(electric_field(broken))
    assert np.array_equal(div, staggered_sign(4) * (coverage(broken) - 1))


def test_winding_is_the_flux_through_every_cut(all_6x6):
    field = electric_field(all_6x6)
    flux_x = field[:, 0].sum(axis=1)  # through each column cut: (samples, x)
    flux_y = field[:, 1].sum(axis=2)
    w = winding_numbers(all_6x6)
    assert np.allclose(flux_x, w[:, :1]) and np.allclose(flux_y, w[:, 1:])
    assert set(np.unique(w)) <= set(range(-3, 4))


@pytest.mark.parametrize("size,block", [(4, 2), (6, 3), (6, 2)])
def test_block_fields_are_the_linear_filters(all_4x4, all_6x6, size, block):
    d = all_4x4 if size == 4 else all_6x6[::5]
    s = 2.0 * d - 1
    fields = block_fields(d, block)
    filters = field_filters(block)
    offset = 0.25 * staggered_sign(block).sum()
    for i in range(size // block):
        for j in range(size // block):
            sign = staggered_sign(size)[i * block, j * block]  # sublattice of the block origin
            links = s[:, :, i * block:(i + 1) * block, j * block:(j + 1) * block]
            for k in (0, 1):
                predicted = sign * ((links * filters[k]).sum(axis=(1, 2, 3)) + offset)
                assert np.allclose(fields[:, k, i, j], predicted)


def test_naive_rules(all_6x6):
    all_6x6 = all_6x6[::5]
    s = 2.0 * all_6x6 - 1
    block = 3
    difference = block_orientation(all_6x6, block)
    occupation = occupation_filters(block)
    links = s[:, :, :block, :block]
    n_h = all_6x6[:, 0, :block, :block].sum(axis=(1, 2))
    n_v = all_6x6[:, 1, :block, :block].sum(axis=(1, 2))
    assert np.allclose((links * occupation[0]).sum(axis=(1, 2, 3)) + block**2 / 2, n_h)
    assert np.allclose((links * occupation[1]).sum(axis=(1, 2, 3)) + block**2 / 2, n_v)
    assert np.allclose((links * orientation_filter(block)).sum(axis=(1, 2, 3)), n_h - n_v)
    assert np.array_equal(difference[:, 0, 0], n_h - n_v)
    rule = majority_orientation(all_6x6, block, seed=7)
    assert np.array_equal(rule[difference > 0], np.ones((difference > 0).sum()))
    assert np.array_equal(rule[difference < 0], -np.ones((difference < 0).sum()))
    ties = rule[difference == 0]
    assert set(np.unique(ties)) == {-1, 1}
    assert np.array_equal(rule, majority_orientation(all_6x6, block, seed=7))


def test_row_correlation_counts_pairs_exactly():
    d = columnar_state(8)[None]  # horizontal dimers on even columns
    g = row_correlation(d, staggered=False)[0]
    # n_0 = 1 on even x: pairs at even r have density 1/2, at odd r none; vertical links empty
    expected = np.where(np.arange(5) % 2 == 0, 0.5 * 0.5, 0.0) - 1 / 16
    assert np.allclose(g, expected)
    assert np.allclose(row_correlation(d)[0], expected * (1 - 2 * (np.arange(5) % 2)))


def test_link_lattice_layout_and_noise(all_4x4):
    d = all_4x4[:10]
    cells = link_lattice(d, filler=-1)
    assert cells.shape == (10, 8, 8) and cells.dtype == np.int8
    assert np.array_equal(cells[:, 0::2, 1::2], 2 * d[:, 0] - 1)
    assert np.array_equal(cells[:, 1::2, 0::2], 2 * d[:, 1] - 1)
    assert (cells[:, filler_mask(4)] == -1).all()
    assert np.array_equal(cells_to_links(cells), 2 * d - 1)
    noise = Stream.named(3, "noise")
    noisy = link_lattice(d, noise=noise)
    assert np.array_equal(cells_to_links(noisy), 2 * d - 1)
    assert np.array_equal(noisy[:4], link_lattice(d[:4], noise=noise))  # same bits however it is cut
    assert np.array_equal(noisy[4:], link_lattice(d[4:], noise=noise, first_sample=4))
    fill = noisy[:, filler_mask(4)]
    assert set(np.unique(fill)) == {-1, 1} and abs(fill.mean()) < 0.15
    assert not np.array_equal(noisy[0][filler_mask(4)], noisy[1][filler_mask(4)])


@pytest.mark.parametrize("block, buffer, env", [(2, 1, 1), (4, 0, 2), (8, 2, 1)])
def test_environment_fillers_are_the_site_and_face_cells_of_every_environment(block, buffer, env):
    from rgml.dimers.linklattice import environment_fillers, link_ids

    geometry = link_geometry(block, buffer, env)
    size = block + 2 * (buffer + env) + 2
    ids = link_ids(size)[None]
    _, environment = extract(ids, geometry, block_positions(2 * size, geometry, stride=2))
    assert environment.shape[1] > 1  # several even origins, all with the same pattern
    assert np.array_equal(environment[0] < 0, np.broadcast_to(environment_fillers(geometry), environment.shape[1:]))


def test_filter_layouts_round_trip():
    filters = field_filters(8)
    images = links_to_cells(filters)
    assert images.shape == (2, 16, 16)
    assert (images[:, filler_mask(8)] == 0).all()
    assert np.array_equal(cells_to_links(images), filters)


@pytest.mark.parametrize("block,buffer,env", [(2, 1, 1), (3, 0, 2), (2, 2, 1)])
def test_rsmi_cuts_exactly_the_intended_links(block, buffer, env):
    """V = links owned by the ℓ×ℓ block sites; E = those owned by sites at Chebyshev distance (L_B, L_B+L_E]."""
    size = 12
    geometry = link_geometry(block, buffer, env)
    positions = block_positions(2 * size, geometry)
    visible, environment = extract(link_ids(size)[None], geometry, positions)
    for p, (cy, cx) in enumerate(positions):
        assert cy % 2 == 0 and cx % 2 == 0
        y0, x0 = cy // 2, cx // 2
        want_v, want_e = set(), set()
        for y in range(y0 - buffer - env, y0 + block + buffer + env):
            for x in range(x0 - buffer - env, x0 + block + buffer + env):
                dist = max(max(y0 - y, 0, y - (y0 + block - 1)), max(x0 - x, 0, x - (x0 + block - 1)))
                target = want_v if dist == 0 else want_e if buffer < dist <= buffer + env else None
                if target is not None:
                    for k in (0, 1):
                        target.add(k * size * size + (y % size) * size + x % size)
        v, e = visible[0, p], environment[0, p]
        assert set(v[v >= 0]) == want_v and (v >= 0).sum() == len(want_v) == 2 * block**2
        assert set(e[e >= 0]) == want_e and (e >= 0).sum() == len(want_e)
        # in the C order of the block, the link cells read back in the (direction, y, x) layout
        ids = cells_to_links(v.reshape(geometry.block_shape))
        assert ids[0, 0, 0] == y0 * size + x0 and ids[1, 0, 0] == size * size + y0 * size + x0
