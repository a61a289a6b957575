#!/usr/bin/env bash
# Every parse of an endpoint's answer goes through src/aws/parse_guard.c and
# its cost guard: no other file of the extension may call a json-c or
# libxml2 parsing function.  Run by `make unitcheck`; prints ok / not ok
# and exits non-zero when another file calls one.
set -u
cd "${1:-$(dirname "$0")/../..}"
pattern='json_tokener_(new|parse)|json_object_from_(file|fd)|xml(Ctxt)?Read[A-Z]|xmlParse(Memory|Doc|File|Chunk|InNodeContext|BalancedChunk)|xmlSAX|xmlCreate[A-Za-z]*ParserCtxt|xmlNewParserCtxt|xmlReaderFor|xmlNewTextReader|html(Ctxt)?Read|htmlParse'
hits=$(grep -rnE "$pattern" --include='*.c' --include='*.h' src cks_fdw.c |
	grep -v '^src/\(.*/\)\?parse_guard\.[ch]:')
if [ -n "$hits" ]; then
	echo "not ok - only src/aws/parse_guard.c may parse response bodies; found:"
	echo "$hits"
	exit 1
fi
echo "ok - every json-c and libxml2 parse is in src/aws/parse_guard.c"
