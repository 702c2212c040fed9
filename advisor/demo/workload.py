"""Workload of the built-in demo application (see ``schema.sql``).

The statements are what a small fintech back office really runs against the
demo schema: dashboards, login, reporting, billing, plus a few statements that
need no new index at all (primary key lookups, a tiny lookup table, a filter on
a 50/50 boolean).  :func:`replay` runs them with fresh pseudo-random parameters
so that ``pg_stat_statements`` has something to advise on.

Parameters are bound server-side by psycopg (``%s`` becomes ``$1`` ...).  Note
that psycopg 3 types a Python ``int`` by its value (``smallint`` below 2**15,
``integer`` below 2**31, else ``bigint``), and ``pg_stat_statements`` gives
``investor_id = $1::smallint`` and ``investor_id = $1::bigint`` different
queryids.  To keep one queryid per statement, bigint key parameters are passed
as :class:`psycopg.types.numeric.Int8`; the single exception is
:data:`TX_RECENT_SMALLINT`, which deliberately repeats the "recent
transactions" statement with plain small ``int`` parameters so that two
queryids share one query text.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.numeric import Int8

__all__ = [
    "TX_RECENT_SMALLINT",
    "WORKLOAD",
    "DemoQuery",
    "demo_email",
    "replay",
]


@dataclass(frozen=True)
class DemoQuery:
    """One application statement and how to exercise it."""

    sql: str
    """Statement with psycopg placeholders (``%s``), bound server-side."""
    params: Callable[[random.Random], Sequence[object]]
    """Draws fresh parameters for one execution."""
    calls: int
    """How many times one replay runs it (times ``scale``, at least once)."""


# Sizes and value ranges of the data loaded by schema.sql.
N_INVESTORS = 50_000
N_AGREEMENTS = 120_000
N_TRANSACTIONS = 1_000_000
N_CHARGES = 400_000
_EPOCH = datetime(2021, 1, 1, tzinfo=UTC)
_TX_STEP = timedelta(seconds=90)  # transactions.booked_at = epoch + id * 90 s
_CHARGE_STEP = timedelta(seconds=225)  # charges.charged_at = epoch + id * 225 s

# Must match the arrays used for investors.email in schema.sql.
_FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannes",
    "Ida", "Jonas", "Klara", "Lukas", "Mia", "Noah", "Olivia", "Paul",
)  # fmt: skip
_LAST_NAMES = (
    "Schmidt", "Mueller", "Weber", "Wagner", "Becker", "Hoffmann", "Schulz",
    "Koch", "Richter", "Klein", "Wolf", "Neumann", "Braun", "Zimmermann",
)  # fmt: skip
_DOMAINS = ("Example.com", "Mail.Example.org", "Example.NET", "Inbox.Example.de")


def demo_email(investor_id: int) -> str:
    """The (mixed-case) email schema.sql stores for investor ``investor_id``."""
    first = _FIRST_NAMES[investor_id % 16]
    last = _LAST_NAMES[(investor_id // 16) % 14]
    domain = _DOMAINS[(investor_id // 3) % 4]
    return f"{first}.{last}{investor_id}@{domain}"


def _investor_id(rng: random.Random) -> Int8:
    return Int8(rng.randint(1, N_INVESTORS))


def _agreement_id(rng: random.Random) -> Int8:
    return Int8(rng.randint(1, N_AGREEMENTS))


# ---------------------------------------------------------------------------
# Parameter generators
# ---------------------------------------------------------------------------


def _p_investor(rng: random.Random) -> Sequence[object]:
    return (_investor_id(rng),)


def _p_investor_smallint(rng: random.Random) -> Sequence[object]:
    # A plain Python int below 2**15 is sent as smallint: different queryid.
    return (rng.randint(1, 32_767),)


def _p_agreement(rng: random.Random) -> Sequence[object]:
    return (_agreement_id(rng),)


def _p_login(rng: random.Random) -> Sequence[object]:
    if rng.random() < 0.1:  # typo / unknown user
        return (f"nobody{rng.randint(1, 10**6)}@example.com",)
    return (demo_email(rng.randint(1, N_INVESTORS)).lower(),)


def _p_tx_kind_range(rng: random.Random) -> Sequence[object]:
    kind = rng.choice(("fee", "interest", "dividend", "withdrawal", "transfer"))
    start = _EPOCH + _TX_STEP * rng.randint(1, N_TRANSACTIONS - 10_000)
    return (kind, start, start + timedelta(days=rng.choice((1, 3, 7))))


def _p_country_status(rng: random.Random) -> Sequence[object]:
    # Small markets: the country filter is selective (0.5% - 3% of investors).
    return (rng.choice(("LU", "SE", "PL")), rng.choice(("pending", "terminated")))


def _p_unpaid(rng: random.Random) -> Sequence[object]:
    return ()


def _p_currencies(rng: random.Random) -> Sequence[object]:
    return (True,)


def _p_investor_list(rng: random.Random) -> Sequence[object]:
    ids = sorted({rng.randint(1, N_INVESTORS) for _ in range(rng.randint(5, 25))})
    return ([Int8(i) for i in ids],)  # bound as one bigint[] parameter


def _p_activate(rng: random.Random) -> Sequence[object]:
    return ("active", _investor_id(rng))


def _p_purge_charges(rng: random.Random) -> Sequence[object]:
    cutoff = _EPOCH + _CHARGE_STEP * rng.randint(N_CHARGES // 4, N_CHARGES // 2)
    return (_agreement_id(rng), cutoff)


# ---------------------------------------------------------------------------
# Statements
# ---------------------------------------------------------------------------

# Investor dashboard: latest bookings.  Wants (investor_id, booked_at).
TX_RECENT = DemoQuery(
    sql=(
        "SELECT id, agreement_id, amount, currency, kind, booked_at"
        " FROM transactions WHERE investor_id = %s"
        " ORDER BY booked_at DESC LIMIT 20"
    ),
    params=_p_investor,
    calls=40,
)

# The same statement from an older code path passing small plain ints: psycopg
# sends smallint, so pg_stat_statements records a second queryid for one text.
TX_RECENT_SMALLINT = DemoQuery(sql=TX_RECENT.sql, params=_p_investor_smallint, calls=5)

WORKLOAD: tuple[DemoQuery, ...] = (
    TX_RECENT,
    TX_RECENT_SMALLINT,
    # Investor dashboard: live agreements.  Wants agreements(investor_id),
    # possibly partial WHERE deleted_at IS NULL.
    DemoQuery(
        sql=(
            "SELECT id, product, status, monthly_fee, signed_at FROM agreements"
            " WHERE investor_id = %s AND deleted_at IS NULL ORDER BY signed_at DESC"
        ),
        params=_p_investor,
        calls=60,
    ),
    # Login.  Wants an expression index on lower(email).
    DemoQuery(
        sql="SELECT id, full_name, status FROM investors WHERE lower(email) = %s",
        params=_p_login,
        calls=60,
    ),
    # Back-office report: bookings of one kind in a date range.  The table is
    # physically ordered by booked_at: (kind, booked_at) btree or a BRIN.
    DemoQuery(
        sql=(
            "SELECT count(*), sum(amount) FROM transactions"
            " WHERE kind = %s AND booked_at >= %s AND booked_at < %s"
        ),
        params=_p_tx_kind_range,
        calls=10,
    ),
    # Compliance list: agreements in a given state for investors of a country.
    # Wants investors(country) and agreements(investor_id).
    DemoQuery(
        sql=(
            "SELECT a.id, a.product, a.signed_at, i.full_name, i.email"
            " FROM investors i JOIN agreements a ON a.investor_id = i.id"
            " WHERE i.country = %s AND a.status = %s AND a.deleted_at IS NULL"
            " ORDER BY a.signed_at DESC LIMIT 50"
        ),
        params=_p_country_status,
        calls=10,
    ),
    # Billing tab of an agreement.  Wants billing.charges(agreement_id).
    DemoQuery(
        sql=(
            "SELECT id, amount, vat_rate, vat_amount, currency, charged_at, paid"
            " FROM billing.charges WHERE agreement_id = %s ORDER BY charged_at DESC"
        ),
        params=_p_agreement,
        calls=40,
    ),
    # Dunning report: paid is 50/50, an index on it would not help.
    DemoQuery(
        sql=(
            "SELECT currency, count(*), sum(amount + vat_amount)"
            " FROM billing.charges WHERE paid = false GROUP BY currency"
        ),
        params=_p_unpaid,
        calls=5,
    ),
    # Primary key lookups: already indexed.
    DemoQuery(
        sql=(
            "SELECT id, email, full_name, country, status, created_at FROM investors WHERE id = %s"
        ),
        params=_p_investor,
        calls=200,
    ),
    DemoQuery(
        sql=(
            "SELECT id, investor_id, product, status, monthly_fee, signed_at,"
            " deleted_at FROM agreements WHERE id = %s"
        ),
        params=_p_agreement,
        calls=100,
    ),
    # Currency drop-down: 10 rows, a sequential scan is the best plan.
    DemoQuery(
        sql="SELECT code, name, minor_unit FROM currencies WHERE active = %s ORDER BY code",
        params=_p_currencies,
        calls=200,
    ),
    # Advisor portfolio view: balances of a list of investors (= ANY(array)).
    DemoQuery(
        sql=(
            "SELECT investor_id, count(*), sum(amount) FROM transactions"
            " WHERE investor_id = ANY(%s) GROUP BY investor_id"
        ),
        params=_p_investor_list,
        calls=10,
    ),
    # KYC passed: activate the investor's pending agreements (0-3 rows).
    DemoQuery(
        sql="UPDATE agreements SET status = %s WHERE investor_id = %s AND status = 'pending'",
        params=_p_activate,
        calls=20,
    ),
    # Purge old charges of an agreement (a handful of rows).
    DemoQuery(
        sql="DELETE FROM billing.charges WHERE agreement_id = %s AND charged_at < %s",
        params=_p_purge_charges,
        calls=10,
    ),
)


def replay(conn: psycopg.Connection[Any], *, seed: int = 7, scale: float = 1.0) -> int:
    """Run every query calls*scale times (at least once) with fresh params; return statements run.

    Parameters are drawn from ``random.Random(seed)``, so a replay is
    reproducible.  Results are fetched and discarded.  If ``conn`` is not in
    autocommit mode the work is committed at the end (rolled back on error).
    """
    rng = random.Random(seed)
    executed = 0
    try:
        with conn.cursor() as cur:
            for query in WORKLOAD:
                for _ in range(max(1, round(query.calls * scale))):
                    cur.execute(query.sql, query.params(rng))
                    if cur.description is not None:
                        cur.fetchall()
                    executed += 1
    except BaseException:
        if not conn.autocommit and not conn.closed:
            conn.rollback()
        raise
    if not conn.autocommit:
        conn.commit()
    return executed
