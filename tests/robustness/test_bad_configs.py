"""Bad configs and sweep files: each ends with exit status 1 and a message naming the file
(or the --set argument), the key and the problem; never an uncaught exception."""
import pytest

from conftest import trsim


def _replace(inputs, old, new):
    text = inputs.config.read_text()
    assert old in text, old
    inputs.config.write_text(text.replace(old, new, 1))


CASES = [
    # (description, edit(inputs) -> extra args, expected message fragments)
    ("list value", lambda i: _replace(i, "clock_mhz: 150", "clock_mhz: [150, 200]"), ["clock_mhz: must be a single value, not a list"]),
    ("list key", lambda i: _replace(i, "clock_mhz: 150", "clock_mhz: 150\n? [a, b]\n: 1"), ["a key must be a single word"]),
    ("map as pe", lambda i: _replace(i, "pe:\n  kind: tr", "pe: [tr]\nx:\n  kind: tr"), ["pe: must be a map of keys, not a list"]),
    ("repeated key", lambda i: _replace(i, "clock_mhz: 150", "clock_mhz: 150\nclock_mhz: 0"), ["clock_mhz: key given twice (lines"]),
    ("repeated nested key", lambda i: _replace(i, "  rows: 32", "  rows: 32\n  rows: 0"), ["array.rows: key given twice"]),
    ("energy table is a directory", lambda i: _replace(i, "energy_table: energy/horowitz_45nm.yaml", "energy_table: energy"), ["energy': is a directory"]),
    ("trace is empty", lambda i: _replace(i, "trace: mlp.h5", 'trace: ""'), ["trace: must name a file, got an empty string"]),
    ("NUL byte", lambda i: i.config.write_bytes(i.config.read_bytes() + b"# \x00 after\n"), ["contains a NUL byte"]),
    ("not YAML", lambda i: i.config.write_text("array: [\n"), ["not valid YAML"]),
    ("top level list", lambda i: i.config.write_text("- 1\n- 2\n"), ["top level must be a map"]),
    ("out of range", lambda i: _replace(i, "rows: 32", "rows: 0"), ["array.rows: 0 is out of range (allowed: 1..4096)"]),
    ("unknown key", lambda i: _replace(i, "rows: 32", "rowz: 32"), ["array.rowz: unknown key"]),
]


@pytest.mark.parametrize("name,edit,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_config_is_named(inputs, name, edit, expected):
    edit(inputs)
    before = inputs.fingerprint()
    for command in (["validate", inputs.config], ["run", inputs.config, "-o", inputs.dir / "out.h5"]):
        r = trsim(*command)
        assert r.returncode == 1, (name, r.returncode, r.stdout, r.stderr)
        assert r.stderr.startswith(f"trsim {command[0]}: "), r.stderr
        for fragment in expected:
            assert fragment in r.stderr, (fragment, r.stderr)
        assert "uncaught exception" not in r.stdout + r.stderr
    assert inputs.fingerprint() == before
    assert not (inputs.dir / "out.h5").exists()


def test_config_path_that_is_a_directory(inputs):
    r = trsim("run", inputs.dir, "-o", inputs.dir / "out.h5")
    assert r.returncode == 1 and f"trsim run: {inputs.dir}: is a directory" in r.stderr, r.stderr


SET_CASES = [
    ("array.rows=0", "trsim run: --set array.rows=0: array.rows: 0 is out of range"),
    ("pe.kind=gpu", "trsim run: --set pe.kind=gpu: pe.kind: 'gpu' is not allowed"),
    ('trace=""', 'trsim run: --set trace="": trace: must name a file'),
    ("energy.multiply_8b.value=abc", "trsim run: --set energy.multiply_8b.value=abc: energy.multiply_8b.value: 'abc' is not a number"),
    ("clock_mhz.x=1", "trsim run: --set clock_mhz.x=1: 'clock_mhz' is a single value or a list, not a map"),
]


@pytest.mark.parametrize("setting,expected", SET_CASES)
def test_set_errors_name_the_set_argument(inputs, setting, expected):
    r = trsim("run", inputs.config, "-o", inputs.dir / "out.h5", "--set", setting)
    assert r.returncode == 1, r.stderr
    assert expected in r.stderr, r.stderr
    assert f"{inputs.config}:" not in r.stderr


def test_repeated_key_in_sweep_fails_before_any_point_runs(inputs):
    sweep = inputs.dir / "s.yaml"
    sweep.write_text(f"base: {inputs.config}\nsweep:\n  zip:\n    array.rows: [8, 16]\n    array.rows: [4, 2]\n")
    r = trsim("sweep", sweep, "-o", inputs.dir / "s.h5")
    assert r.returncode == 1 and "sweep.zip.array.rows: key given twice (lines 4 and 5)" in r.stderr, r.stderr
    assert not (inputs.dir / "s.h5.parts").exists() and not (inputs.dir / "s.h5").exists()
