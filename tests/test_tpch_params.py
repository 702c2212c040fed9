"""The TPC-H parameter sets: set 1 is queries.sql, every instance parses, the draws keep to the
specification's rules (no database; the smoke benchmark runs the instances at scale 0.01)."""

from __future__ import annotations

import datetime
import re

import pytest

from advisor.parse import syntax
from benchmarks.tpch import params, queries
from benchmarks.tpch.run import options_from, parser

SETS = 5  # more than the benchmark's 3: the rules, not one lucky draw


def test_set_one_is_queries_sql_exactly() -> None:
    written = queries.load()
    first = params.instances(1)
    assert [(q.number, q.title, q.sql) for q in first] == [
        (q.number, q.title, q.sql) for q in written
    ]
    assert all(q.param_set == 1 for q in first)
    # and set 1 stays the same whatever the number of sets
    assert params.instances(3)[:22] == first


def test_every_instance_parses_and_keeps_its_template() -> None:
    found = params.instances(SETS)
    assert len(found) == 22 * SETS
    assert len({q.key for q in found}) == len(found)
    fingerprints: dict[int, set[str]] = {}
    for q in found:
        assert "{" not in q.sql, q.key
        assert len(syntax.parse(q.sql)) == 1, q.key
        fingerprints.setdefault(q.number, set()).add(syntax.fingerprint(q.sql))
    # the instances of a template differ only in constants: one normalised statement each
    assert all(len(f) == 1 for f in fingerprints.values()), fingerprints
    # and they are different instances: most templates got other constants in set 2
    one = {q.number: q.sql for q in found if q.param_set == 1}
    two = {q.number: q.sql for q in found if q.param_set == 2}
    assert sum(one[n] != two[n] for n in one) >= 20


def test_draws_are_deterministic_and_follow_the_rules() -> None:
    assert params.instances(3) == params.instances(3)
    drawn = params.parameter_sets(200)[1:]
    years = {f"{y}-01-01" for y in range(1993, 1998)}

    def month_starts(first: tuple[int, int], last: tuple[int, int]) -> set[str]:
        found, (y, m) = set(), first
        while (y, m) <= last:
            found.add(datetime.date(y, m, 1).isoformat())
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return found

    for s in drawn:
        assert 60 <= int(s[1]["DELTA"]) <= 120
        assert s[2]["TYPE"] in params.TYPE_WORDS[2] and 1 <= int(s[2]["SIZE"]) <= 50
        assert s[3]["SEGMENT"] in params.SEGMENTS
        assert "1995-03-01" <= s[3]["DATE"] <= "1995-03-31"
        assert s[4]["DATE"] in month_starts((1993, 1), (1997, 10))
        assert s[5]["REGION"] in params.REGIONS and s[5]["DATE"] in years
        assert s[6]["DATE"] in years and s[6]["QUANTITY"] in ("24", "25")
        assert 0.02 <= float(s[6]["DISCOUNT"]) <= 0.09
        assert s[7]["NATION1"] != s[7]["NATION2"]
        assert s[8]["REGION"] == params.REGIONS[params.NATIONS[s[8]["NATION"]]]
        assert s[9]["COLOR"] in params.COLORS
        assert s[10]["DATE"] in month_starts((1993, 2), (1995, 1))
        assert s[12]["SHIPMODE1"] != s[12]["SHIPMODE2"]
        assert s[14]["DATE"] in month_starts((1993, 1), (1997, 12))
        assert s[15]["DATE"] in month_starts((1993, 1), (1997, 10))
        sizes = [s[16][f"SIZE{i}"] for i in range(1, 9)]
        assert len(set(sizes)) == 8 and all(1 <= int(x) <= 50 for x in sizes)
        assert len(s[16]["TYPE"].split()) == 2
        for brand in (s[16]["BRAND"], s[17]["BRAND"], s[19]["BRAND1"], s[19]["BRAND3"]):
            assert re.fullmatch(r"Brand#[1-5][1-5]", brand)
        assert s[17]["CONTAINER"].split()[1] in params.CONTAINER_WORDS[1]
        assert 312 <= int(s[18]["QUANTITY"]) <= 315
        assert 10 <= int(s[19]["QUANTITY2"]) <= 20
        codes = [s[22][f"I{i}"] for i in range(1, 8)]
        assert len(set(codes)) == 7 and all(10 <= int(c) <= 34 for c in codes)
    # the draws cover the domains, e.g. every nation and every region for Q5
    assert {s[21]["NATION"] for s in drawn} == set(params.NATIONS)
    assert {s[5]["REGION"] for s in drawn} == set(params.REGIONS)


def test_fill_wants_exactly_the_placeholders() -> None:
    template = params.load_templates()[0]
    assert params.placeholders(template.sql) == {"DELTA"}
    with pytest.raises(ValueError, match="placeholders"):
        params.fill(template, {}, 2)
    with pytest.raises(ValueError, match="placeholders"):
        params.fill(template, {"DELTA": "90", "DATE": "1994-01-01"}, 2)


def test_param_sets_option() -> None:
    args = parser().parse_args(["--smoke", "--param-sets", "1"])
    assert options_from(args, ["--smoke", "--param-sets", "1"]).param_sets == 1
    assert options_from(parser().parse_args([]), []).param_sets == 3
    with pytest.raises(SystemExit):
        parser().parse_args(["--param-sets", "0"])
