"""Learning phases from configurations, without and with labels (review §II).

Three analyses of the 2D Ising sample stores of several sizes, each a front
door taking the stores (or :class:`SizeSamples`), a frozen config and
``seed=``, and returning a result object with ``to_dataset`` /
``from_dataset`` / ``to_frame`` / ``summary_frame``:

* :func:`pca_phases` — unsupervised: PCA of the configurations (Wang, PRB 94,
  195105 (2016)); the leading component is the uniform vector, Tc and ν from
  the scaling of the Binder cumulant of the projection on it;
* :func:`supervised_phases` — classifiers trained deep in each phase, applied
  everywhere (Carrasquilla & Melko, Nat. Phys. 13, 431 (2017)); Tc from the
  ½ crossings extrapolated in L, ν from the collapse of the output curves;
* :func:`confusion_phases` — learning by confusion (van Nieuwenburg, Liu &
  Huber, Nat. Phys. 13, 435 (2017)); the W-shaped accuracy and its middle
  peak, extrapolated in L.

=================  ==========================================================
module             idea
=================  ==========================================================
``data``           per-size inputs, Monte Carlo-time splits, chain-block bootstrap
``fss``            level and pair crossings, extrapolation in L, data collapse
``numerics``       stable logistic functions, one BLAS thread
``pca``            randomized PCA, the leading projection and its scaling
``classifiers``    logistic regression and a one-hidden-layer network (L-BFGS)
``supervised``     train deep in the phases, output curves, Tc(L), collapse
``confusion``      the confusion scheme: accuracy against a proposed Tc
=================  ==========================================================
"""

from rgml.phases.classifiers import MODELS, Classifier, ClassifierConfig, sector_fixed, train_classifier
from rgml.phases.confusion import (ConfusionConfig, ConfusionResult, confusion_phases, middle_peak, proposals,
                                   temperature_weights)
from rgml.phases.data import SizeSamples, block_labels, bootstrap_means, collect, time_split
from rgml.phases.fss import (Extrapolation, collapse_quality, extrapolate, fit_collapse, level_crossing,
                             pair_crossing, scaling_analysis, scaling_estimates, scaling_variable)
from rgml.phases.pca import PCAConfig, PCAResult, pca_phases, principal_components
from rgml.phases.supervised import SupervisedConfig, SupervisedResult, supervised_phases

__all__ = [
    "MODELS",
    "Classifier",
    "ClassifierConfig",
    "ConfusionConfig",
    "ConfusionResult",
    "Extrapolation",
    "PCAConfig",
    "PCAResult",
    "SizeSamples",
    "SupervisedConfig",
    "SupervisedResult",
    "block_labels",
    "bootstrap_means",
    "collapse_quality",
    "collect",
    "confusion_phases",
    "extrapolate",
    "fit_collapse",
    "level_crossing",
    "middle_peak",
    "pair_crossing",
    "pca_phases",
    "principal_components",
    "proposals",
    "scaling_analysis",
    "scaling_estimates",
    "scaling_variable",
    "sector_fixed",
    "supervised_phases",
    "temperature_weights",
    "time_split",
    "train_classifier",
]
