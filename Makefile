# cks_fdw: PostgreSQL foreign data wrapper for AWS KMS custom key stores.
#
#   make && make install     build and install the extension (PGXS)
#   make unitcheck           C unit runner: signing and protocol, no backend
#   make sensitivecheck      sensitive fields of botocore's models are marked
#   make installcheck        pg_regress suite (needs a running cluster and
#                            the local KMS endpoint: use tests/run-all)

# The source tree, also when make runs in another directory with
# -f .../Makefile (pg_buildext builds each major in build-VERSION/ that way):
# file lists are taken from there, and stay relative so that objects are
# written in the build directory.
top := $(dir $(firstword $(MAKEFILE_LIST)))
source_files = $(patsubst $(top)%,%,$(wildcard $(addprefix $(top),$(1))))
ifneq ($(top),./)
$(shell mkdir -p src/aws src/net src/credentials src/scan tests/unit)
endif

MODULE_big = cks_fdw
EXTENSION = cks_fdw
# Upgrades (README "Upgrades"): cks_fdw--1.0.sql never changes; a release
# that changes SQL objects adds cks_fdw--OLD--NEW.sql and raises
# default_version in cks_fdw.control, which is the one place the version
# is written (the library reports it through cks_fdw_version()).
DATA = cks_fdw--1.0.sql $(call source_files,cks_fdw--*--*.sql)
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(srcdir)/cks_fdw.control)
PGFILEDESC = "cks_fdw - foreign data wrapper for AWS KMS custom key stores"

# Client core: no backend needed, also built into the unit runner
# (signing, the AWS JSON and Query protocols, the service, operation and
# table-kind descriptors, the HTTP client).
CORE_SRCS = src/aws/sigv4.c src/aws/aws_json.c src/aws/aws_json_fields.c \
	src/aws/aws_service.c src/aws/metric_queries.c src/table_kinds.c \
	src/aws/sts.c src/aws/xml.c src/aws/parse_guard.c src/net/mem_budget.c src/net/quota_bucket.c src/net/wiping_alloc.c src/net/http.c src/net/http_events.c src/net/http_response.c src/net/tls_cleanse.c src/net/endpoint_url.c src/aws/aws_error.c \
	src/aws/aws_error_class.c src/aws/secrets.c src/aws/aws_names.c \
	src/credentials/keyless.c src/credentials/bounded_read.c src/credentials/imds.c src/credentials/container_creds.c src/credentials/source_fetch.c \
	src/credentials/credentials_file.c
# Backend side: options, quals, rows, connections, the request driver.
BACKEND_SRCS = $(filter-out $(CORE_SRCS),$(call source_files,src/*.c src/*/*.c))

OBJS = cks_fdw.o $(CORE_SRCS:.c=.o) $(BACKEND_SRCS:.c=.o)

DEPS_PKGS = libcurl json-c libssl libcrypto libxml-2.0
PG_CPPFLAGS = -I$(srcdir)/src $(shell pkg-config --cflags $(DEPS_PKGS)) \
	-DCKS_FDW_VERSION='"$(EXTVERSION)"'
SHLIB_LINK = $(shell pkg-config --libs $(DEPS_PKGS))

# CI builds with warnings as errors: make WERROR=1
ifdef WERROR
PG_CFLAGS += -Werror
endif

