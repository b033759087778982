"""The Python tools behind trsim (trace from-topology, traces/score.py, python3 -m analysis): one line
'PROG: FILE: what' per error with the documented exit status, no traceback unless TRSIM_DEBUG=1, outputs
never an input and never half-written, and the valid inputs an editor or spreadsheet produces (a UTF-8 BOM
topology, a CRLF score cache) accepted."""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import MLP, ROOT, digest, leftovers, trsim

PY = "/usr/bin/python3"
TOPOLOGY = ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
            "conv1, 16, 16, 3, 3, 3, 8, 1,\nconv2, 8, 8, 3, 3, 8, 8, 2,\n")
RESNET = ROOT / "traces" / "bundled" / "resnet_fashion_mnist.h5"


def python(*args, env=None, **kw):
    e = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **(env or {}))
    return subprocess.run([PY, *map(str, args)], capture_output=True, text=True, timeout=600, env=e, **kw)


def one_error_line(r, prog, status):
    assert r.returncode == status, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith(prog)]
    assert len(lines) == 1, r.stderr
    return lines[0]


# ------------------------------------------------------------------------------------------- from-topology

@pytest.mark.parametrize("variant", ["bom", "crlf", "bom+crlf"])
def test_topology_with_bom_or_crlf_is_valid(tmp_path, variant):
    topo = tmp_path / "t.csv"
    text = TOPOLOGY.replace("\n", "\r\n") if "crlf" in variant else TOPOLOGY
    topo.write_bytes((b"\xef\xbb\xbf" if "bom" in variant else b"") + text.encode())
    r = trsim("trace", "from-topology", topo, "-o", tmp_path / "t.h5")
    assert r.returncode == 0, r.stderr
    assert "2 layers" in r.stdout and (tmp_path / "t.h5").exists()


@pytest.mark.parametrize("case,expect", [
    ("huge", "exceeds the bound of 268435456 (2^28) values per dataset"),
    ("beyond int64", "IFMAP Width 99999999999999999999999 is larger than 268435456"),
    ("binary", "holds NUL bytes: a binary file"),
    ("latin-1", "not UTF-8 text"),
])
def test_bad_topology_is_one_named_line(tmp_path, case, expect):
    topo = tmp_path / "t.csv"
    if case == "huge":
        topo.write_text(TOPOLOGY.replace("16, 16, 3", "100000, 100000, 3"))
    elif case == "beyond int64":
        topo.write_text(TOPOLOGY.replace("16, 16, 3", "16, 99999999999999999999999, 3"))
    elif case == "binary":
        topo.write_bytes(b"\x7fELF\x02\x01\x01\x00" * 40)
    else:
        topo.write_bytes(TOPOLOGY.replace("conv2", "c\xf6nv2").encode("latin-1"))
    r = trsim("trace", "from-topology", topo, "-o", tmp_path / "t.h5")
    line = one_error_line(r, "trsim trace from-topology:", 1)
    assert f"{topo}" in line and expect in line, line
    assert not (tmp_path / "t.h5").exists() and not leftovers(tmp_path)


def test_topology_outputs_checked_before_work(tmp_path):
    topo = tmp_path / "t.csv"
    topo.write_text(TOPOLOGY)
    before = digest(topo)
    script = ROOT / "traces" / "from_topology.py"
    r = python(script, topo, "-o", topo)  # the generator itself, not only through trsim
    assert "the output is the input" in one_error_line(r, "trsim trace from-topology:", 4)
    link = tmp_path / "link.csv"
    link.symlink_to(topo)
    r = python(script, topo, "-o", link)
    assert "the output is the input" in one_error_line(r, "trsim trace from-topology:", 4)
    r = python(script, topo, "-o", tmp_path / "missing" / "t.h5")
    assert "does not exist" in one_error_line(r, "trsim trace from-topology:", 4)
    assert digest(topo) == before


def test_trace_never_written_over_a_score_cache(tmp_path):
    topo = tmp_path / "t.csv"
    topo.write_text(TOPOLOGY)
    shutil.copy(MLP, tmp_path / "mlp.h5")
    cache = tmp_path / "mlp.h5.scores.tsv"
    shutil.copy(str(MLP) + ".scores.tsv", cache)
    before = digest(cache)
    r = trsim("trace", "from-topology", topo, "-o", cache)
    assert "score cache" in one_error_line(r, "trsim trace from-topology:", 4)
    assert digest(cache) == before
    assert "trsim trace:" not in r.stderr  # trsim adds no second line to the generator's


