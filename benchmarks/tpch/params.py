"""The 22 TPC-H templates of ``templates.sql`` and their substitution parameters: 22 x N instances.

TPC-H runs each query template with parameters drawn afresh (Clause 2.4.n.3 of the
specification, the rules ``qgen`` implements); its validation parameters (Clause 2.4.n.4) are one
draw among many. Parameter set 1 here is the validation set, which renders ``queries.sql``
exactly, so figures taken with one set stay comparable; sets 2, 3, ... follow the rules below,
from one ``random.Random(SEED)`` (the same instances on every run).

A template holds named ``{NAME}`` placeholders; a rule maps a random generator to the values of
one template's placeholders, as the SQL text they stand for (the quotes stay in the template).
The value lists are the specification's (Clause 4.2.2.13 and 4.2.3, qgen's ``dists.dss``).
"""

from __future__ import annotations

import datetime
import random
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from pathlib import Path

from benchmarks.tpch.queries import TpchQuery, parse

TEMPLATES_FILE = Path(__file__).with_name("templates.sql")
SEED = 17  # issue 17 asked for the 66 instances
HELD_OUT_SEED = 18  # the statements apply --validate may time: never among the timed instances
_PLACEHOLDER = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")

Values = dict[str, str]
Rule = Callable[[random.Random], Values]

SEGMENTS = ("AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY")
REGIONS = ("AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST")
# nation -> its region's index in REGIONS (the NATION table of Clause 4.2.3)
NATIONS: Mapping[str, int] = {
    "ALGERIA": 0, "ARGENTINA": 1, "BRAZIL": 1, "CANADA": 1, "EGYPT": 4, "ETHIOPIA": 0,
    "FRANCE": 3, "GERMANY": 3, "INDIA": 2, "INDONESIA": 2, "IRAN": 4, "IRAQ": 4, "JAPAN": 2,
    "JORDAN": 4, "KENYA": 0, "MOROCCO": 0, "MOZAMBIQUE": 0, "PERU": 1, "CHINA": 2,
    "ROMANIA": 3, "SAUDI ARABIA": 4, "VIETNAM": 2, "RUSSIA": 3, "UNITED KINGDOM": 3,
    "UNITED STATES": 1,
}  # fmt: skip
# P_TYPE is one word of each of these three lists
TYPE_WORDS = (
    ("STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"),
    ("ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"),
    ("TIN", "NICKEL", "BRASS", "STEEL", "COPPER"),
)
# P_CONTAINER is one word of each of these two lists
CONTAINER_WORDS = (
    ("SM", "LG", "MED", "JUMBO", "WRAP"),
    ("CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"),
)
SHIP_MODES = ("REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB")
# the words P_NAME is made of
_COLOR_WORDS = (
    "almond antique aquamarine azure beige bisque black blanched blue blush brown burlywood "
    "burnished chartreuse chiffon chocolate coral cornflower cornsilk cream cyan dark deep dim "
    "dodger drab firebrick floral forest frosted gainsboro ghost goldenrod green grey honeydew "
    "hot indian ivory khaki lace lavender lawn lemon light lime linen magenta maroon medium "
    "metallic midnight mint misty moccasin navajo navy olive orange orchid pale papaya peach "
    "peru pink plum powder puff purple red rose rosy royal saddle salmon sandy seashell sienna "
    "sky slate smoke snow spring steel tan thistle tomato turquoise violet wheat white yellow"
)
COLORS = tuple(_COLOR_WORDS.split())
Q13_WORDS = (("special", "pending", "unusual", "express"),
             ("packages", "requests", "accounts", "deposits"))  # fmt: skip
COUNTRY_CODES = tuple(str(n + 10) for n in range(len(NATIONS)))  # C_PHONE starts with these


def _day(d: datetime.date) -> str:
    return d.isoformat()


