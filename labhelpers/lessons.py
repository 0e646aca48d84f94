"""The notebooks learners open are made from text: each lesson is a jupytext py:percent file
(`lessons/NN-name.py`), and the opening every notebook shares (the parameters cell, the setup note and
the setup cell) is written once, in `lessons/_opening.py`, and put in after each lesson's title cell,
as nbgrader puts in a header. The notebooks hold no outputs: a learner's first look is the lesson, not
an earlier run.

    python -m labhelpers.lessons           # write notebooks/ from lessons/
    python -m labhelpers.lessons --check   # exit 1 naming each notebook that differs from its source
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
NOTEBOOKS = ROOT / "notebooks"
OPENING = "_opening.py"
KERNEL = {"name": "python3", "display_name": "Python 3 (cmklab)", "language": "python"}


def sources(lessons: Path = LESSONS) -> list[Path]:
    return sorted(lessons.glob("[0-9][0-9]-*.py"))


def _cells(path: Path) -> list[nbformat.NotebookNode]:
    """A text source's cells with only what a learner's notebook keeps: type, source and tags."""
    cells = []
    for cell in jupytext.read(path, fmt="py:percent").cells:
        tags = cell.metadata.get("tags", [])
        new = nbformat.v4.new_markdown_cell if cell.cell_type == "markdown" else nbformat.v4.new_code_cell
        cells.append(new(cell.source, metadata={"tags": tags} if tags else {}))
    return cells


def build(source: Path) -> nbformat.NotebookNode:
    title, *body = _cells(source)
    if title.cell_type != "markdown" or not title.source.startswith("# "):
        raise ValueError(f"{source.name}: a lesson starts with its title cell (markdown '# NN · Title')")
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": KERNEL, "language_info": {"name": "python"}})
    nb.cells = [title, *_cells(source.parent / OPENING), *body]
    for i, cell in enumerate(nb.cells):
        cell.id = f"{source.stem[:2]}-{i:02d}"      # stable ids: a rebuild of an unchanged lesson is identical
    return nb


def notebook_text(source: Path) -> str:
    return nbformat.writes(build(source)) + "\n"


def stale(lessons: Path = LESSONS, notebooks: Path = NOTEBOOKS) -> list[str]:
    """Notebooks that differ from their source, and notebooks that have none."""
    made = {f"{s.stem}.ipynb": notebook_text(s) for s in sources(lessons)}
    found = {p.name for p in notebooks.glob("*.ipynb")}
    differ = [name for name, text in made.items()
              if name not in found or (notebooks / name).read_text(encoding="utf-8") != text]
    return sorted(differ + [name for name in found - made.keys()])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labhelpers.lessons", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only compare; write nothing")
    args = parser.parse_args(argv)
    if args.check:
        differ = stale()
        for name in differ:
            print(f"notebooks/{name} differs from lessons/: edit lessons/, then run python -m labhelpers.lessons")
        return 1 if differ else 0
    for source in sources():
        (NOTEBOOKS / f"{source.stem}.ipynb").write_text(notebook_text(source), encoding="utf-8")
        print(f"wrote notebooks/{source.stem}.ipynb")
    return 0


if __name__ == "__main__":
    sys.exit(main())
