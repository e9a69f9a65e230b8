"""Which package sources a published benchmark table was measured on.

Each docs page that publishes measured tables carries a stamp line, an rst
comment that the build does not show::

    .. benchmark-stamp: source-hash=<hash> files=<files> command=<command>

``files`` lists, comma-separated and relative to ``selective_clf/``, the
package's python files that the benchmark imported: the ``selective_clf``
entries of ``sys.modules`` when the stamp is written, at the end of the run.
``source-hash`` is a SHA-256 over those files (their paths and contents), so
it changes when a file the benchmark ran changes, and with nothing else: not
with an edit of a module it never imported (``selective_clf/onnx/``,
``_cli.py``), nor with docs, tests or git history. A module it did not import
cannot change its numbers without an edit of one it did (the import line).
The benchmark scripts write the stamp when they update a page
(``write_stamp``/``stamp_line``); CI runs::

    python benchmarks/_provenance.py check

which fails, printing the command to re-run, when a measured file changed
after a page's tables were measured. A stamp of the older format (a hash of
every package file, no ``files``) is reported as stale: re-run its command.
``python benchmarks/_provenance.py hash [FILE...]`` prints the hash of the
given files (default: every python file of the package);
``stamp PAGE COMMAND`` re-stamps a page by hand, with the files that
``import selective_clf`` loads.
"""

import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "selective_clf"
DOCS = ROOT / "docs"
PACKAGE_NAME = "selective_clf"
STAMP = re.compile(
    r"^\.\. benchmark-stamp: source-hash=(?P<hash>[0-9a-f]+)"
    r"(?: files=(?P<files>\S+))? command=(?P<command>.+)$",
    flags=re.M,
)


def package_files(package=PACKAGE):
    """Every python file of the package, relative to it, sorted."""
    return sorted(
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if "__pycache__" not in path.parts
    )


def imported_files(modules=None):
    """The package's files among the imported modules, relative to it, sorted.

    ``modules`` defaults to ``sys.modules``: called at the end of a benchmark,
    these are the files that the benchmark ran.
    """
    modules = sys.modules if modules is None else modules
    package = modules.get(PACKAGE_NAME)
    if package is None or getattr(package, "__file__", None) is None:
        raise RuntimeError(
            f"{PACKAGE_NAME} is not imported: stamp at the end of the benchmark "
            "that measured it"
        )
    root = Path(package.__file__).resolve().parent
    files = set()
    for name, module in list(modules.items()):
        if name != PACKAGE_NAME and not name.startswith(PACKAGE_NAME + "."):
            continue
        path = getattr(module, "__file__", None)
        if path is None or not path.endswith(".py"):
            continue
        files.add(Path(path).resolve().relative_to(root).as_posix())
    return sorted(files)


def source_hash(files=None, package=PACKAGE):
    """SHA-256 of these package files (default: all), in sorted path order.

    A listed file that no longer exists hashes as missing, so deleting or
    renaming a measured module changes the hash.
    """
    files = package_files(package) if files is None else sorted(files)
    digest = hashlib.sha256()
    for name in files:
        path = package / name
        digest.update(name.encode())
        digest.update(b"\0")
        if path.is_file():
            # newlines normalised, so a checkout with CRLF line ends agrees
            digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
        else:
            digest.update(b"\0missing\0")
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def stamp_line(command, files=None, package=PACKAGE):
    """The stamp recording the measured files, their hash and the command.

    ``files`` defaults to the package files imported so far
    (``imported_files()``): call it after the benchmark ran.
    """
    files = imported_files() if files is None else sorted(files)
    return (
        f".. benchmark-stamp: source-hash={source_hash(files, package)} "
        f"files={','.join(files)} command={command}"
    )


def write_stamp(page, command, files=None):
    """Replace (or add, at the top) the stamp of a docs page."""
    page = Path(page)
    text = page.read_text(encoding="utf-8")
    line = stamp_line(command, files)
    if STAMP.search(text):
        text = STAMP.sub(lambda _: line, text, count=1)
    else:
        text = line + "\n\n" + text
    page.write_text(text, encoding="utf-8")


def check(docs=DOCS, package=PACKAGE):
    """Return the problems: pages whose tables predate the files they measured."""
    problems = []
    for page in sorted(docs.rglob("*.rst")):
        if "_build" in page.parts or "auto_examples" in page.parts:
            continue
        name = page.relative_to(docs.parent).as_posix()
        for match in STAMP.finditer(page.read_text(encoding="utf-8")):
            if match["files"] is None:
                problems.append(
                    f"{name}: stale, re-run: the stamp is in the old format (a "
                    "hash of every package file, without the list of files the "
                    f"benchmark measured); re-run: {match['command']}"
                )
                continue
            files = match["files"].split(",")
            current = source_hash(files, package)
            if match["hash"] != current:
                problems.append(
                    f"{name}: tables measured on selective_clf files hashing to "
                    f"{match['hash']}, they now hash to {current} (one of "
                    f"{', '.join(files)} changed); re-run: {match['command']}"
                )
    return problems


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["hash"]:
        print(source_hash(argv[1:] or None))
        return 0
    if len(argv) == 3 and argv[0] == "stamp":
        sys.path.insert(0, str(ROOT))
        import selective_clf  # noqa: F401

        write_stamp(argv[1], argv[2])
        print(f"stamped {argv[1]}: {stamp_line(argv[2])}")
        return 0
    if argv == ["check"]:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(
                "The published benchmark tables are older than the package files "
                "they measured: re-run the command(s) above and commit the "
                "updated pages.",
                file=sys.stderr,
            )
            return 1
        print("benchmark tables match the package files they measured")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
