"""Regenerate the README gallery (docs/gallery/*.png) from a finished default run's figures.

Usage: python docs/make_gallery.py [results/figures]
Small palette PNGs, 900 px wide, so the repository stays light.
"""

import sys
from pathlib import Path

from PIL import Image

FIGURES = ("thermodynamics_ising2d", "blockspin_snapshots", "compare_flows", "compare_exponents",
           "compare_snapshots", "compare_ising1d", "rsmi_filters", "rsmi_mi", "rbm_receptive_fields", "rbm_flow",
           "mcrg_ising2d", "finite_size_scaling", "phases_confusion", "slmc", "dimers", "rsmi_dimers")
WIDTH = 900


def main(source: Path, target: Path = Path(__file__).parent / "gallery") -> None:
    target.mkdir(exist_ok=True)
    for name in FIGURES:
        image = Image.open(source / f"{name}.png").convert("RGB")
        if image.width > WIDTH:
            image = image.resize((WIDTH, round(image.height * WIDTH / image.width)), Image.LANCZOS)
        image.quantize(colors=128).save(target / f"{name}.png", optimize=True)
        print(target / f"{name}.png")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "results/figures"))