# ------------------------------------------------------------------------------------------- score caches

@pytest.fixture
def scored(tmp_path):
    """A private copy of the bundled MLP with its score cache (lines 1-4 header, rows from line 5)."""
    trace = tmp_path / "mlp.h5"
    shutil.copy(MLP, trace)
    shutil.copy(str(MLP) + ".scores.tsv", str(trace) + ".scores.tsv")
    return trace


def _cache(trace):
    return trace.parent / (trace.name + ".scores.tsv")


def _score(*args):
    return python(ROOT / "traces" / "score.py", *args)


def test_crlf_score_cache_is_valid(scored, tmp_path):
    cache = _cache(scored)
    rows = cache.read_text().splitlines()
    key, value = rows[4].split("\t")[:2]
    cache.write_bytes(("\r\n".join(rows) + "\r\n").encode())
    r = _score("show", scored)
    assert r.returncode == 0 and "(stale)" not in r.stdout and key in r.stdout, r.stdout + r.stderr
    r = _score("setting", scored, key, "--values")
    assert r.returncode == 0 and r.stdout == f"{key}\t{float(value)!r}\n", r.stdout + r.stderr


@pytest.mark.parametrize("case,expect", [
    ("duplicate", ":{dup}: setting {key} is also on line 5"),
    ("1e308", ":5: {key}: accuracy 1e+308 is outside the allowed range [0, 1]"),
    ("nan", ":5: {key}: accuracy nan is not finite"),
    ("directory", ": is a directory, not a score cache"),
    ("binary", ": not UTF-8 text"),
    ("garbage", ":5: value 'zero' or seconds"),
])
def test_bad_score_cache_is_named_with_its_line(scored, case, expect):
    cache = _cache(scored)
    rows = cache.read_text().splitlines()
    key = rows[4].split("\t")[0]
    if case == "duplicate":
        rows.append(rows[4].replace("\t0.", "\t0.1", 1))
    elif case in ("1e308", "nan", "garbage"):
        cols = rows[4].split("\t")
        rows[4] = "\t".join([cols[0], {"1e308": "1e308", "nan": "nan", "garbage": "zero"}[case], cols[2]])
    if case == "directory":
        cache.unlink()
        cache.mkdir()
    elif case == "binary":
        cache.write_bytes(b"# trsim\n\xd0\xcf\x11\xe0 binary\n")
    else:
        cache.write_text("\n".join(rows) + "\n")
    r = _score("show", scored)
    line = one_error_line(r, "score.py:", 1)
    assert line.startswith(f"score.py: {cache}") and expect.format(key=key, dup=len(rows)) in line, line


def test_score_cache_errors_reach_trsim_run(scored, tmp_path):
    """trsim reads the same cache (sim/io/ScoreCache.cpp): a bad row is reported, never used."""
    cache = _cache(scored)
    rows = cache.read_text().splitlines()
    key = rows[4].split("\t")[0]
    cols = rows[4].split("\t")
    rows[4] = "\t".join([cols[0], "1e308", cols[2]])
    cache.write_text("\n".join(rows) + "\n")
    cfg = tmp_path / "c.yaml"
    text = (ROOT / "configs" / "default.yaml").read_text()
    text = text.replace("../traces/bundled/mlp_fashion_mnist.h5", str(scored)).replace("progress: true", "progress: false")
    text = text.replace("energy/", str(ROOT / "configs" / "energy") + "/").replace("area/", str(ROOT / "configs" / "area") + "/")
    cfg.write_text(text)
    assert key == "w=booth4:g4:k5:qnone;d=naf:g8:k10:qnone"  # the setting of the run below
    sets = ["operands.weights.encoding=booth4", "operands.weights.group_size=4", "operands.weights.budget=5",
            "operands.data.encoding=naf", "operands.data.group_size=8", "operands.data.budget=10",
            "accuracy.score=cached"]
    r = trsim("run", cfg, "-o", tmp_path / "out.h5", *[a for s in sets for a in ("--set", s)])
    assert r.returncode == 0 and "accuracy: nan" in r.stdout, r.stdout + r.stderr
    import h5py
    with h5py.File(tmp_path / "out.h5", "r") as f:
        why = str(f["run/accuracy"].attrs["description"])
    assert f"{cache}:5: {key}: accuracy 1e+308 is outside the allowed range [0, 1]" in why, why


