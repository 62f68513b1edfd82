"""Figures: one module per figure family; each function takes tidy data and returns a Figure."""

import matplotlib

matplotlib.use("Agg")
