"""The offline check of the built documentation (run by .ci/run on the real
build) finds every page that would need the network."""

import importlib.util
from pathlib import Path

import pytest

CHECKER = Path(__file__).parents[2] / "docs" / "scripts" / "check_offline.py"

# What sphinx.ext.mathjax writes by default: MathJax from a CDN.
CDN_MATHJAX = (
    '<script async="async" '
    'src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>'
)


@pytest.fixture(scope="module")
def check_offline():
    spec = importlib.util.spec_from_file_location("check_offline", CHECKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def site(tmp_path):
    """A built site that needs no network."""
    static = tmp_path / "_static"
    (static / "mathjax").mkdir(parents=True)
    (static / "mathjax" / "tex-chtml.js").write_text("")
    (static / "furo.css").write_text(
        "@import 'basic.css';\n.icon { background: url('data:image/svg+xml,<svg/>') }"
    )
    (static / "basic.css").write_text("")
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "conv.html").write_text(
        '<html><head><link rel="stylesheet" href="../_static/furo.css?v=1">'
        '<script async src="../_static/mathjax/tex-chtml.js"></script></head>'
        '<body><a href="https://docs.python.org/3/">links may go anywhere</a>'
        '<img src="data:image/png;base64,AAAA"></body></html>'
    )
    return tmp_path


def test_a_site_without_network_passes(check_offline, site, capsys):
    assert check_offline.find_problems(site) == []
    assert check_offline.main([str(site)]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "tag, problem",
    [
        (CDN_MATHJAX, "loads the remote resource https://cdn.jsdelivr.net/npm/"),
        (
            '<link rel="stylesheet" href="//fonts.example.org/css">',
            "loads the remote resource //fonts.example.org/css",
        ),
        ('<link rel="preload" href="http://example.org/f.woff2">', "remote"),
        ('<img src="https://example.org/logo.png">', "remote"),
        (
            '<script src="../_static/mathjax/tex-svg.js"></script>',
            "loads ../_static/mathjax/tex-svg.js, which is not in the build",
        ),
    ],
)
def test_a_page_that_needs_the_network_is_named(check_offline, site, tag, problem):
    page = site / "api" / "conv.html"
    page.write_text(page.read_text().replace("</head>", tag + "</head>"))
    (found,) = check_offline.find_problems(site)
    assert found.startswith("api/conv.html: ")
    assert problem in found
    assert check_offline.main([str(site)]) == 1


def test_a_stylesheet_importing_a_remote_one_is_named(check_offline, site):
    sheet = site / "_static" / "basic.css"
    sheet.write_text('@import "https://fonts.example.org/css2?family=Lato";')
    assert check_offline.find_problems(site) == [
        "_static/basic.css: loads the remote resource "
        "https://fonts.example.org/css2?family=Lato"
    ]


def test_an_empty_folder_is_not_a_pass(check_offline, tmp_path, capsys):
    assert check_offline.main([str(tmp_path)]) == 1
    assert "no HTML pages" in capsys.readouterr().err
