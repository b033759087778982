"""A small VCD reader for tests: the signals' names (scopes joined by '.'), and each signal's value changes.
Enough for the VCDs SystemC writes (scalars 0/1, vectors 'b...' as unsigned, reals 'r...')."""


def read_vcd(path):
    """(timescale text, {name: [(time, value), ...]}) with vectors as int (two's complement for signed
    SystemC types is left to the caller: `signed(value, width)`) and `widths` {name: bits}."""
    names, widths, changes = {}, {}, {}
    scope, time, timescale = [], 0, ""
    with open(path, encoding="utf-8") as f:
        tokens = iter(f.read().split())
    for tok in tokens:
        if tok in ("$date", "$version", "$comment"):
            for t in tokens:
                if t == "$end":
                    break
        elif tok in ("$enddefinitions", "$dumpvars", "$dumpall", "$dumpon", "$dumpoff", "$end"):
            continue
        elif tok == "$timescale":
            parts = []
            for t in tokens:
                if t == "$end":
                    break
                parts.append(t)
            timescale = " ".join(parts)
        elif tok == "$scope":
            next(tokens)
            scope.append(next(tokens))
            next(tokens)  # $end
        elif tok == "$upscope":
            scope.pop()
            next(tokens)
        elif tok == "$var":
            _, width, ident, ref = next(tokens), next(tokens), next(tokens), next(tokens)
            for t in tokens:
                if t == "$end":
                    break
            name = ".".join(scope[1:] + [ref])  # without the top "SystemC" scope
            names.setdefault(ident, []).append(name)
            widths[name] = int(width)
            changes[name] = []
        elif tok.startswith("#"):
            time = int(tok[1:])
        elif tok[0] in "bB":
            value = int(tok[1:].replace("x", "0").replace("z", "0"), 2)
            ident = next(tokens)
            for n in names.get(ident, []):
                changes[n].append((time, value))
        elif tok[0] in "rR":
            value = float(tok[1:])
            ident = next(tokens)
            for n in names.get(ident, []):
                changes[n].append((time, value))
        elif tok[0] in "01xzXZ" and len(tok) > 1 and not tok.startswith("$"):
            ident = tok[1:]
            for n in names.get(ident, []):
                changes[n].append((time, 1 if tok[0] == "1" else 0))
    return timescale, changes, widths


def signed(value, width):
    return value - (1 << width) if value >= 1 << (width - 1) else value


def value_at(changes, time):
    """The value a signal holds at `time` (its last change at or before it), None before the first."""
    out = None
    for t, v in changes:
        if t > time:
            break
        out = v
    return out
