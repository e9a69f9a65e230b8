"""Run the code of the documentation pages as doctests.

``pytest docs --doctest-glob="*.rst"`` checks every ``>>>`` example of the
user guide against its printed output; the files below are not test modules.
"""

import matplotlib

matplotlib.use("Agg")

collect_ignore = ["conf.py"]
collect_ignore_glob = ["_build/*", "auto_examples/*", "generated/*"]
