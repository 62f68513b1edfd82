"""Bad data (issue 8, item 3): every CLI step that reads a store, given a damaged one, fails cleanly.

Each case runs a real ``rgml`` step on a copy of a small real store damaged
in one way, and checks: exit status 2, exactly one error line on stderr
(``rgml <step>: error: <file>: <problem>``, progress lines aside) naming the
damaged file and the problem, no traceback, and every output path exactly as
it was before (pre-created with known content; no new files, no
``.partial`` debris).

The table is two-dimensional: ``STEPS`` (one row per step and damaged input)
times ``DAMAGE`` (one entry per kind of damage).  A new step (e.g. the RBM
stage's ``rgml rbm train``) joins by adding a ``Step`` row, and a new kind of
store by adding its fixture to ``stores`` and an entry to ``KINDS``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import xarray as xr

from rgml.cli import EXIT_USAGE, main
from rgml.rng import Stream
from rgml.store import STORE_VERSION, write_dataset

pytestmark = pytest.mark.workflow  # the workflow/CLI tier: runs the rgml command or other processes

# --------------------------------------------------------------------------- fixture stores


@dataclass(frozen=True)
class Kind:
    """A kind of input store: a fixture name, its configurations and its checked values, a wrong kind."""

    fixture: str
    spins: str | None  # the ±1 configurations variable (None: the store has none)
    finite: str  # a variable whose values must be finite (energies, densities, filters)
    wrong: str  # the fixture of another kind, given where this one is expected


KINDS = {
    "samples2d": Kind("L8", spins="spins", finite="energy", wrong="fit"),
    "samples1d": Kind("N16", spins="spins", finite="energy", wrong="L8"),
    "rg": Kind("maj8", spins="level1", finite="densities", wrong="L8"),
    "rsmi": Kind("fit", spins=None, finite="lambda", wrong="L8"),
    "rbm": Kind("block", spins=None, finite="W", wrong="fit"),
}


def run_cli(argv) -> tuple[int, str, str]:
    """``rgml ARGV`` in this process (the console script calls the same ``main``)."""
    from contextlib import redirect_stderr, redirect_stdout
    from io import StringIO

    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, Path]:
    """Small real stores of every kind, made once by the real steps."""
    d = tmp_path_factory.mktemp("stores")
    made = {"L8": d / "L8.zarr", "N16": d / "N16.zarr", "fit": d / "fit.zarr", "maj8": d / "maj8.zarr",
            "block": d / "block.zarr"}
    steps = [
        ["sample", "ising2d", "--size", 8, "--temperatures", "2.0,2.269185,3.0", "--samples", 48, "--seed", 1,
         "--thermalize", 20, "--thin", 2, "--out", made["L8"]],
        ["sample", "ising1d", "--size", 16, "--couplings", "0.5,1.0", "--samples", 50, "--seed", 1,
         "--out", made["N16"]],
        ["rsmi", "fit", "--samples", made["L8"], "--temperature", 2.269185, "--block", 2, "--buffer", 0,
         "--environment", 1, "--steps", 20, "--seed", 1, "--out", made["fit"]],
        ["rg", "coarse-grain", "--samples", made["L8"], "--rule", "majority", "--seed", 1, "--out", made["maj8"]],
        ["rbm", "block", "--samples", made["L8"], "--temperature", 2.269185, "--epochs", 2, "--seed", 1,
         "--out", made["block"]],
    ]
    for argv in steps:
        code, _, err = run_cli(argv)
        assert code == 0, err
    return made


# --------------------------------------------------------------------------- the steps


@dataclass(frozen=True)
class Step:
    """One CLI step and the input store that gets damaged.

    ``argv(inputs, out)`` builds the command from the input stores (fixture
    name -> path, the damaged one substituted) and the output directory;
    ``outputs`` are the names under ``out`` it writes (``*.zarr``: a store);
    ``reads`` is the variable of the damaged input the step reads (where a
    chunk is deleted or garbled, a dtype or dims changed); ``skip`` maps a
    damage that cannot apply to the reason.
    """

    id: str
    command: str
    damaged: str
    reads: str
    argv: Callable[[dict, Path], list]
    outputs: tuple[str, ...] = ()
    skip: dict = field(default_factory=dict)


HASH_ONLY = "checksum hashes whatever arrays a complete store holds; their meaning is not its business"


def rg_flow_argv(s, o):
    """`rgml rg flow` on the majority store and the samples it came from (either may be the damaged one)."""
    return ["rg", "flow", s["maj8"], "--samples", s["L8"], "--seed", 1, "--bootstrap", 4,
            "--flow-table", o / "flow.csv", "--exponents-table", o / "exp.csv", "--flow-figure", o / "flow.png",
            "--snapshot-figure", o / "snap.png", "--mcrg-figure", o / "mcrg.png", "--levels-table", o / "levels.csv"]


RG_FLOW_OUTPUTS = ("flow.csv", "exp.csv", "flow.png", "snap.png", "mcrg.png", "levels.csv")

STEPS = [
    Step("thermo", "rgml thermo", "L8", "energy",
         lambda s, o: ["thermo", s["L8"], "--table", o / "t.csv", "--figure", o / "t.png"],
         ("t.csv", "t.png"), skip={"spins": "thermo reads energies and magnetizations, not configurations"}),
    Step("sample-merge", "rgml sample merge", "L8", "spins",
         lambda s, o: ["sample", "merge", s["L8"], "--out", o / "L8.zarr"], ("L8.zarr",)),
    Step("rg-coarse-grain", "rgml rg coarse-grain", "L8", "spins",
         lambda s, o: ["rg", "coarse-grain", "--samples", s["L8"], "--rule", "majority", "--seed", 1,
                       "--out", o / "majority_b2.zarr"], ("majority_b2.zarr",)),
    Step("rg-coarse-grain-model", "rgml rg coarse-grain", "fit", "lambda",
         lambda s, o: ["rg", "coarse-grain", "--samples", s["L8"], "--rule", "rsmi", "--model", s["fit"],
                       "--seed", 1, "--out", o / "rsmi_b2.zarr"], ("rsmi_b2.zarr",),
         skip={"spins": "an RSMI fit store holds filters, not configurations"}),
    Step("rg-flow-stores", "rgml rg flow", "maj8", "densities",
         rg_flow_argv, RG_FLOW_OUTPUTS),
    Step("rg-flow-samples", "rgml rg flow", "L8", "spins",
         rg_flow_argv, RG_FLOW_OUTPUTS),
    Step("rg-ring", "rgml rg ring", "N16", "spins",
         lambda s, o: ["rg", "ring", "--samples", s["N16"], "--table", o / "ring.csv", "--figure", o / "ring.png"],
         ("ring.csv", "ring.png")),
    Step("rsmi-fit", "rgml rsmi fit", "L8", "spins",
         lambda s, o: ["rsmi", "fit", "--samples", s["L8"], "--temperature", 2.269185, "--block", 2, "--buffer", 0,
                       "--environment", 1, "--steps", 5, "--seed", 1, "--out", o / "T2.2692.zarr"],
         ("T2.2692.zarr",)),
    Step("rsmi-table", "rgml rsmi table", "fit", "lambda",
         lambda s, o: ["rsmi", "table", s["fit"], "--table", o / "rsmi.csv", "--filters-figure", o / "f.png",
                       "--mi-figure", o / "mi.png", "--buffer-figure", o / "b.png",
                       "--training-figure", o / "tr.png"],
         ("rsmi.csv", "f.png", "mi.png", "b.png", "tr.png"),
         skip={"spins": "an RSMI fit store holds filters, not configurations"}),
    Step("rbm-train", "rgml rbm train", "L8", "spins",
         lambda s, o: ["rbm", "train", "--samples", s["L8"], "--temperature", 2.269185, "--epochs", 1,
                       "--n-hidden", 4, "--seed", 1, "--out", o / "T2.2692.zarr"], ("T2.2692.zarr",)),
    Step("rg-coarse-grain-rbm", "rgml rg coarse-grain", "block", "W",
         lambda s, o: ["rg", "coarse-grain", "--samples", s["L8"], "--rule", "rbm", "--model", s["block"],
                       "--seed", 1, "--out", o / "rbm_b2.zarr"], ("rbm_b2.zarr",),
         skip={"spins": "an RBM store holds weights, not configurations"}),
    Step("checksum", "rgml checksum", "L8", "spins", lambda s, o: ["checksum", s["L8"]],
         skip={d: HASH_ONLY for d in ("dtype", "dims", "spins", "nan", "kind")}),
]

KIND_OF = {kind.fixture: name for name, kind in KINDS.items()}

# --------------------------------------------------------------------------- the damage


def _chunk(store: Path, variable: str) -> Path:
    """The middle chunk file of ``variable`` (for per-temperature chunks: the temperature nearest Tc)."""
    files = sorted(p for p in (store / variable / "c").rglob("*") if p.is_file())
    assert files, f"{store}/{variable} has no chunk files"
    return files[len(files) // 2]


def _rewrite(src: Path, dst: Path, variable: str, change: Callable[[xr.DataArray], xr.DataArray]) -> None:
    """Write ``src`` again as a complete store of this rgml with ``variable`` changed (a writer's bug)."""
    ds = xr.open_zarr(src, consolidated=True).load()
    attrs = {k: v for k, v in ds.attrs.items() if k not in ("rgml_complete", "rgml_chunks")}
    ds = ds.drop_vars(variable).assign({variable: change(ds[variable])})
    ds.attrs = {}
    for name in ds.variables:
        ds[name].encoding = {}
        if ds[name].dtype.kind == "T":  # NumPy string dtype read back from Zarr: write as Python strings
            ds[name] = ds[name].astype(object)
    write_dataset(ds, dst, attrs=attrs)


def _edit_root(store: Path, edit: Callable[[dict], None]) -> None:
    meta_path = store / "zarr.json"
    meta = json.loads(meta_path.read_text())
    edit(meta)
    meta_path.write_text(json.dumps(meta))


def _flatten(da: xr.DataArray) -> xr.DataArray:
    """The last two dims merged into one: e.g. spins (temperature, sample, site)."""
    return xr.DataArray(da.values.reshape(da.shape[:-2] + (-1,)), dims=da.dims[:-2] + ("site",), attrs=da.attrs)


def _set_first_site(da: xr.DataArray) -> xr.DataArray:
    values = da.values.copy()
    values.reshape(values.shape[:2] + (-1,))[..., 0] = 2  # site 0 of every configuration is 2
    return da.copy(data=values)


def _nan_in_middle(da: xr.DataArray) -> xr.DataArray:
    values = da.values.copy()
    values.reshape(-1)[values.size // 2] = np.nan
    return da.copy(data=values)


def _garble(path: Path) -> None:
    n = path.stat().st_size
    path.write_bytes(Stream.named(8, "garbage").bits(n).astype(np.uint8).tobytes())


def _flip(path: Path) -> None:
    """Flip 8 bytes in the middle of a chunk file: a silent change that decodes to other valid-looking spins."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    for i in range(middle - 4, middle + 4):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _incomplete(meta: dict) -> None:
    """What a killed writer leaves (a ``.partial`` renamed by hand): no rgml attributes, no consolidation."""
    meta["attributes"] = {}
    meta.pop("consolidated_metadata", None)


def damage(case: str, src: Path, dst: Path, step: Step, stores: dict[str, Path]) -> None:
    """Make ``dst`` a copy of ``src`` with damage ``case`` (``missing``: nothing at ``dst``)."""
    kind = KINDS[KIND_OF[step.damaged]]
    if case == "missing":
        return
    if case == "kind":
        shutil.copytree(stores[kind.wrong], dst)
    elif case in ("dtype", "dims", "spins", "nan"):
        variable = {"spins": kind.spins, "nan": kind.finite}.get(case, step.reads)
        change = {
            "dtype": lambda da: da.astype(np.float32 if da.dtype.kind == "f" else np.int16),
            "dims": _flatten,
            "spins": _set_first_site,
            "nan": _nan_in_middle,
        }[case]
        _rewrite(src, dst, variable, change)
    else:
        shutil.copytree(src, dst)
        if case == "truncated":
            _chunk(dst, step.reads).unlink()
        elif case == "corrupt":
            _garble(_chunk(dst, step.reads))
        elif case == "flipped":
            _flip(_chunk(dst, step.reads))
        elif case == "incomplete":
            _edit_root(dst, _incomplete)
        elif case == "version":
            _edit_root(dst, lambda meta: meta["attributes"].update(rgml_store_version=STORE_VERSION + 1))


#: damage -> what the error line must say about it
DAMAGE = {
    "missing": r"no such (store|file)",
    "truncated": r"truncated",
    "corrupt": r"checksum",
    "flipped": r"array '\w+' chunk \(.*\) fails its crc32c checksum.*delete it and rerun",
    "dtype": r"has dtype .* expected",
    "dims": r"has dims .* expected",
    "spins": r"other than -1 and \+1",
    "nan": r"NaN",
    "incomplete": r"incomplete",
    "version": r"version",
    "kind": r"wrong kind of store",
}

# --------------------------------------------------------------------------- the checks

LOG_LINE = re.compile(r"^\[\d\d:\d\d:\d\d\] |^\S.*: \d+/\d+ \(\d+%\)")


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` (relative path -> bytes), to check nothing changed."""
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def prepare(step: Step, case: str, stores: dict[str, Path], tmp_path: Path) -> tuple[list, Path, Path]:
    """The damaged input, pre-existing outputs with known content, and the command."""
    inputs = dict(stores)
    damaged = tmp_path / "inputs" / stores[step.damaged].name
    damaged.parent.mkdir()
    damage(case, stores[step.damaged], damaged, step, stores)
    inputs[step.damaged] = damaged
    out = tmp_path / "out"
    out.mkdir()
    argv = step.argv(inputs, out)
    for name in step.outputs:
        if name.endswith(".zarr"):  # an earlier result at the store's path: it must survive the failure
            shutil.copytree(stores["N16"], out / name)
            argv.append("--overwrite")
        else:
            (out / name).write_text(f"earlier {name}\n")
    return argv, damaged, out


def check_clean_failure(code: int, stdout: str, stderr: str, *, step: Step, case: str, damaged: Path) -> None:
    assert "Traceback" not in stderr, stderr
    assert code == EXIT_USAGE, f"exit status {code}\n{stderr}"
    errors = [line for line in stderr.splitlines() if line.strip() and not LOG_LINE.match(line)]
    assert len(errors) == 1, stderr
    assert errors[0].startswith(f"{step.command}: error: "), errors[0]
    assert str(damaged) in errors[0], errors[0]
    assert re.search(DAMAGE[case], errors[0]), errors[0]
    assert stdout == "", stdout


CASES = [
    pytest.param(step, case, id=f"{step.id}-{case}",
                 marks=[pytest.mark.skip(reason=step.skip[case])] if case in step.skip else [])
    for step in STEPS for case in DAMAGE
]


@pytest.mark.parametrize("step, case", CASES)
def test_damaged_input_fails_cleanly_and_writes_nothing(step, case, stores, tmp_path):
    argv, damaged, out = prepare(step, case, stores, tmp_path)
    before = snapshot(out)
    code, stdout, stderr = run_cli(argv)
    check_clean_failure(code, stdout, stderr, step=step, case=case, damaged=damaged)
    assert snapshot(out) == before
    assert not list(out.parent.glob("**/*.partial*")), "debris left behind"


@pytest.mark.parametrize("step_id, case", [("rg-coarse-grain", "flipped"), ("rsmi-table", "truncated"),
                                           ("checksum", "incomplete")])
def test_the_console_command_behaves_the_same(step_id, case, stores, tmp_path):
    """A few cases through a real process: exit status and stderr as the user sees them."""
    step = next(s for s in STEPS if s.id == step_id)
    argv, damaged, out = prepare(step, case, stores, tmp_path)
    before = snapshot(out)
    proc = subprocess.run([sys.executable, "-m", "rgml.cli", *map(str, argv)], capture_output=True, text=True,
                          timeout=300)
    check_clean_failure(proc.returncode, proc.stdout, proc.stderr, step=step, case=case, damaged=damaged)
    assert snapshot(out) == before


def test_the_undamaged_stores_pass_every_step(stores, tmp_path):
    """The control: the same commands on the undamaged stores succeed (so each failure is the damage's)."""
    for step in STEPS:
        out = tmp_path / step.id
        out.mkdir()
        code, _, stderr = run_cli(step.argv(stores, out))
        assert code == 0, f"{step.id}: {stderr}"
        for name in step.outputs:
            assert (out / name).exists(), f"{step.id} did not write {name}"
