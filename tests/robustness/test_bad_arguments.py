"""Malformed command lines: exit status 2 and a message naming the option."""
import pytest

from conftest import trsim

CASES = [
    (["sweep", "{sweep}", "-o", "{dir}/s.h5", "-j", "abc"], "trsim sweep: the argument ('abc') for option '--jobs' is invalid"),
    (["sweep", "{sweep}", "-o", "{dir}/s.h5", "-j", "2abc"], "trsim sweep: the argument ('2abc') for option '--jobs' is invalid"),
    (["sweep", "{sweep}", "-o", ""], "trsim sweep: option '--output' must not be empty"),
    (["run", "{config}", "-o", ""], "trsim run: option '--output' must not be empty"),
    (["run", "{config}", "--sett", "a=1"], "unrecognised option '--sett'"),
    (["run", "{config}", "-o"], "the required argument for option '--output' is missing"),
    (["encode", "--bits", "9q", "1"], "the argument ('9q') for option '--bits' is invalid"),
    (["encode", "12x"], "trsim encode: '12x' is not an integer"),
    (["nonsense"], "trsim: unknown command 'nonsense'"),
]


@pytest.mark.parametrize("args,expected", CASES, ids=[" ".join(c[0]) for c in CASES])
def test_malformed_arguments(inputs, args, expected):
    sweep = inputs.dir / "s.yaml"
    sweep.write_text(f"base: {inputs.config}\nsweep:\n  zip:\n    array.rows: [8]\n")
    subst = {"sweep": sweep, "dir": inputs.dir, "config": inputs.config}
    # In the test's directory: a trsim that wrongly accepted `-o ''` would write ./trsim_out.h5 there.
    r = trsim(*[a.format(**subst) for a in args], cwd=inputs.dir)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert expected in r.stderr, r.stderr
    assert not (inputs.dir / "s.h5").exists() and not (inputs.dir / "trsim_out.h5").exists()


def test_every_command_has_generated_help():
    for command in ("encode", "validate", "run", "sweep"):
        r = trsim(command, "--help")
        assert r.returncode == 0 and f"usage: trsim {command}" in r.stdout and "--help" in r.stdout
