#!/bin/bash
# TPC-DS for the star harness: build the TPC's dsdgen/dsqgen from a copy of the kit, generate the
# data and one query stream, make the queries PostgreSQL's, load a database (primary keys only).
#
#   bash benchmarks/tpcds/prepare.sh KIT_DIR WORK_DIR DSN [SCALE]
#
# KIT_DIR: a checkout of the kit (e.g. github.com/gregrahn/tpcds-kit); WORK_DIR: where the data
# and queries.sql go; DSN: an empty database with pg_stat_statements and hypopg, on a server
# that can read WORK_DIR (COPY ... FROM PROGRAM: a superuser). Then:
#
#   python -m benchmarks.star.run --database DSN --server-log SERVER_LOG \
#       --queries WORK_DIR/queries.sql --budgets unbounded,250MB --extend 250MB --build none
#
# Nothing of the kit is kept in this repository (the TPC's licence); bison and flex build it.
set -euo pipefail
kit=$(realpath "$1"); work=$(realpath -m "$2"); dsn=$3; scale=${4:-1}
mkdir -p "$work/data" "$work/stream"
# gcc 10+ defaults to -fno-common, which the kit's globals need
make -C "$kit/tools" OS=LINUX LINUX_CFLAGS="-g -w -fcommon" -j2 >/dev/null
(cd "$kit/tools" && ./dsdgen -SCALE "$scale" -DIR "$work/data" -TERMINATE N -FORCE Y >/dev/null)
(cd "$kit/tools" && ./dsqgen -DIRECTORY ../query_templates -INPUT ../query_templates/templates.lst \
    -QUALIFY Y -SCALE "$scale" -DIALECT netezza -OUTPUT_DIR "$work/stream" >/dev/null)
# the repository's interpreter (pglast), unless PYTHON names another
python=${PYTHON:-$(cd "$(dirname "$0")/../.." && pwd)/.venv/bin/python}
"$python" "$(dirname "$0")/postgres_queries.py" "$work/stream/query_0.sql" > "$work/queries.sql"
psql -X -q -v ON_ERROR_STOP=1 "$dsn" -f "$kit/tools/tpcds.sql"
for file in "$work"/data/*.dat; do
    table=$(basename "$file" .dat)
    [ "$table" = dbgen_version ] && continue
    columns=$(psql -X -At "$dsn" -c "SELECT count(*) FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = '$table'")
    # a row ends with the separator, or without it when its last column is NULL: cut or pad
    # every row to the table's column count
    psql -X -q -v ON_ERROR_STOP=1 "$dsn" -c "COPY $table FROM PROGRAM
        'awk -F\"|\" -v n=$columns \"BEGIN{OFS=FS} {NF=n; print}\" $file'
        WITH (FORMAT text, DELIMITER '|', NULL '', ENCODING 'LATIN1')"
done
psql -X -q "$dsn" -c "VACUUM (FREEZE, ANALYZE)"
echo "loaded; statements in $work/queries.sql"
