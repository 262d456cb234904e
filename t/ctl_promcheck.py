#!/usr/bin/env python3
"""Strict checker for the Prometheus text exposition format 0.0.4, as
fipd's metrics endpoint must produce it (promtool is not installed on the
build machines, so the test carries its own).

usage: ctl_promcheck.py FILE [--require NAME,...] [--get SERIES]...
                             [--sum NAME[{LABELS}]]...

Checks, failing with a message per violation (exit 1):
  - every line ends with LF, no empty lines, no trailing spaces;
  - "# HELP name text" and "# TYPE name type" at most once per family,
    both present for every family, TYPE before the family's samples;
  - metric and label names well formed, no "__" label prefix, no label
    given twice, label values with only the \\\\, \\" and \\n escapes;
  - values parse as floats; counters are >= 0 and end in _total;
  - the samples of a family are contiguous; no series appears twice.
--require: families that must be present.
--get SERIES: print the value of one series, e.g.
    'fipd_transitions_total{instance="VI_1"}' (labels in any order);
    prints "absent" if it is not there.
--sum NAME{LABELS}: print the sum over the series of NAME whose labels
    include LABELS.
"""
import re
import sys

NAME_RE = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*')
LABEL_RE = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*')
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def parse_labels(s, pos, errs, lineno):
    """Parse '{a="x",b="y"}' at s[pos] == '{'.  Returns (dict, end)."""
    labels = {}
    pos += 1
    if pos < len(s) and s[pos] == "}":
        return labels, pos + 1
    while True:
        m = LABEL_RE.match(s, pos)
        if not m:
            errs.append("line %d: bad label name at column %d" %
                        (lineno, pos + 1))
            return None, pos
        name = m.group(0)
        if name.startswith("__"):
            errs.append("line %d: reserved label name %s" % (lineno, name))
        pos = m.end()
        if s[pos:pos + 2] != '="':
            errs.append("line %d: expected =\" after label %s" %
                        (lineno, name))
            return None, pos
        pos += 2
        val = []
        while True:
            if pos >= len(s):
                errs.append("line %d: unterminated label value" % lineno)
                return None, pos
            c = s[pos]
            if c == "\\":
                nxt = s[pos + 1:pos + 2]
                if nxt == "\\":
                    val.append("\\")
                elif nxt == '"':
                    val.append('"')
                elif nxt == "n":
                    val.append("\n")
                else:
                    errs.append("line %d: bad escape \\%s in label %s" %
                                (lineno, nxt, name))
                    return None, pos
                pos += 2
                continue
            if c == '"':
                pos += 1
                break
            if c == "\n":
                errs.append("line %d: raw newline in label value" % lineno)
                return None, pos
            val.append(c)
            pos += 1
        if name in labels:
            errs.append("line %d: label %s given twice" % (lineno, name))
        labels[name] = "".join(val)
        if pos < len(s) and s[pos] == ",":
            pos += 1
            if pos < len(s) and s[pos] == "}":
                return labels, pos + 1
            continue
        if pos < len(s) and s[pos] == "}":
            return labels, pos + 1
        errs.append("line %d: expected , or } in labels" % lineno)
        return None, pos


def parse_value(v):
    if v in ("NaN", "+Inf", "-Inf", "Inf"):
        return float(v.replace("Inf", "inf"))
    if not re.match(r'^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$',
                    v):
        raise ValueError(v)
    return float(v)


def family_of(name, types):
    """The family a sample belongs to (histogram/summary suffixes)."""
    if name in types:
        return name
    for suf in ("_bucket", "_sum", "_count"):
        if name.endswith(suf) and types.get(name[:-len(suf)]) in \
                ("histogram", "summary"):
            return name[:-len(suf)]
    return name