def _month_start(rng: random.Random, first: tuple[int, int], last: tuple[int, int]) -> str:
    """The first day of a month drawn uniformly between two (year, month), both included."""
    months = (last[0] - first[0]) * 12 + last[1] - first[1]
    index = first[0] * 12 + first[1] - 1 + rng.randint(0, months)
    return _day(datetime.date(index // 12, index % 12 + 1, 1))


def _year_start(rng: random.Random) -> str:
    """1 January of a year in [1993, 1997]."""
    return _day(datetime.date(rng.randint(1993, 1997), 1, 1))


def _brand(rng: random.Random) -> str:
    return f"Brand#{rng.randint(1, 5)}{rng.randint(1, 5)}"


def _nation(rng: random.Random) -> str:
    return rng.choice(list(NATIONS))


def _type3(rng: random.Random) -> str:
    return " ".join(rng.choice(words) for words in TYPE_WORDS)


def _q7(rng: random.Random) -> Values:
    first, second = rng.sample(list(NATIONS), 2)
    return {"NATION1": first, "NATION2": second}


def _q8(rng: random.Random) -> Values:
    nation = _nation(rng)
    return {"NATION": nation, "REGION": REGIONS[NATIONS[nation]], "TYPE": _type3(rng)}


def _q12(rng: random.Random) -> Values:
    first, second = rng.sample(SHIP_MODES, 2)
    return {"SHIPMODE1": first, "SHIPMODE2": second, "DATE": _year_start(rng)}


def _q16(rng: random.Random) -> Values:
    values = {"BRAND": _brand(rng), "TYPE": " ".join(rng.choice(w) for w in TYPE_WORDS[:2])}
    for i, size in enumerate(rng.sample(range(1, 51), 8), start=1):
        values[f"SIZE{i}"] = str(size)
    return values


def _q19(rng: random.Random) -> Values:
    values = {}
    for i, (low, high) in enumerate(((1, 10), (10, 20), (20, 30)), start=1):
        values[f"QUANTITY{i}"] = str(rng.randint(low, high))
        values[f"BRAND{i}"] = _brand(rng)
    return values


def _q22(rng: random.Random) -> Values:
    return {f"I{i}": code for i, code in enumerate(rng.sample(COUNTRY_CODES, 7), start=1)}


# Clause 2.4.n.3: how each template's parameters are drawn
RULES: Mapping[int, Rule] = {
    1: lambda rng: {"DELTA": str(rng.randint(60, 120))},
    2: lambda rng: {"SIZE": str(rng.randint(1, 50)), "TYPE": rng.choice(TYPE_WORDS[2]),
                    "REGION": rng.choice(REGIONS)},
    3: lambda rng: {"SEGMENT": rng.choice(SEGMENTS),
                    "DATE": _day(datetime.date(1995, 3, rng.randint(1, 31)))},
    4: lambda rng: {"DATE": _month_start(rng, (1993, 1), (1997, 10))},
    5: lambda rng: {"REGION": rng.choice(REGIONS), "DATE": _year_start(rng)},
    6: lambda rng: {"DATE": _year_start(rng), "DISCOUNT": f"0.0{rng.randint(2, 9)}",
                    "QUANTITY": str(rng.randint(24, 25))},
    7: _q7,
    8: _q8,
    9: lambda rng: {"COLOR": rng.choice(COLORS)},
    10: lambda rng: {"DATE": _month_start(rng, (1993, 2), (1995, 1))},
    11: lambda rng: {"NATION": _nation(rng)},
    12: _q12,
    13: lambda rng: {"WORD1": rng.choice(Q13_WORDS[0]), "WORD2": rng.choice(Q13_WORDS[1])},
    14: lambda rng: {"DATE": _month_start(rng, (1993, 1), (1997, 12))},
    15: lambda rng: {"DATE": _month_start(rng, (1993, 1), (1997, 10))},
    16: _q16,
    17: lambda rng: {"BRAND": _brand(rng),
                     "CONTAINER": " ".join(rng.choice(w) for w in CONTAINER_WORDS)},
    18: lambda rng: {"QUANTITY": str(rng.randint(312, 315))},
    19: _q19,
    20: lambda rng: {"COLOR": rng.choice(COLORS), "DATE": _year_start(rng),
                     "NATION": _nation(rng)},
    21: lambda rng: {"NATION": _nation(rng)},
    22: _q22,
}  # fmt: skip

# Clause 2.4.n.4: the validation parameters, parameter set 1 (queries.sql)
VALIDATION: Mapping[int, Values] = {
    1: {"DELTA": "90"},
    2: {"SIZE": "15", "TYPE": "BRASS", "REGION": "EUROPE"},
    3: {"SEGMENT": "BUILDING", "DATE": "1995-03-15"},
    4: {"DATE": "1993-07-01"},
    5: {"REGION": "ASIA", "DATE": "1994-01-01"},
    6: {"DATE": "1994-01-01", "DISCOUNT": "0.06", "QUANTITY": "24"},
    7: {"NATION1": "FRANCE", "NATION2": "GERMANY"},
    8: {"NATION": "BRAZIL", "REGION": "AMERICA", "TYPE": "ECONOMY ANODIZED STEEL"},
    9: {"COLOR": "green"},
    10: {"DATE": "1993-10-01"},
    11: {"NATION": "GERMANY"},
    12: {"SHIPMODE1": "MAIL", "SHIPMODE2": "SHIP", "DATE": "1994-01-01"},
    13: {"WORD1": "special", "WORD2": "requests"},
    14: {"DATE": "1995-09-01"},
    15: {"DATE": "1996-01-01"},
    16: {"BRAND": "Brand#45", "TYPE": "MEDIUM POLISHED", "SIZE1": "49", "SIZE2": "14",
         "SIZE3": "23", "SIZE4": "45", "SIZE5": "19", "SIZE6": "3", "SIZE7": "36", "SIZE8": "9"},
    17: {"BRAND": "Brand#23", "CONTAINER": "MED BOX"},
    18: {"QUANTITY": "300"},
    19: {"QUANTITY1": "1", "QUANTITY2": "10", "QUANTITY3": "20", "BRAND1": "Brand#12",
         "BRAND2": "Brand#23", "BRAND3": "Brand#34"},
    20: {"COLOR": "forest", "DATE": "1994-01-01", "NATION": "CANADA"},
    21: {"NATION": "SAUDI ARABIA"},
    22: {"I1": "13", "I2": "31", "I3": "23", "I4": "29", "I5": "30", "I6": "18", "I7": "17"},
}  # fmt: skip


def load_templates(path: Path = TEMPLATES_FILE) -> tuple[TpchQuery, ...]:
    return parse(path.read_text(encoding="utf-8"))


def placeholders(sql: str) -> set[str]:
    return set(_PLACEHOLDER.findall(sql))


def fill(template: TpchQuery, values: Mapping[str, str], param_set: int) -> TpchQuery:
    """The template with its placeholders replaced; every placeholder needs a value and every
    value a placeholder (a misspelt name fails here, not as a silently constant query)."""
    wanted = placeholders(template.sql)
    if wanted != set(values):
        raise ValueError(
            f"Q{template.number}: placeholders {sorted(wanted)} but values for {sorted(values)}"
        )
    sql = _PLACEHOLDER.sub(lambda m: values[m.group(1)], template.sql)
    return replace(template, sql=sql, param_set=param_set)


def parameter_sets(count: int, seed: int = SEED) -> list[dict[int, Values]]:
    """``count`` parameter sets: the validation set, then ``count - 1`` drawn by the rules
    (set by set, template by template, from one generator)."""
    if count < 1:
        raise ValueError("at least one parameter set")
    rng = random.Random(seed)
    sets = [{n: dict(v) for n, v in VALIDATION.items()}]
    for _ in range(count - 1):
        sets.append({n: RULES[n](rng) for n in sorted(RULES)})
    return sets


def instances(
    count: int, seed: int = SEED, templates: tuple[TpchQuery, ...] | None = None
) -> tuple[TpchQuery, ...]:
    """The 22 x ``count`` instances, set by set (set 1 first, each in template order)."""
    templates = load_templates() if templates is None else templates
    found = []
    for index, values in enumerate(parameter_sets(count, seed), start=1):
        found += [fill(t, values[t.number], index) for t in templates]
    return tuple(found)


def held_out(avoid: Collection[str], seed: int = HELD_OUT_SEED) -> list[str]:
    """One instance per template, drawn by the rules from another seed than the timed instances'
    and never one of ``avoid`` (the timed texts; a template with few values, such as Q10's 24
    months, is drawn again): what ``advisor apply --validate`` may run when the benchmark builds
    a set."""
    rng = random.Random(seed)
    found = []
    for template in load_templates():
        for _ in range(1000):
            text = fill(template, RULES[template.number](rng), 0).sql
            if text not in avoid:
                found.append(text)
                break
        else:
            raise ValueError(f"Q{template.number}: every draw is a timed instance")
    return found
