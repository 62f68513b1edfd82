"""Pipeline steps of the phases stage (:mod:`rgml.phases`): PCA, supervised classifiers, the confusion scheme.

Each analysis reads every size's sample store, calls the library and writes
its result's dataset (``results/phases/ising2d/{analysis}.zarr``), its summary
table and its figure.
"""

from __future__ import annotations

from pathlib import Path

from rgml.backend import select_backend
from rgml.inputs import open_samples_2d
from rgml.phases import (ConfusionConfig, PCAConfig, SizeSamples, SupervisedConfig, confusion_phases, pca_phases,
                         supervised_phases)
from rgml.plots.phases import confusion_figure, pca_figure, supervised_figure
from rgml.progress import log
from rgml.store import provenance, save_figure, without_timings, write_dataset, write_table

ANALYSES = {
    "pca": (PCAConfig, pca_phases, pca_figure, "PCA of the configurations"),
    "supervised": (SupervisedConfig, supervised_phases, supervised_figure, "classifiers trained far from Tc"),
    "confusion": (ConfusionConfig, confusion_phases, confusion_figure, "the confusion scheme"),
}


def phases(*, analysis: str, stores: list[Path], config, seed: int, out: Path, table: Path, figure: Path,
           backend: str = "numpy") -> Path:
    """Run one analysis of :data:`ANALYSES` on the sample stores and write its store, summary table and figure."""
    backend, xp = select_backend(backend)
    _, run, plot, title = ANALYSES[analysis]
    samples = [SizeSamples.from_dataset(open_samples_2d(path), xp=xp) for path in stores]
    result = run(samples, config, seed=seed, log=log)
    summary = result.summary_frame()
    for _, row in summary.iterrows():
        log(f"{row['model']} L={row['L']}: {row['quantity']} = {row['value']:.5g} ± {row['error']:.2g}")
    attrs = provenance(title=f"phases of the 2D Ising model: {title}", seed=seed, backend=backend,
                       config={"phases": {"analysis": analysis, "stores": [str(p) for p in stores],
                                          **config.__dict__}})
    ds = result.to_dataset()
    path = write_dataset(without_timings(ds, [n for n in ds.data_vars if str(n).endswith("seconds")]), out,
                         attrs=attrs)
    write_table(summary, table)
    save_figure(plot(result), figure)
    return path
