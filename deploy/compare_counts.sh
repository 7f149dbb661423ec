#!/usr/bin/env bash
# compare_counts.sh <database url A> <database url B>: the row count of every table in A equals that in B.
set -euo pipefail
a=$1 b=$2 differ=0
tables=$(psql "$a" -Atc "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
for table in $tables; do
  count_a=$(psql "$a" -Atc "SELECT count(*) FROM \"$table\"")
  count_b=$(psql "$b" -Atc "SELECT count(*) FROM \"$table\"" 2>/dev/null || echo missing)
  if [ "$count_a" != "$count_b" ]; then echo "$table: $count_a != $count_b"; differ=1; fi
done
echo "$(echo "$tables" | wc -w) tables compared"
exit $differ
