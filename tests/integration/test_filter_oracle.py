"""The filter matcher against an independent oracle: AWS's own EventBridge pattern engine,
software.amazon.event.ruler (Maven Central, scripts/event_ruler.sh), judging thousands of
generated (pattern, Kafka record value) pairs over every operator of Lambda's table.

The emulator's verdicts come from build/tests/esm-filter-verdicts, which calls the very code a
mapping's runner calls (RecordFilter::matches_kafka_value). The oracle sees the record as Lambda
describes it (§8.10): {"value": V}, V the value parsed as JSON when it is JSON, else the text.

Deliberate differences, each checked below rather than skipped:
- Lambda's table (§9) has no `wildcard`, `cidr`, nor anything-but / prefix / suffix with a
  sub-operator; EventBridge (and event-ruler) have them. The emulator refuses such patterns as
  AWS Lambda does ("Invalid filter pattern definition."); the oracle accepts them.
- A Kafka value that is not UTF-8 passes no filter in the emulator (the value part of a pattern is
  "not evaluated", §8.10); the oracle cannot be given such bytes.
"""
import json
import os
import pathlib
import random
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
VERDICTS = ROOT / "build" / "tests" / "esm-filter-verdicts"
ORACLE = ROOT / "tests" / "oracle" / "RulerOracle.java"
PAIRS = int(os.environ.get("ESM_FILTER_ORACLE_PAIRS", "10000"))


@pytest.fixture(scope="module")
def oracle_classpath():
    out = subprocess.run([str(ROOT / "scripts" / "event_ruler.sh")], check=True,
                         capture_output=True, text=True, timeout=600)
    return out.stdout.strip()


def emulator_verdicts(pairs):
    lines = "".join(json.dumps({"pattern": p, "value": v}) + "\n" for p, v in pairs)
    out = subprocess.run([str(VERDICTS)], input=lines, capture_output=True, text=True,
                         check=True, timeout=120)
    return out.stdout.splitlines()


def oracle_event(value):
    """The record as the patterns see it: {"value": parsed JSON or text}; {} for a tombstone."""
    if value is None:
        return "{}"
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = value
    return json.dumps({"value": parsed})


def oracle_verdicts(classpath, pairs):
    lines = "".join(json.dumps({"pattern": p, "event": oracle_event(v)}) + "\n" for p, v in pairs)
    out = subprocess.run(["java", "-cp", classpath, str(ORACLE)], input=lines,
                         capture_output=True, text=True, check=True, timeout=600)
    # "1", "0" or "E <why>": the refusal's text is kept for the failure message only.
    return out.stdout.splitlines()


# ---- Generation: values and patterns over the same small vocabulary, so that they meet ----

STRINGS = ["x", "y", "X", "", "us-east-1", "east-us", "x.png", "png", "Ab", "aB", "ab", "Äb",
           "äB", "error", "order", "refund", "5", "true", "null", " x"]
NUMBERS = [0, 1, 1.0, -1, 5, 10, 20, 20.5, 100, 1e2, -0.5, 2.5, 1000000, 123456.789, -1e6]
FIELDS = ["a", "b", "c"]


def scalar(rng):
    kind = rng.random()
    if kind < 0.45:
        return rng.choice(STRINGS)
    if kind < 0.8:
        return rng.choice(NUMBERS)
    if kind < 0.9:
        return rng.choice([True, False])
    return None


def data_value(rng, depth):
    kind = rng.random()
    if depth < 2 and kind < 0.2:
        return data_object(rng, depth + 1)
    if kind < 0.35:
        return [data_value(rng, depth + 1) if depth < 2 and rng.random() < 0.3 else scalar(rng)
                for _ in range(rng.randint(0, 3))]
    return scalar(rng)


def data_object(rng, depth=0):
    return {f: data_value(rng, depth) for f in FIELDS if rng.random() < 0.6}


def record_value(rng):
    """A Kafka record's value: mostly JSON objects, some text, JSON scalars, tombstones."""
    kind = rng.random()
    if kind < 0.7:
        return json.dumps(data_object(rng))
    if kind < 0.85:
        return rng.choice(STRINGS + ["hello world", "{not json", "[1,2"])
    if kind < 0.95:
        return json.dumps(scalar(rng))
    return None


def numeric_rule(rng):
    a, b = sorted(rng.sample([-1, 0, 1, 2.5, 5, 10, 20, 100, 1e6], 2))
    shape = rng.random()
    if shape < 0.3:
        return {"numeric": ["=", rng.choice(NUMBERS)]}
    if shape < 0.6:
        return {"numeric": [rng.choice([">", ">=", "<", "<="]), rng.choice(NUMBERS)]}
    return {"numeric": [rng.choice([">", ">="]), a, rng.choice(["<", "<="]), b]}


def rule(rng):
    kind = rng.randrange(9)
    if kind == 0:
        return scalar(rng)
    if kind == 1:
        return {"prefix": rng.choice(["", "x", "us-", "e", "A", "a"])}
    if kind == 2:
        return {"suffix": rng.choice(["", ".png", "png", "x", "-1", "b"])}
    if kind == 3:
        return {"equals-ignore-case": rng.choice(["ab", "AB", "x", "äb", "ÄB", "ERROR", ""])}
    if kind == 4:
        pool = STRINGS if rng.random() < 0.6 else NUMBERS
        if rng.random() < 0.3:
            return {"anything-but": rng.choice(pool)}
        return {"anything-but": rng.sample(pool, rng.randint(1, 3))}
    if kind == 5:
        return {"exists": rng.choice([True, False])}
    if kind in (6, 7):
        return numeric_rule(rng)
    return rng.choice(STRINGS)


