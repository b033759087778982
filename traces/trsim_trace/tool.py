"""The one error path of trsim's Python tools (traces/*.py, ``python3 -m trsim_trace``, ``python3 -m analysis``).

Every tool's ``main`` runs through :func:`run`: whatever it raises becomes ONE line on stderr,
``PROG: FILE: what``, and the exit status trsim's C++ side documents (README "Errors and exit codes"):

    0 done; 1 invalid input (a file the tool reads); 2 usage (argparse); 4 output or unexpected error;
    130 interrupted (SIGINT).

A traceback is printed only when asked: ``TRSIM_DEBUG=1`` in the environment (or ``--debug`` where a
tool offers it). Outputs are checked before any work (:func:`check_outputs`: the directory exists and is
writable, the output is no directory and not, by file identity, one of the inputs) and written atomically
(:func:`atomic_path`: a temporary file in the same directory, renamed into place only when complete), so a
failed or interrupted tool leaves every earlier file as it was.

Kept free of numpy and h5py so that any tool can import it first.
"""

from __future__ import annotations

import os
import sys
import traceback
from contextlib import contextmanager
from typing import Callable, Iterable, Optional

OK, INVALID_INPUT, USAGE, FAILED, INTERRUPTED = 0, 1, 2, 4, 130
SCORE_CACHE_SUFFIX = ".scores.tsv"  # <trace>.scores.tsv (traces/score_cache.py): never an output of another tool


class ToolError(Exception):
    """An error with its exit status; the message names the file at fault (``FILE: what``)."""

    def __init__(self, message: str, status: int = INVALID_INPUT):
        super().__init__(message)
        self.status = status


def debug() -> bool:
    return os.environ.get("TRSIM_DEBUG", "") not in ("", "0")


def one_line(text: str) -> str:
    """The first non-empty line of ``text`` (messages are one line)."""
    for line in str(text).splitlines():
        if line.strip():
            return line.rstrip()
    return str(text).strip()


def describe_os_error(exc: OSError) -> str:
    """``FILE: reason`` of an OSError (the file it names, then its strerror)."""
    what = exc.strerror or str(exc)
    if exc.filename is not None:
        return f"{exc.filename}: {what}"
    return what


def message_of(exc: BaseException) -> str:
    """One line for any exception: typed errors name their file themselves."""
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    problems = getattr(exc, "problems", None)  # trsim_trace.TraceError: one problem per line, the first names all
    if isinstance(problems, list) and problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        return one_line(problems[0]) + more
    text = one_line(str(exc))
    return text if text else type(exc).__name__


def run(prog: str, main: Callable[[], Optional[int]], invalid: tuple = (ValueError,)) -> int:
    """Runs ``main()`` and returns its exit status; every error is one line ``PROG: message`` on stderr.

    ``ToolError`` carries its status; the ``invalid`` exception types (the tool's own input errors, which name
    their file) are invalid input (1); an OSError the tool did not turn into a ToolError is 4 (tools report the
    files they read as ToolError(1) themselves); anything else is a bug: 4, its type named so that it can be
    reported. argparse's usage errors (2) pass through; Ctrl-C is 130."""
    try:
        status = main()
        return OK if status is None else int(status)
    except SystemExit:  # argparse usage errors (2) and explicit exits keep their status and text
        raise
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except ToolError as exc:
        _report(prog, str(exc))
        return exc.status
    except OSError as exc:
        _report(prog, describe_os_error(exc))
        return FAILED
    except invalid as exc:  # noqa: B030 (a tuple of types)
        _report(prog, message_of(exc))
        return INVALID_INPUT
    except MemoryError:
        _report(prog, "out of memory")
        return FAILED
    except Exception as exc:  # a bug: still one line, the type named; the traceback with TRSIM_DEBUG=1
        _report(prog, f"internal error: {type(exc).__name__}: {message_of(exc)} (TRSIM_DEBUG=1 shows where)")
        return FAILED


def _report(prog: str, message: str) -> None:
    if debug():
        traceback.print_exc()
    print(f"{prog}: {one_line(message)}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------- outputs

def _identity(path: str):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def check_outputs(outputs: Iterable[str], inputs: Iterable[str], directory_outputs: Iterable[str] = ()) -> None:
    """Before any work: every output file can be written and is none of the inputs (by st_dev/st_ino, so hard
    and symbolic links count); every output directory is a directory (or can be created) and is none of the
    inputs. Raises ToolError (exit status 4) naming the output."""
    ins = {}
    for p in inputs:
        ident = _identity(p)
        if ident is not None:
            ins[ident] = p
    for out in outputs:
        if str(out).endswith(SCORE_CACHE_SUFFIX):
            raise ToolError(f"{out}: is the name of a trace's score cache (read by trsim run and traces/score.py): "
                            "choose another output", FAILED)
        ident = _identity(out)
        if ident in ins:
            raise ToolError(f"{out}: the output is the input {ins[ident]}: it would be overwritten", FAILED)
        if os.path.isdir(out):
            raise ToolError(f"{out}: is a directory, expected an output file", FAILED)
        parent = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(parent):
            raise ToolError(f"{out}: directory {parent} does not exist", FAILED)
        if not os.access(parent, os.W_OK | os.X_OK):
            raise ToolError(f"{out}: directory {parent} is not writable", FAILED)
    for out in directory_outputs:
        ident = _identity(out)
        if ident in ins:
            raise ToolError(f"{out}: the output directory is the input {ins[ident]}", FAILED)
        if os.path.exists(out) and not os.path.isdir(out):
            raise ToolError(f"{out}: exists and is not a directory (an output directory is expected)", FAILED)
        existing = os.path.abspath(out)
        while not os.path.exists(existing):  # the nearest existing ancestor must allow creating the rest
            existing = os.path.dirname(existing)
        if not os.path.isdir(existing):
            raise ToolError(f"{out}: {existing} is not a directory", FAILED)
        if not os.access(existing, os.W_OK | os.X_OK):
            raise ToolError(f"{out}: {existing} is not writable", FAILED)


_PROTECTED: list = []


def protect(inputs: Iterable[str]) -> None:
    """Declares the files the command reads: :func:`atomic_path` refuses to replace any of them (for outputs
    whose names are known only while writing, as the figures of a directory). Replaces an earlier
    declaration, so commands run one after another in one process (tests) do not accumulate them."""
    _PROTECTED[:] = [str(p) for p in inputs]


@contextmanager
def atomic_path(path: str, protect: Iterable[str] = ()):
    """Yields a temporary path beside ``path`` (same directory, same extension, so writers that infer the format
    from it still work); renames it onto ``path`` when the block succeeds, removes it otherwise. ``protect``
    (and the files given to :func:`protect`): files the output must not be, by identity."""
    for p in list(protect) + _PROTECTED:
        ident = _identity(p)
        if ident is not None and ident == _identity(path):
            raise ToolError(f"{path}: the output is the input {p}: it would be overwritten", FAILED)
    directory, name = os.path.split(os.path.abspath(path))
    stem, ext = os.path.splitext(name)
    tmp = os.path.join(directory, f".{stem}.tmp-{os.getpid()}{ext}")
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        if os.path.exists(tmp):
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:  # named against the output, not the temporary file
        _remove(tmp)
        raise ToolError(f"{path}: cannot be written: {exc.strerror or exc}", FAILED) from None
    except BaseException:
        _remove(tmp)
        raise


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_text(path: str, text: str, protect: Iterable[str] = ()) -> None:
    """Writes ``text`` to ``path`` atomically."""
    with atomic_path(path, protect) as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