@pytest.mark.parametrize("graph", ['[{"op":"frobnicate"}]', "not json", '{"a": 1}'])
def test_graph_the_validator_rejects_is_one_line(tmp_path, graph):
    import h5py
    trace = tmp_path / "r.h5"
    shutil.copy(RESNET, trace)
    with h5py.File(trace, "a") as f:
        f["model"].attrs["graph"] = graph
    r = _score("setting", trace, "w=hese:g8:k5:qnone;d=hese:g1:k2:qnone")
    line = one_error_line(r, "score.py:", 1)
    assert f"{trace}" in line and "graph" in line, line


def test_unwritable_cache_still_scores(scored, monkeypatch, capsys):
    """A read-only directory (simulated: root writes anywhere): the score is printed, 'not cached', exit 0."""
    sys.path.insert(0, str(ROOT / "traces"))
    import score
    import score_cache

    def refuse(self):
        raise PermissionError(13, "Permission denied", self.path + ".lock")
    monkeypatch.setattr(score_cache.ScoreCache, "_lock", refuse)
    before = digest(_cache(scored))
    status = score.main(["setting", str(scored), "w=hese:g8:k4:qnone;d=hese:g1:k1:qnone", "--quiet", "--values"])
    out = capsys.readouterr()
    assert status == 0 and out.out.startswith("w=hese:g8:k4:qnone;d=hese:g1:k1:qnone\t0."), out
    assert digest(_cache(scored)) == before


# ------------------------------------------------------------------------------------------- the error path

def test_unexpected_error_is_one_line_and_traceback_only_when_asked(tmp_path):
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from trsim_trace import tool\n"
            "def body():\n    {}['missing']\n"
            "sys.exit(tool.run('demo', body))\n")
    r = python("-c", code, ROOT / "traces")
    line = one_error_line(r, "demo:", 4)
    assert "internal error: KeyError" in line and "TRSIM_DEBUG=1" in line, line
    r = python("-c", code, ROOT / "traces", env={"TRSIM_DEBUG": "1"})
    assert r.returncode == 4 and "Traceback" in r.stderr and "KeyError" in r.stderr


def test_interrupted_atomic_write_keeps_the_earlier_file(tmp_path):
    sys.path.insert(0, str(ROOT / "traces"))
    from trsim_trace import tool
    out = tmp_path / "summary.csv"
    out.write_text("earlier\n")
    with pytest.raises(KeyboardInterrupt):
        with tool.atomic_path(str(out)) as tmp:
            with open(tmp, "w") as f:
                f.write("half")
            raise KeyboardInterrupt
    assert out.read_text() == "earlier\n" and not leftovers(tmp_path)


# ------------------------------------------------------------------------------------------- analysis

@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("analysis_run")
    cfg = d / "c.yaml"
    text = (ROOT / "configs" / "default.yaml").read_text().replace("progress: true", "progress: false")
    text = text.replace("../traces/", str(ROOT / "traces") + "/")
    text = text.replace("energy/", str(ROOT / "configs" / "energy") + "/").replace("area/", str(ROOT / "configs" / "area") + "/")
    cfg.write_text(text)
    r = trsim("run", cfg, "-o", d / "run.h5")
    assert r.returncode == 0, r.stderr
    return d / "run.h5"


def _analysis(*args):
    return python("-m", "analysis", *args, cwd=ROOT)


@pytest.mark.parametrize("case", ["csv -o input", "csv -o symlink", "figures -o input", "all: a symlink in DIR"])
def test_analysis_never_writes_over_its_input(tmp_path, run_file, case):
    res = tmp_path / "run.h5"
    shutil.copy(run_file, res)
    before = digest(res)
    if case == "csv -o input":
        r = _analysis("csv", res, "-o", res)
    elif case == "csv -o symlink":
        (tmp_path / "s.csv").symlink_to(res)
        r = _analysis("csv", res, "-o", tmp_path / "s.csv")
    elif case == "figures -o input":
        r = _analysis("breakdown", res, "-o", res)
    else:
        (tmp_path / "figs").mkdir()
        (tmp_path / "figs" / "summary.csv").symlink_to(res)
        r = _analysis("all", res, "-o", tmp_path / "figs")
    line = one_error_line(r, "analysis: error:", 4)
    assert "the output" in line and "is the input" in line, line
    assert digest(res) == before and not leftovers(tmp_path)