def pattern_object(rng, depth=0):
    """Fields and, sometimes, an "$or" among them (anywhere: where it stands decides which of a
    field named both beside it and inside it wins, as event-ruler reads patterns in order)."""
    members = []
    for f in rng.sample(FIELDS, rng.randint(1, 2)):
        if depth < 2 and rng.random() < 0.2:
            members.append((f, pattern_object(rng, depth + 1)))
        else:
            members.append((f, [rule(rng) for _ in range(rng.randint(1, 3))]))
    if depth < 2 and rng.random() < 0.15:
        alternatives = [pattern_object(rng, depth + 1) for _ in range(rng.randint(2, 3))]
        members.insert(rng.randint(0, len(members)), ("$or", alternatives))
    return dict(members)


def pattern(rng):
    kind = rng.random()
    if kind < 0.75:
        return json.dumps({"value": pattern_object(rng)})
    if kind < 0.95:
        return json.dumps({"value": [rule(rng) for _ in range(rng.randint(1, 2))]})
    return json.dumps({"$or": [{"value": pattern_object(rng)}, {"value": [rule(rng)]}]})


# Patterns the oracle may refuse or accept: malformed shapes, which both must refuse alike.
MALFORMED = [
    '{"value":{"a":[]}}', '{"value":{"a":"x"}}', '{"value":{"a":[[1]]}}', '{"value":{"a":[{}]}}',
    '{"value":{"a":[{"prefix":1}]}}', '{"value":{"a":[{"exists":true,"prefix":"a"}]}}',
    '{"value":{"a":[{"numeric":["<",5,">",0]}]}}', '{"value":{"a":[{"numeric":[">",0,">",1]}]}}',
    '{"value":{"a":[{"numeric":["=",1,"<",2]}]}}', '{"value":{"a":[{"numeric":[">",5,"<",1]}]}}',
    '{"value":{"a":[{"numeric":[">"]}]}}', '{"value":{"a":[{"numeric":[">","1"]}]}}',
    '{"value":{"a":[{"anything-but":[]}]}}', '{"value":{"a":[{"anything-but":["x",1]}]}}',
    '{"value":{"a":[{"anything-but":true}]}}', '{"value":{"a":[{"anything-but":[null]}]}}',
    '{"value":{"$or":[{"a":[1]}]}}', '{"value":{"a":[{"exists":"yes"}]}}',
]

# EventBridge operators Lambda's table does not have: the oracle accepts them, AWS Lambda and the
# emulator refuse them.
NOT_IN_LAMBDA = [
    '{"value":{"a":[{"wildcard":"x*"}]}}', '{"value":{"a":[{"cidr":"10.0.0.0/24"}]}}',
    '{"value":{"a":[{"anything-but":{"prefix":"x"}}]}}',
    '{"value":{"a":[{"anything-but":{"suffix":"x"}}]}}',
    '{"value":{"a":[{"anything-but":{"equals-ignore-case":"x"}}]}}',
    '{"value":{"a":[{"prefix":{"equals-ignore-case":"x"}}]}}',
]


def test_matcher_agrees_with_event_ruler(oracle_classpath):
    rng = random.Random(20261202)
    pairs = [(pattern(rng), record_value(rng)) for _ in range(PAIRS)]
    ours = emulator_verdicts(pairs)
    theirs = oracle_verdicts(oracle_classpath, pairs)
    assert len(ours) == len(theirs) == len(pairs)
    refused_by_oracle = [(p, t) for (p, _), t in zip(pairs, theirs) if t.startswith("E")]
    assert not refused_by_oracle, f"generated patterns the oracle refuses: {refused_by_oracle[:5]}"
    differ = [(p, v, o, t) for (p, v), o, t in zip(pairs, ours, theirs) if o != t]
    assert not differ, f"{len(differ)} of {len(pairs)} verdicts differ, e.g. {differ[:5]}"
    # The generator is worth something only if both verdicts occur often, for every operator.
    passed = sum(1 for o in ours if o == "1")
    assert PAIRS * 0.1 < passed < PAIRS * 0.9, passed
    for op in ["prefix", "suffix", "equals-ignore-case", "anything-but", "exists", "numeric",
               "$or", "null"]:
        hits = [o for (p, _), o in zip(pairs, ours) if op in p and o == "1"]
        assert len(hits) > 20, f"too few matches exercise {op}: {len(hits)}"


def test_malformed_patterns_are_refused_by_both(oracle_classpath):
    pairs = [(p, '{"a":1}') for p in MALFORMED]
    ours = emulator_verdicts(pairs)
    theirs = oracle_verdicts(oracle_classpath, pairs)
    for p, o, t in zip(MALFORMED, ours, theirs):
        assert o == "E", p
        assert t.startswith("E"), (p, t)


def test_eventbridge_only_operators_are_refused_though_the_oracle_has_them(oracle_classpath):
    pairs = [(p, '{"a":"xy"}') for p in NOT_IN_LAMBDA]
    ours = emulator_verdicts(pairs)
    theirs = oracle_verdicts(oracle_classpath, pairs)
    for p, o, t in zip(NOT_IN_LAMBDA, ours, theirs):
        assert o == "E", p
        assert not t.startswith("E"), (p, t)
