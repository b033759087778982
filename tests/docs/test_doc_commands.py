"""Every shell command shown in the README and the docs runs, and every link points at a file
(docs/contributing.md, "Commands in the docs run in a test").

Each document's ```sh blocks run in order, with bash -e, in one temporary copy of the repository (so a block
may use what an earlier block of the same document wrote, and nothing is written into the source tree), with
`build/` in the copy pointing at the built trsim (TRSIM_BIN). DOCTEST_GROUP chooses the documents (readme,
guide, model, rest), so that ctest runs the groups side by side; unset, all run."""
import os
import pathlib
import re
import shutil
import subprocess
import time

import pytest

from doc_blocks import ROOT, broken_links, doc_files, sh_blocks

TRSIM = pathlib.Path(os.environ.get("TRSIM_BIN", ROOT / "build" / "trsim")).resolve()
BLOCK_TIMEOUT_S = 600
MAX_SKIPS = 6   # skips must stay rare: each is a command nobody checks


def group_of(rel):
    """readme, guide (docs/user-guide but the import), model (docs/model), rest: four parts of similar length."""
    if rel == "README.md":
        return "readme"
    if rel.startswith("docs/user-guide/") and rel != "docs/user-guide/import.md":
        return "guide"
    if rel.startswith("docs/model/"):
        return "model"
    return "rest"


def chosen_files():
    group = os.environ.get("DOCTEST_GROUP")
    files = [f for f in doc_files() if group is None or group_of(f.relative_to(ROOT).as_posix()) == group]
    return [f for f in files if sh_blocks(f)]


def repository_copy(dest):
    """The source tree without builds, results, generated traces (hundreds of MB) or VCS data, and build/
    pointing at the built trsim."""
    ignore = shutil.ignore_patterns(".git", "build", "build-*", "results", "generated", "__pycache__", "*.pyc",
                                    ".pytest_cache")
    shutil.copytree(ROOT, dest, ignore=ignore, symlinks=True)
    (dest / "build").symlink_to(TRSIM.parent, target_is_directory=True)
    return dest


def test_every_document_has_been_read_and_skips_are_rare_and_explained(capsys):
    blocks = [b for f in doc_files() for b in sh_blocks(f)]
    skipped = [b for b in blocks if b.skip is not None]
    replaced = [b for b in blocks if b.replacements]
    with capsys.disabled():
        print(f"\ndoc commands: {len(blocks)} ```sh blocks, {len(replaced)} run on small inputs, "
              f"{len(skipped)} skipped")
        for b in skipped:
            print(f"  skipped {b.file}:{b.line}: {b.skip}")
    assert len(blocks) >= 20, "the parser found too few blocks: is the fence syntax still ```sh?"
    assert len(skipped) <= MAX_SKIPS, "too many doc blocks skipped: give them small inputs instead"
    assert all(b.skip.strip() for b in skipped)


@pytest.mark.parametrize("doc", chosen_files(), ids=lambda f: f.relative_to(ROOT).as_posix())
def test_the_commands_of_a_document_run(doc, tmp_path):
    assert TRSIM.exists(), f"build trsim first (TRSIM_BIN={TRSIM})"
    repo = repository_copy(tmp_path / "repo")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="Agg", HOME=str(tmp_path))
    for block in sh_blocks(doc):
        if block.skip is not None:
            continue
        script = block.command()
        start = time.monotonic()
        r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=repo, env=env,
                           capture_output=True, text=True, timeout=BLOCK_TIMEOUT_S)
        assert r.returncode == 0, (f"{block.file}:{block.line}: exit {r.returncode}\n--- command\n{script}"
                                   f"--- stdout (end)\n{r.stdout[-3000:]}\n--- stderr (end)\n{r.stderr[-3000:]}")
        print(f"{block.file}:{block.line}: {time.monotonic() - start:.1f} s")   # shown with -s


def test_links_point_at_files():
    files = doc_files() + [p for p in ROOT.rglob("*.md")
                           if not p.relative_to(ROOT).parts[0].startswith((".git", "build"))]
    broken = {f"{f.relative_to(ROOT)}:{n}: {t}" for f in set(files) for n, t in broken_links(f)}
    assert not broken, "broken links:\n" + "\n".join(sorted(broken))


def test_no_machine_specific_paths_in_the_docs():
    found = [f"{f.relative_to(ROOT)}:{n}: {line.strip()}"
             for f in doc_files() for n, line in enumerate(f.read_text().split("\n"), 1)
             if re.search(r"(^|[\s`(='\"])/(work|home|root)/", line)]
    assert not found, "machine-specific paths:\n" + "\n".join(found)