def check(text):
    errs = []
    helps, types = {}, {}
    samples = {}            # (name, frozenset(labels)) -> value
    order = []              # families in order of their samples
    done = set()            # families whose samples are finished
    if not text:
        errs.append("empty exposition")
        return errs, samples, types
    if not text.endswith("\n"):
        errs.append("does not end with a newline")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    current = None
    for i, line in enumerate(lines, 1):
        if line == "":
            errs.append("line %d: empty line" % i)
            continue
        if line != line.rstrip(" \t"):
            errs.append("line %d: trailing whitespace" % i)
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not NAME_RE.fullmatch(name):
                    errs.append("line %d: bad metric name %r" % (i, name))
                if parts[1] == "HELP":
                    if name in helps:
                        errs.append("line %d: second HELP for %s" % (i, name))
                    helps[name] = parts[3] if len(parts) > 3 else ""
                    if re.search(r'\\[^\\n]', helps[name]):
                        errs.append("line %d: bad escape in HELP" % i)
                else:
                    t = parts[3] if len(parts) > 3 else ""
                    if t not in TYPES:
                        errs.append("line %d: bad type %r" % (i, t))
                    if name in types:
                        errs.append("line %d: second TYPE for %s" % (i, name))
                    if name in done or name == current:
                        errs.append("line %d: TYPE for %s after its samples"
                                    % (i, name))
                    types[name] = t
            continue
        m = NAME_RE.match(line)
        if not m:
            errs.append("line %d: bad sample line %r" % (i, line))
            continue
        name = m.group(0)
        pos = m.end()
        labels = {}
        if pos < len(line) and line[pos] == "{":
            labels, pos = parse_labels(line, pos, errs, i)
            if labels is None:
                continue
        rest = line[pos:]
        if not rest.startswith(" "):
            errs.append("line %d: expected a space before the value" % i)
            continue
        fields = rest[1:].split(" ")
        if len(fields) not in (1, 2) or fields[0] == "":
            errs.append("line %d: expected VALUE [TIMESTAMP]" % i)
            continue
        try:
            value = parse_value(fields[0])
        except ValueError:
            errs.append("line %d: bad value %r" % (i, fields[0]))
            continue
        if len(fields) == 2 and not re.match(r'^-?[0-9]+$', fields[1]):
            errs.append("line %d: bad timestamp %r" % (i, fields[1]))
        fam = family_of(name, types)
        if fam not in types:
            errs.append("line %d: sample of %s without a TYPE line" %
                        (i, name))
        if fam not in helps:
            errs.append("line %d: sample of %s without a HELP line" %
                        (i, name))
        if fam != current:
            if fam in done:
                errs.append("line %d: samples of %s are not grouped" %
                            (i, fam))
            if current is not None:
                done.add(current)
            current = fam
            order.append(fam)
        if types.get(fam) == "counter":
            if not name.endswith("_total"):
                errs.append("line %d: counter %s does not end in _total" %
                            (i, name))
            if not value >= 0:
                errs.append("line %d: counter %s is negative or NaN" %
                            (i, name))
        key = (name, frozenset(labels.items()))
        if key in samples:
            errs.append("line %d: series %s%s appears twice" %
                        (i, name, sorted(labels.items())))
        samples[key] = value
    for name in types:
        if name not in order:
            # A family may legitimately have no samples (no checks yet).
            pass
    return errs, samples, types


def series_key(spec):
    m = NAME_RE.match(spec)
    if not m:
        raise SystemExit("bad series %r" % spec)
    labels = {}
    if m.end() < len(spec):
        errs = []
        labels, end = parse_labels(spec, m.end(), errs, 0)
        if labels is None or end != len(spec):
            raise SystemExit("bad series %r: %s" % (spec, errs))
    return m.group(0), labels


def main(argv):
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    path = argv[0]
    with open(path, encoding="utf-8") as fp:
        text = fp.read()
    errs, samples, types = check(text)
    if errs:
        for e in errs[:50]:
            print("promcheck: %s: %s" % (path, e), file=sys.stderr)
        return 1
    i = 1
    while i < len(argv):
        opt = argv[i]
        arg = argv[i + 1] if i + 1 < len(argv) else None
        if arg is None:
            raise SystemExit("%s needs an argument" % opt)
        if opt == "--require":
            missing = [n for n in arg.split(",") if n and n not in types]
            if missing:
                print("promcheck: %s: missing families: %s" %
                      (path, ", ".join(missing)), file=sys.stderr)
                return 1
        elif opt == "--get":
            name, labels = series_key(arg)
            v = samples.get((name, frozenset(labels.items())))
            print("absent" if v is None else "%g" % v)
        elif opt == "--sum":
            name, labels = series_key(arg)
            total = 0.0
            for (n, ls), v in samples.items():
                if n == name and set(labels.items()) <= set(ls):
                    total += v
            print("%g" % total)
        else:
            raise SystemExit("unknown option %s" % opt)
        i += 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
