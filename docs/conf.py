"""Sphinx configuration of the pyg-weightshare documentation.

Build (from the repository root)::

    pip install -e ".[docs]" && sphinx-build -W -b html docs docs/_build/html
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import sys
from pathlib import Path

import pyg_weightshare

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "scripts"))

project = "pyg-weightshare"
author = "pyg-weightshare developers"
copyright = "the pyg-weightshare developers"
version = release = pyg_weightshare.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    # Ships MathJax 3 into _static/mathjax: the pages render their equations
    # without any network (tests/docs/test_offline.py checks every page).
    "sphinx-mathjax-offline",
]

exclude_patterns = ["_build", "api/generated/*.rst.tmp"]
templates_path = ["_templates"]
# Keep "--help" and "--out" as typed: no en dashes.
smartquotes_action = "qe"
html_static_path = ["_static"]
html_css_files = ["custom.css"]

# -- HTML ----------------------------------------------------------------------
html_theme = "furo"
html_title = f"pyg-weightshare {release}"
html_theme_options = {
    "source_repository": "",
    "navigation_with_keys": True,
}
pygments_style = "friendly"
pygments_dark_style = "monokai"

# -- autodoc / autosummary / napoleon -------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
# torch.nn.Module.forward's "Define the computation performed at every call"
# says nothing about a layer that does not document its forward itself.
autodoc_inherit_docstrings = False
autodoc_default_options = {"show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
# PyG's docstrings have a "Shapes:" section after "Args:".
napoleon_custom_sections = ["Shapes"]
autodoc_type_aliases = {"ArrayLike": "numpy.typing.ArrayLike"}

# Every cross-reference must resolve: a broken :class: link fails the build.
nitpicky = True
# The PyG docstring convention marks literals with :obj: (:obj:`"sym"`,
# :obj:`True`, :obj:`edge_weight`), which are not cross-references.
nitpick_ignore_regex = [("py:obj", ".*")]
nitpick_ignore = [
    # Napoleon turns "x (int, optional)" and "(array-like)" into type links.
    ("py:class", "optional"),
    ("py:class", "array-like"),
    # NumPy documents ArrayLike as data, and signatures link it as a class.
    ("py:class", "numpy.typing.ArrayLike"),
    # PyG's Adj names torch_sparse's SparseTensor, optional and undocumented.
    ("py:class", "torch_geometric.typing.SparseTensor"),
]

# -- intersphinx -------------------------------------------------------------
# Each project's own inventory is tried first. The machines that build these
# docs (CI included) may have no route to the documentation sites, so each
# mapping falls back to a small inventory in docs/_inventories/ holding the
# names these pages link to (written by docs/scripts/make_inventories.py).
# Sphinx only reports the failed download when the fallback works too.
_INVENTORIES = DOCS / "_inventories"
intersphinx_mapping = {
    name: (url, (None, str(_INVENTORIES / f"{name}.inv")))
    for name, url in {
        "python": "https://docs.python.org/3/",
        "numpy": "https://numpy.org/doc/stable/",
        "torch": "https://docs.pytorch.org/docs/stable/",
        "torch_geometric": "https://pytorch-geometric.readthedocs.io/en/latest/",
    }.items()
}
intersphinx_timeout = 5

# -- doctest (the guide pages' examples; docstrings run under pytest) ----------
doctest_test_doctest_blocks = ""
doctest_global_setup = """
import torch
torch.manual_seed(0)
"""


# -- Generated content ---------------------------------------------------------
def _write_cli_help(app) -> None:
    """Writes the --help of the command and each subcommand, so the CLI page
    always shows the installed parser."""
    from pyg_weightshare.cli import build_parser

    os.environ["COLUMNS"] = "88"
    parser = build_parser()
    parts = [("pyg-weightshare --help", parser.format_help())]
    for action in parser._subparsers._group_actions:
        for name, subparser in action.choices.items():
            parts.append((f"pyg-weightshare {name} --help", subparser.format_help()))
    out = DOCS / "api" / "generated"
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for title, text in parts:
        lines += [".. code-block:: text", f"   :caption: {title}", ""]
        lines += [f"   {line}".rstrip() for line in text.splitlines()]
        lines.append("")
    target = out / "cli_help.rst.inc"
    content = "\n".join(lines)
    if not target.exists() or target.read_text() != content:
        target.write_text(content)


# -- Every public name is in the API reference -----------------------------------
def public_objects() -> dict[str, object]:
    """Public names of the package: everything listed in an ``__all__``, and
    every class and function defined in a module whose path has no leading
    underscore, by qualified name."""
    found: dict[str, object] = {}
    names = ["pyg_weightshare"] + [
        info.name
        for info in pkgutil.walk_packages(pyg_weightshare.__path__, "pyg_weightshare.")
        if not any(part.startswith("_") for part in info.name.split("."))
    ]
    for module_name in names:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            if name != "__version__":
                found.setdefault(f"{module_name}.{name}", getattr(module, name))
        for name, value in vars(module).items():
            if name.startswith("_"):
                continue
            if (inspect.isclass(value) or inspect.isfunction(value)) and (
                value.__module__ == module_name
            ):
                found.setdefault(f"{module_name}.{name}", value)
    return found


def _check_api_coverage(app, env) -> None:
    from sphinx.util import logging

    logger = logging.getLogger("pyg_weightshare.api")
    documented = env.get_domain("py").objects
    documented_ids = set()
    for name in documented:
        module_name, _, attr = name.rpartition(".")
        try:
            value = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError, ValueError):
            continue
        if inspect.isclass(value) or callable(value):
            documented_ids.add(id(value))
    for name, value in sorted(public_objects().items()):
        if name in documented:
            continue
        if (inspect.isclass(value) or callable(value)) and id(value) in documented_ids:
            continue
        logger.warning("public name %s is missing from the API reference", name)


# Classes of torch and PyG live in private modules; their documentation (and
# inventory) uses the public path.
_PUBLIC_BASES = {
    "torch_geometric.nn.conv.message_passing.MessagePassing": (
        "torch_geometric.nn.conv.MessagePassing"
    ),
    "torch.nn.modules.module.Module": "torch.nn.Module",
    "torch.nn.modules.batchnorm.BatchNorm1d": "torch.nn.BatchNorm1d",
}


# External names as annotations and a few docstrings spell them, and the
# public path under which their project documents them.
_PUBLIC_PATHS = {
    **_PUBLIC_BASES,
    "torch_geometric.data.data.Data": "torch_geometric.data.Data",
    "torch_geometric.data.batch.Batch": "torch_geometric.data.Batch",
    "torch_geometric.nn.HeteroLinear": "torch_geometric.nn.dense.HeteroLinear",
    "np.ndarray": "numpy.ndarray",
    "torch.optim.optimizer.Optimizer": "torch.optim.Optimizer",
    "torch.amp.grad_scaler.GradScaler": "torch.amp.GradScaler",
    "numpy.random._generator.Generator": "numpy.random.Generator",
}


def _resolve_private_paths(app, env, node, contnode):
    public = _PUBLIC_PATHS.get(node.get("reftarget"))
    if public is None or node.get("refdomain") != "py":
        return None
    from sphinx.ext.intersphinx import missing_reference

    node["reftarget"] = public
    return missing_reference(app, env, node, contnode)


def _import_object(name: str):
    """The object of a dotted name: the longest importable module prefix,
    then attributes."""
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attr in parts[split:]:
            value = getattr(value, attr)
        return value
    raise ImportError(name)


def _resolve_in_source_module(app, env, node, contnode):
    """Docstrings name other objects as their own module sees them
    (``:func:`paper_config``` in a module that imports it), while the object
    is documented under its public path (``pyg_weightshare.paper_config``):
    link to the documented object that the name is bound to."""
    if node.get("refdomain") != "py":
        return None
    domain = env.get_domain("py")
    documented = getattr(env, "_pyg_weightshare_documented", None)
    if documented is None:
        documented = {}
        for name in domain.objects:
            try:
                value = _import_object(name)
            except Exception:
                continue
            if inspect.isclass(value) or inspect.isroutine(value):
                documented.setdefault(id(value), name)
        env._pyg_weightshare_documented = documented
    target = node.get("reftarget", "").lstrip("~.")
    scopes = [node.get("py:module")]
    if node.get("py:class"):
        scopes.insert(0, f"{node.get('py:module')}.{node.get('py:class')}")
    for scope in filter(None, scopes):
        try:
            value = _import_object(f"{scope}.{target}")
        except Exception:
            continue
        name = documented.get(id(value))
        if name is not None:
            return domain.resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], name, node, contnode
            )
    return None


def _public_bases(app, name, obj, options, bases) -> None:
    for index, base in enumerate(bases):
        path = f"{base.__module__}.{base.__qualname__}"
        if path in _PUBLIC_BASES:
            bases[index] = f":py:class:`{_PUBLIC_BASES[path]}`"


def _drop_type_docstrings(app, what, name, obj, options, lines) -> None:
    """Module constants (tuples, dicts) have no docstring of their own:
    autodoc would show the docstring of their type instead."""
    if what in ("data", "attribute") and not inspect.isclass(obj):
        own = inspect.getdoc(type(obj)) or ""
        if "\n".join(lines).strip() == own.strip():
            lines.clear()


def setup(app):
    app.connect("autodoc-process-docstring", _drop_type_docstrings)
    app.connect("missing-reference", _resolve_private_paths)
    app.connect("missing-reference", _resolve_in_source_module)
    app.connect("autodoc-process-bases", _public_bases)
    app.connect("builder-inited", _write_cli_help)
    app.connect("env-check-consistency", _check_api_coverage)
