#!/bin/sh
# Heap of parsing a 64 MiB IPv6 list (see parse-heap/ParseHeap.java), with the compiled classes in target/classes:
#   ./mvnw -o -q compile && bench/parse-heap.sh
# XMX (default 64m) is the heap the parse must fit in; MAX_ENTRIES (default 1000000) the source's max_entries.
set -eu
cd "$(dirname "$0")/.."
XMX=${XMX:-64m}
MAX_ENTRIES=${MAX_ENTRIES:-1000000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cp=target/classes:$(ls ~/.m2/repository/com/fasterxml/jackson/core/jackson-databind/*/jackson-databind-*.jar | tail -1)
cp=$cp:$(ls ~/.m2/repository/com/fasterxml/jackson/core/jackson-core/*/jackson-core-*.jar | tail -1)
cp=$cp:$(ls ~/.m2/repository/com/fasterxml/jackson/core/jackson-annotations/*/jackson-annotations-*.jar | tail -1)
javac -d "$out" -cp "$cp" bench/parse-heap/ParseHeap.java
for body in same distinct; do
    java -Xmx"$XMX" -cp "$out:$cp" dev.banlist.source.ParseHeap "$body" "$MAX_ENTRIES"
done
