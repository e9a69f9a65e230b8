"""Sphinx configuration of the selective_clf documentation.

Build (from the repository root)::

    pip install -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

The build never touches the network. Cross-links to other projects'
documentation (intersphinx) are off by default, because fetching their
object inventories needs network access at build time; set the environment
variable ``SELECTIVE_CLF_DOCS_INTERSPHINX=1`` to turn them on when the
network is available. Prose pages spell out full links to the Python,
NumPy, scikit-learn and matplotlib documentation where they matter, so
nothing is lost without intersphinx but the automatic links in docstrings.

The gallery (``examples/plot_*.py``) is executed by sphinx-gallery at every
build with matplotlib's non-interactive Agg backend.
"""

import os
import sys
import warnings
from pathlib import Path

# The gallery fits small models: BLAS and OpenMP threads only add overhead
# there, and on a busy 2-core machine their spin-waiting made some fits a
# hundred times slower. One thread each, set before numpy is imported.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent
# Document the checkout next to this file, even if another version is
# installed in the environment.
sys.path.insert(0, str(HERE.parent))
# Local helpers, such as the reading order of the gallery.
sys.path.insert(0, str(HERE / "sphinxext"))

from threadpoolctl import threadpool_limits  # noqa: E402

import selective_clf  # noqa: E402

# in case numpy was loaded before this file ran
threadpool_limits(limits=1)

# -- Project information -----------------------------------------------------

project = "selective_clf"
author = "The selective_clf developers"
copyright = "The selective_clf developers"  # noqa: A001
version = release = selective_clf.__version__

# -- General configuration ---------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # MathJax served from the built site (_static/mathjax), not from a CDN,
    # so that formulas render in an offline copy of the docs
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.codeobj.json",
]
root_doc = "index"
default_role = "literal"
language = "en"

# -- autodoc / autosummary / numpydoc ----------------------------------------

autosummary_generate = True
# selective_clf.onnx needs the onnx extra, which the docs environment does not
# install (its protobuf pin is kept apart from the other integrations): its
# API pages are built from the docstrings with those packages mocked.
autodoc_mock_imports = ["skl2onnx", "onnx", "onnxruntime"]
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
# numpydoc's own member tables would need a stub page per method; the class
# template lists the methods with autodoc instead.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- intersphinx (off unless asked for: it would fetch over the network) ------

if os.environ.get("SELECTIVE_CLF_DOCS_INTERSPHINX") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "matplotlib": ("https://matplotlib.org/stable", None),
        "pandas": ("https://pandas.pydata.org/docs", None),
    }
else:
    intersphinx_mapping = {}
intersphinx_disabled_reftypes = ["*"]
intersphinx_timeout = 10

# -- sphinx-gallery -----------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # run every example, not only those starting with plot_
    "filename_pattern": r".*\.py$",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "gallery_order.by_reading_order",
    "doc_module": ("selective_clf",),
    "backreferences_dir": "generated/backreferences",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "remove_config_comments": True,
    "show_memory": False,
    "plot_gallery": "True",
    "download_all_examples": False,
    # a failing example fails the build
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
}

# Warnings raised while an example runs are printed into its output, not
# turned into build warnings; this one is matplotlib noting Agg cannot show.
warnings.filterwarnings(
    "ignore",
    category=UserWarning,
    message="(Matplotlib|FigureCanvasAgg) is (currently using agg|non-interactive)",
)

# -- HTML output ---------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"selective_clf {release}"
html_theme_options = {
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_sidebars = {"index": []}
html_show_sourcelink = True


# -- Keep the API reference complete ------------------------------------------


def _check_api_reference(app):
    """Warn (an error under -W) if a public name is missing from api.rst."""
    import re

    from sphinx.util import logging

    import selective_clf.metrics

    text = (HERE / "api.rst").read_text(encoding="utf-8")
    listed = set(re.findall(r"^   (\w+)\s*$", text, flags=re.M))
    listed |= set(re.findall(r"^\.\. data:: (\w+)\s*$", text, flags=re.M))
    for module in (selective_clf, selective_clf.metrics):
        for name in module.__all__:
            if name not in listed:
                logging.getLogger(__name__).warning(
                    f"{module.__name__}.{name} is in __all__ but not in "
                    "docs/api.rst; add it there."
                )


def setup(app):
    app.connect("builder-inited", _check_api_reference)
