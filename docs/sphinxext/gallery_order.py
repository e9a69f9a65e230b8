"""Reading order of the gallery examples (sphinx-gallery sort key).

sphinx-gallery imports this function by its qualified name, which keeps the
Sphinx configuration picklable.
"""

from pathlib import Path

READING_ORDER = [
    "plot_noise_rows.py",
    "plot_where_is_the_threshold.py",
    "plot_sum_toy.py",
    "plot_confidence_scores.py",
    "plot_tuning_objectives.py",
    "plot_grid_search_pipeline.py",
    "plot_triage.py",
    "plot_groups.py",
    "plot_novelty.py",
    "plot_cascade.py",
    "plot_monitoring.py",
]


def by_reading_order(filename):
    """Sort key: the listed examples first, in order, then the others by name."""
    name = Path(filename).name
    if name in READING_ORDER:
        return f"{READING_ORDER.index(name):03d}"
    return f"999 {name}"
