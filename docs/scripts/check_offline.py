"""Checks that built HTML documentation renders without any network: no page
loads a script, stylesheet, image or frame from another host, no stylesheet
imports one, and every local file they load exists.

Usage::

    python docs/scripts/check_offline.py docs/_build/html

Prints one line per problem and exits with status 1 if there is any.
Links a reader follows (``<a href>``) may point anywhere.
"""

from __future__ import annotations

import argparse
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# <link rel=...> values that make the browser fetch the target.
LOADING_RELS = {"stylesheet", "preload", "modulepreload", "icon", "shortcut"}
# url(...) and @import "..." in stylesheets.
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")


class _Resources(HTMLParser):
    """Collects the URLs a page loads by itself."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed"):
            if values.get("src"):
                self.urls.append(values["src"])
        elif tag == "link" and values.get("href"):
            if LOADING_RELS & set(values.get("rel", "").lower().split()):
                self.urls.append(values["href"])


def _problem(url: str, page: Path) -> str | None:
    """What is wrong with a resource :obj:`url` loaded by :obj:`page`, if
    anything."""
    parts = urlsplit(url)
    if parts.scheme == "data":
        return None
    if parts.scheme or parts.netloc:
        return f"loads the remote resource {url}"
    if not parts.path:
        return None
    target = page.parent / unquote(parts.path)
    if not target.is_file():
        return f"loads {url}, which is not in the build"
    return None


def find_problems(root: str | Path) -> list[str]:
    """Problems of the HTML pages and stylesheets under :obj:`root`, one
    line each, naming the file."""
    root = Path(root)
    problems = []
    for page in sorted(root.rglob("*.html")):
        parser = _Resources()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        for url in parser.urls:
            problem = _problem(url, page)
            if problem:
                problems.append(f"{page.relative_to(root)}: {problem}")
    for sheet in sorted(root.rglob("*.css")):
        for match in CSS_URL.finditer(sheet.read_text(errors="replace")):
            problem = _problem(match.group(1) or match.group(2), sheet)
            if problem:
                problems.append(f"{sheet.relative_to(root)}: {problem}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Checks that built HTML documentation needs no network."
    )
    parser.add_argument("html_dir", help="the output folder of sphinx-build -b html")
    args = parser.parse_args(argv)
    if not any(Path(args.html_dir).rglob("*.html")):
        print(f"{args.html_dir}: no HTML pages", file=sys.stderr)
        return 1
    problems = find_problems(args.html_dir)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
