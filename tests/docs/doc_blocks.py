"""The shell commands and links of the documentation, as the doc test reads them (docs/contributing.md,
"Commands in the docs run in a test").

A ```sh fenced block is a command to run, from the repository root; ```text (or any other language) is not
run. HTML comments directly above a ```sh block (one per line, nothing else between them and the fence)
change how it runs:

    <!-- doctest: replace "LONG" "SHORT" -->   run the block with every LONG replaced by SHORT (a small input)
    <!-- doctest: skip (why) -->                do not run the block; the reason is required

Files whose text another owner keeps (OVERRIDES) get their directives here instead of in the file."""
import dataclasses
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]

# The documents whose commands run: the README, every docs/ page, and the two package READMEs.
def doc_files():
    files = [ROOT / "README.md", ROOT / "traces" / "README.md", ROOT / "analysis" / "README.md"]
    files += sorted((ROOT / "docs").rglob("*.md"))
    return [f for f in files if f.exists()]


# Directives for blocks of files another engineer edits (their numbers are refreshed elsewhere, so a comment
# line added beside their blocks would conflict): {file: {index of the ```sh block in the file: [directive]}}.
OVERRIDES = {
    "docs/paper.md": {0: ["skip (generates the paper's six ImageNet-scale traces, about 2 min, and runs 87 points "
                          "on a 64 x 128 array, 10-40 min; traces/tests/test_paper_traces.py and "
                          "analysis/tests/test_paper.py test both on small inputs)"]},
    "docs/equal-accuracy.md": {0: ['replace "configs/sweeps/isoaccuracy.yaml" "tests/docs/small_isoaccuracy.yaml"']},
}

# Pages other branches add (linked from the README's table before they land); checked once they exist.
PENDING_PAGES = set()


@dataclasses.dataclass
class Block:
    file: str          # relative to the repository root
    line: int          # 1-based line of the opening fence
    index: int         # the how-many-th ```sh block of its file (0-based)
    text: str
    skip: str | None   # the reason, when skipped
    replacements: list  # [(old, new)]

    def command(self):
        text = self.text
        for old, new in self.replacements:
            if old not in text:
                raise ValueError(f"{self.file}:{self.line}: doctest replace: '{old}' is not in the block")
            text = text.replace(old, new)
        return text


DIRECTIVE = re.compile(r"^<!--\s*doctest:\s*(.*?)\s*-->\s*$")
REPLACE = re.compile(r'^replace\s+"([^"]+)"\s+"([^"]*)"$')
SKIP = re.compile(r"^skip\s*\((.+)\)$")


def _apply(directives, where):
    skip, replacements = None, []
    for d in directives:
        if m := REPLACE.match(d):
            replacements.append((m.group(1), m.group(2)))
        elif m := SKIP.match(d):
            skip = m.group(1).strip()
        else:
            raise ValueError(f"{where}: unknown doctest directive '{d}' (replace \"A\" \"B\" or skip (reason))")
    return skip, replacements


def sh_blocks(path):
    """Every ```sh block of one markdown file, with its directives."""
    rel = path.relative_to(ROOT).as_posix()
    lines = path.read_text().split("\n")
    blocks, i, index = [], 0, 0
    while i < len(lines):
        fence = re.match(r"^(\s*)```(\S*)\s*$", lines[i])
        if not fence:
            i += 1
            continue
        indent, lang = fence.group(1), fence.group(2)
        end = i + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        if lang == "sh":
            directives, j = [], i - 1
            while j >= 0 and DIRECTIVE.match(lines[j].strip()):
                directives.insert(0, DIRECTIVE.match(lines[j].strip()).group(1))
                j -= 1
            directives += OVERRIDES.get(rel, {}).get(index, [])
            skip, replacements = _apply(directives, f"{rel}:{i + 1}")
            body = "\n".join(l[len(indent):] if l.startswith(indent) else l for l in lines[i + 1:end])
            blocks.append(Block(rel, i + 1, index, body + "\n", skip, replacements))
            index += 1
        i = end + 1
    return blocks


LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def broken_links(path):
    """Relative links and images of one markdown file whose target does not exist: [(line, target)]."""
    out = []
    in_code = False
    for n, line in enumerate(path.read_text().split("\n"), 1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        for target in LINK.findall(line):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue
            file_part = target.split("#")[0]
            resolved = (path.parent / file_part).resolve()
            rel = resolved.relative_to(ROOT).as_posix() if resolved.is_relative_to(ROOT) else str(resolved)
            if not resolved.exists() and rel not in PENDING_PAGES:
                out.append((n, target))
    return out
