"""Which package sources a published benchmark table was measured on.

Each docs page that publishes measured tables carries a stamp line, an rst
comment that the build does not show::

    .. benchmark-stamp: source-hash=<hash> command=<command that re-measures>

``source_hash()`` is a SHA-256 over the sorted ``selective_clf/**/*.py`` files
(their paths and contents), so it changes with any edit of the package and
with nothing else (not with docs, tests or git history). The benchmark scripts
write the stamp when they update a page; CI runs::

    python benchmarks/_provenance.py check

which fails, printing the command to re-run, when the package changed after a
page's tables were measured. ``python benchmarks/_provenance.py hash`` prints
the current hash; ``stamp PAGE COMMAND`` re-stamps a page by hand.
"""

import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "selective_clf"
DOCS = ROOT / "docs"
STAMP = re.compile(
    r"^\.\. benchmark-stamp: source-hash=(?P<hash>[0-9a-f]+) command=(?P<command>.+)$",
    flags=re.M,
)


def source_hash(package=PACKAGE):
    """SHA-256 of the package's python sources, in sorted path order."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(b"\0")
        # newlines normalised, so a checkout with CRLF line ends agrees
        digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def stamp_line(command):
    """The stamp recording the current sources and the command to re-measure."""
    return f".. benchmark-stamp: source-hash={source_hash()} command={command}"


def write_stamp(page, command):
    """Replace (or add, at the top) the stamp of a docs page."""
    page = Path(page)
    text = page.read_text(encoding="utf-8")
    line = stamp_line(command)
    if STAMP.search(text):
        text = STAMP.sub(lambda _: line, text, count=1)
    else:
        text = line + "\n\n" + text
    page.write_text(text, encoding="utf-8")


def check(docs=DOCS):
    """Return the problems: pages whose tables predate the package sources."""
    current = source_hash()
    problems = []
    for page in sorted(docs.rglob("*.rst")):
        if "_build" in page.parts or "auto_examples" in page.parts:
            continue
        for match in STAMP.finditer(page.read_text(encoding="utf-8")):
            if match["hash"] != current:
                problems.append(
                    f"{page.relative_to(ROOT)}: tables measured on selective_clf "
                    f"sources {match['hash']}, the package is now {current}; "
                    f"re-run: {match['command']}"
                )
    return problems


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["hash"]:
        print(source_hash())
        return 0
    if len(argv) == 3 and argv[0] == "stamp":
        write_stamp(argv[1], argv[2])
        print(f"stamped {argv[1]} with {source_hash()}")
        return 0
    if argv == ["check"]:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(
                "The published benchmark tables are older than the package: re-run "
                "the command(s) above and commit the updated pages.",
                file=sys.stderr,
            )
            return 1
        print(f"benchmark tables match the package sources ({source_hash()})")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