REGRESS_OPTS = --load-extension=cks_fdw
REGRESS = $(patsubst sql/%.sql,%,$(sort $(call source_files,sql/*.sql)))

EXTRA_CLEAN = tests/unit/run_unit

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies; structs are shared across files, so
# every object is rebuilt when any header changes.
$(OBJS): $(call source_files,src/*.h src/*/*.h)
# the version is compiled in from the control file
cks_fdw.o: cks_fdw.control

# The unit runner compiles the client core as frontend code against
# libpgcommon (palloc -> malloc, StringInfo), so it runs without a server.
UNIT_SRCS = $(call source_files,tests/unit/*.c)
UNIT_CFLAGS = -DFRONTEND -g -O1 -Wall -Wextra -Wno-unused-parameter \
	-Wno-sign-compare -Wno-missing-field-initializers \
	-I$(srcdir)/src -I$(shell $(PG_CONFIG) --includedir-server) \
	$(shell pkg-config --cflags $(DEPS_PKGS))
# libpgcommon.a and libpgport.a: in pkglibdir on Debian, in libdir in a
# source build (PostgreSQL 18 from tools/pg-build)
UNIT_LIBS = -L$(shell $(PG_CONFIG) --pkglibdir) -L$(shell $(PG_CONFIG) --libdir) \
	-lpgcommon -lpgport \
	$(shell pkg-config --libs $(DEPS_PKGS)) -lm

tests/unit/run_unit: $(UNIT_SRCS) $(CORE_SRCS) $(call source_files,src/*.h src/*/*.h) $(wildcard tests/unit/*.h)
	$(CC) $(UNIT_CFLAGS) $(if $(WERROR),-Werror) $(UNIT_EXTRA_CFLAGS) \
		-o $@ $(UNIT_SRCS) $(CORE_SRCS) $(UNIT_LIBS)

unitcheck: tests/unit/run_unit
	$(srcdir)/tests/unit/unitcheck.sh $(srcdir)

# Fields botocore's models mark sensitive are all marked in the descriptors
# (python3 with botocore; skipped with a message without one)
sensitivecheck: tests/unit/run_unit
	python3 tests/unit/check_sensitive.py tests/unit/run_unit

.PHONY: unitcheck sensitivecheck

# ---- Fuzzing (fuzz/, tests/suites/fuzz.sh) --------------------------------
# libFuzzer targets on the response and error parsers and the option
# grammars, built with clang as frontend code like the unit runner, with
# ASan and UBSan (any UB aborts).
#   make fuzz                builds fuzz/build/fuzz_{kms,sts,names,keyless,fetch,parse_guard,redact}
#   fuzz/build/fuzz_kms fuzz/corpus/kms     runs one (see tests/suites/fuzz.sh)
FUZZ_CC = clang
FUZZ_CFLAGS = -DFRONTEND -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wno-ignored-attributes \
	-I$(srcdir)/src -I$(shell $(PG_CONFIG) --includedir-server) \
	$(shell pkg-config --cflags $(DEPS_PKGS))

FUZZ_KMS_SRCS = src/aws/aws_json.c src/aws/aws_json_fields.c src/aws/aws_service.c src/aws/metric_queries.c \
	src/aws/sts.c src/aws/xml.c src/aws/parse_guard.c src/net/mem_budget.c src/net/quota_bucket.c src/net/wiping_alloc.c src/aws/aws_error.c src/aws/secrets.c src/aws/aws_names.c

fuzz/build/fuzz_kms: fuzz/fuzz_kms.c fuzz/fuzz_common.c fuzz/fuzz_common.h $(FUZZ_KMS_SRCS) $(wildcard src/*.h src/*/*.h)
	@mkdir -p fuzz/build
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ fuzz/fuzz_kms.c fuzz/fuzz_common.c $(FUZZ_KMS_SRCS) $(UNIT_LIBS)

fuzz/build/fuzz_sts: fuzz/fuzz_sts.c fuzz/fuzz_common.c fuzz/fuzz_common.h src/aws/sts.c src/aws/sts.h src/aws/xml.c src/aws/xml.h src/aws/aws_error.c src/aws/aws_error.h src/aws/secrets.c src/aws/secrets.h
	@mkdir -p fuzz/build
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ fuzz/fuzz_sts.c fuzz/fuzz_common.c src/aws/sts.c src/aws/xml.c src/aws/parse_guard.c src/net/mem_budget.c src/net/quota_bucket.c src/net/wiping_alloc.c src/aws/aws_error.c src/aws/secrets.c src/aws/aws_names.c $(UNIT_LIBS)

fuzz/build/fuzz_names: fuzz/fuzz_names.c fuzz/fuzz_common.c fuzz/fuzz_common.h src/aws/aws_names.c src/aws/aws_names.h src/aws/aws_error.c src/aws/aws_error.h src/aws/secrets.c src/aws/secrets.h
	@mkdir -p fuzz/build
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ fuzz/fuzz_names.c fuzz/fuzz_common.c src/aws/aws_names.c src/aws/aws_error.c src/aws/secrets.c $(UNIT_LIBS)

KEYLESS_FUZZ_SRCS = src/credentials/keyless.c src/credentials/bounded_read.c src/credentials/imds.c src/aws/aws_json.c \
	src/aws/aws_json_fields.c src/aws/aws_service.c src/aws/metric_queries.c src/aws/sts.c src/aws/xml.c src/aws/parse_guard.c src/net/mem_budget.c src/net/quota_bucket.c src/net/wiping_alloc.c src/aws/aws_error.c src/aws/secrets.c src/aws/aws_names.c
fuzz/build/fuzz_keyless: fuzz/fuzz_keyless.c fuzz/fuzz_common.c fuzz/fuzz_common.h $(KEYLESS_FUZZ_SRCS) $(wildcard src/*.h src/*/*.h)
	@mkdir -p fuzz/build
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ fuzz/fuzz_keyless.c fuzz/fuzz_common.c $(KEYLESS_FUZZ_SRCS) $(UNIT_LIBS)

FETCH_FUZZ_SRCS = src/credentials/source_fetch.c $(KEYLESS_FUZZ_SRCS)
fuzz/build/fuzz_fetch: fuzz/fuzz_fetch.c fuzz/fuzz_common.c fuzz/fuzz_common.h $(FETCH_FUZZ_SRCS) $(wildcard src/*.h src/*/*.h)
	@mkdir -p fuzz/build
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ fuzz/fuzz_fetch.c fuzz/fuzz_common.c $(FETCH_FUZZ_SRCS) $(UNIT_LIBS)

fuzz/build/fuzz_redact: fuzz/fuzz_redact.c fuzz/fuzz_common.c fuzz/fuzz_common.h src/aws/secrets.c src/aws/secrets.h src/aws/aws_names.c src/aws/aws_error.c
	@mkdir -p fuzz/build
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ fuzz/fuzz_redact.c fuzz/fuzz_common.c src/aws/secrets.c src/aws/aws_names.c src/aws/aws_error.c $(UNIT_LIBS)

fuzz/build/fuzz_parse_guard: fuzz/fuzz_parse_guard.c fuzz/fuzz_common.c fuzz/fuzz_common.h src/aws/parse_guard.c src/net/mem_budget.c src/net/quota_bucket.c src/net/wiping_alloc.c $(wildcard src/*.h src/*/*.h)
	@mkdir -p fuzz/build
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ fuzz/fuzz_parse_guard.c fuzz/fuzz_common.c src/aws/parse_guard.c src/net/mem_budget.c src/net/quota_bucket.c src/net/wiping_alloc.c src/aws/aws_error.c src/aws/secrets.c src/aws/aws_names.c $(UNIT_LIBS)

fuzz: fuzz/build/fuzz_kms fuzz/build/fuzz_sts fuzz/build/fuzz_names fuzz/build/fuzz_keyless \
	fuzz/build/fuzz_fetch fuzz/build/fuzz_parse_guard fuzz/build/fuzz_redact

.PHONY: fuzz

# ---- Release tarball --------------------------------------------------------
# make dist: cks_fdw-VERSION.tar.gz of the committed tree (git archive), for
# PGXN and for distributions (debian/ builds the Debian package from the
# same tree); VERSION is cks_fdw.control's default_version.
DIST_NAME = cks_fdw-$(EXTVERSION)

dist:
	git -C $(top) archive --format=tar.gz --prefix=$(DIST_NAME)/ \
		-o $(CURDIR)/$(DIST_NAME).tar.gz HEAD

.PHONY: dist
