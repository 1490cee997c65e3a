# dkimkeys - DKIM key lifecycle manager
#
#   make deps     install the Debian packages the project needs (as root)
#   make          build ./dkimkeys
#   make check    build and run every test (unit, integration, man lint,
#                 the fuzz corpora once)
#   make fuzz     run each libFuzzer harness of fuzz/ FUZZ_SECONDS (60)
#   make analyze  clang's static analyzer over the whole build, clean
#   make reliability  regenerate RELIABILITY.md (runs the abuse suites)
#   make run      build and run the main job on etc/dkimkeys.conf
#   make install  PREFIX=/usr/local DESTDIR= MANDIR= SYSCONFDIR= LIBEXECDIR=
#                 UNITDIR= BASHCOMPDIR= SYSUSERSDIR= DOCDIR=
#
# Variants: WERROR=1 (warnings are errors), SANITIZE=address,undefined,
# V=1 (show commands).

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
LIBEXECDIR ?= $(PREFIX)/libexec
HOOKDIR    ?= $(LIBEXECDIR)/dkimkeys/hooks
UNITDIR    ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DOCDIR     ?= $(PREFIX)/share/doc/dkimkeys
SYSCONFDIR ?= /etc
DESTDIR    ?=

CC         ?= cc
PKG_CONFIG ?= pkg-config
PYTHON     ?= /usr/bin/python3

LIBS_PC  = libcrypto libsodium libcurl inih
DEB_PKGS = build-essential pkg-config libssl-dev libsodium-dev \
	   libcurl4-openssl-dev libinih-dev check mandoc python3-dkim \
	   python3-nacl opendkim-tools bind9-dnsutils knot knot-dnsutils \
	   unbound openssl iproute2 python3-dnspython opendkim miltertest \
	   rspamd awscli shellcheck curl pyflakes3 pdns-server \
	   pdns-backend-sqlite3 sqlite3 strace publicsuffix clang \
	   libclang-rt-dev clang-tools systemd etcd-server etcd-client

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wformat=2 -Wformat-security -Wpointer-arith -Wcast-qual \
       -Wwrite-strings -Wundef -Wvla -Wnull-dereference \
       -Wimplicit-fallthrough -Wdouble-promotion -Wold-style-definition
ifeq ($(WERROR),1)
WARN += -Werror
endif

CFLAGS  ?= -O2 -g
override CPPFLAGS += -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 -Isrc
override CFLAGS  += -std=c11 $(WARN) -fstack-protector-strong -fPIE
override LDFLAGS += -pie -Wl,-z,relro,-z,now
ifneq ($(SANITIZE),)
override CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=$(SANITIZE)
override CPPFLAGS := $(filter-out -D_FORTIFY_SOURCE=2,$(CPPFLAGS))
endif
ifeq ($(TESTHOOKS),1)
override CPPFLAGS += -DDKIMKEYS_FAULTS
endif

PC_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
PC_LIBS   = $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null) -lresolv -lpthread
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

ifeq ($(V),1)
Q =
else
Q = @
endif

# One folder per layer (src/README); the library is every source but main.c.
LAYERS   = support secret config keystore hooks dns lifecycle cli
LIB_SRCS = $(foreach d,$(LAYERS),$(wildcard src/$(d)/*.c))
LIB_OBJS = $(LIB_SRCS:.c=.o)
TEST_SRCS = $(wildcard tests/check_*.c)
TEST_BINS = $(TEST_SRCS:.c=)
DEPS = $(LIB_OBJS:.o=.d) src/main.d $(TEST_BINS:=.d) tests/fault_on.d \
       bench/keygen_bench.d
MANS = man/dkimkeys.8 man/dkimkeys.conf.5 $(wildcard man/dkimkeys-hooks.7)

.PHONY: all deps check style layers unit integration manlint run install \
	uninstall clean bench fuzz fuzz-regress analyze reliability

all: dkimkeys

# -MMD -MP: each object lists the headers it was built from (the .d files
# included at the end), so a header change rebuilds exactly its users.
DEPFLAGS = -MMD -MP

src/%.o: src/%.c
	@[ -n "$(Q)" ] && echo "  CC      $@" || true
	$(Q)$(CC) $(CPPFLAGS) $(DEPFLAGS) $(PC_CFLAGS) $(CFLAGS) -c -o $@ $<

libdkimkeys.a: $(LIB_OBJS)
	@[ -n "$(Q)" ] && echo "  AR      $@" || true
	$(Q)rm -f $@ && ar rcs $@ $(LIB_OBJS)

dkimkeys: src/main.o libdkimkeys.a
	@[ -n "$(Q)" ] && echo "  LD      $@" || true
	$(Q)$(CC) $(LDFLAGS) -o $@ src/main.o libdkimkeys.a $(PC_LIBS)

tests/check_%: tests/check_%.c libdkimkeys.a
	@[ -n "$(Q)" ] && echo "  CC      $@" || true
	$(Q)$(CC) $(CPPFLAGS) $(DEPFLAGS) $(PC_CFLAGS) $(CHECK_CFLAGS) \
		$(CFLAGS) -Wno-missing-prototypes -o $@ $< libdkimkeys.a \
		$(PC_LIBS) $(CHECK_LIBS) $(LDFLAGS)

# The same program with the crash points of src/support/fault.h live: the
# same objects, with fault.c compiled once more with one define, linked
# ahead of the library so that its fault_point() is the one taken.
tests/fault_on.o: src/support/fault.c
	@[ -n "$(Q)" ] && echo "  CC      $@" || true
	$(Q)$(CC) $(CPPFLAGS) -DDKIMKEYS_FAULTS $(DEPFLAGS) $(CFLAGS) \
		-c -o $@ $<

tests/dkimkeys-faults: src/main.o tests/fault_on.o libdkimkeys.a
	@[ -n "$(Q)" ] && echo "  LD      $@" || true
	$(Q)$(CC) $(LDFLAGS) -o $@ src/main.o tests/fault_on.o \
		libdkimkeys.a $(PC_LIBS)

# deps: as root, installs what is missing; otherwise prints the apt-get line.
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q 'install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" -ne 0 ]; then \
		echo "dkimkeys: missing packages; run as root:"; \
		echo "  apt-get install -y $$missing"; exit 1; fi; \
	echo "  DEPS    $$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get install -y -qq $$missing >/dev/null 2>&1 || \
	{ apt-get update -qq && apt-get install -y -qq $$missing; }

# The tests run JOBS at a time (default 2): the unit suites as targets of
# a make of their own (-O keeps each one's output together), the
# integration scripts through run.sh. Under make -jN the suites share its
# job slots instead. The steps of check run one after the other.
JOBS ?= 2
PAR = $(if $(findstring jobserver,$(MAKEFLAGS)),,-j$(JOBS))

check: deps
	$(Q)$(MAKE) --no-print-directory $(PAR) all $(TEST_BINS) \
		tests/dkimkeys-faults
	$(Q)$(MAKE) --no-print-directory style
	$(Q)$(MAKE) --no-print-directory layers
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory integration
	$(Q)$(MAKE) --no-print-directory manlint
	$(Q)$(MAKE) --no-print-directory $(PAR) fuzz-regress

# the long suites first, so that they do not end last
UNIT_LONG = tests/check_keystore tests/check_hooks tests/check_keygen
UNIT_RUNS = $(addsuffix .run,$(filter $(UNIT_LONG),$(TEST_BINS)) \
	    $(filter-out $(UNIT_LONG),$(TEST_BINS)))

unit: $(TEST_BINS)
	$(Q)$(MAKE) --no-print-directory $(PAR) -k -O $(UNIT_RUNS) || \
		{ echo "unit tests failed"; exit 1; }

.PHONY: $(TEST_BINS:=.run)
$(TEST_BINS:=.run): %.run: %
	$(Q)CK_DEFAULT_TIMEOUT=120 ./$<

integration: dkimkeys tests/dkimkeys-faults
	$(Q)JOBS=$(JOBS) PYTHON=$(PYTHON) sh tests/integration/run.sh

style:
	$(Q)sh tests/style.sh
	$(Q)sh_hooks=$$(grep -l '^#!/bin/sh' $(HOOKS)); \
		shellcheck -s sh $$sh_hooks && \
		echo "shellcheck: $$(echo $$sh_hooks | wc -w) hooks ok"
	$(Q)py=$$(grep -l '^#!/usr/bin/python3' $(HOOKS)) && \
		pyflakes3 $$py tests/integration/*.py && \
		echo "pyflakes: $$(echo $$py | wc -w) hooks and the test scripts ok"

# The include rule of src/README, and its own test (a wrong include fails).
layers:
	$(Q)sh tests/layers.sh
	$(Q)sh tests/layers_test.sh

bench/keygen_bench: bench/keygen_bench.c libdkimkeys.a
	@[ -n "$(Q)" ] && echo "  CC      $@" || true
	$(Q)$(CC) $(CPPFLAGS) $(DEPFLAGS) $(PC_CFLAGS) $(CFLAGS) -o $@ $< libdkimkeys.a \
		$(PC_LIBS) $(LDFLAGS)

# Benchmarks: ratios against the libraries in the same run (SPEC 9).
bench: dkimkeys bench/keygen_bench
	$(Q)sh bench/run.sh

manlint:
	@[ -n "$(Q)" ] && echo "  MANDOC  $(MANS)" || true
	$(Q)mandoc -Tlint -W warning $(MANS)

# Fuzzing (fuzz/README): libFuzzer harnesses built with clang, the sources
# compiled again into fuzz/obj/ (the gcc build is untouched), ASan and UBSan
# always on. fuzz-regress runs each harness once over its corpus (make
# check); fuzz runs each FUZZ_SECONDS, two at a time, figures in
# fuzz/last-run.txt. Warnings never stop it (clang's differ from gcc's:
# -Wformat-nonliteral flags log.c's vsnprintf of its va_list).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?=
FUZZ_NAMES    = $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_BINS     = $(addprefix fuzz/bin/fuzz_,$(FUZZ_NAMES))
FUZZ_OBJS     = $(patsubst src/%.c,fuzz/obj/%.o,$(LIB_SRCS))
FUZZ_CFLAGS   = -O1 -g -std=c11 -D_GNU_SOURCE -Isrc $(PC_CFLAGS) $(WARN) \
		-Wno-error -Wno-format-nonliteral -fno-omit-frame-pointer \
		-fsanitize=address,undefined -fno-sanitize-recover=all

fuzz/obj/%.o: src/%.c
	@[ -n "$(Q)" ] && echo "  FUZZCC  $@" || true
	$(Q)mkdir -p $(@D) && $(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) \
		-fsanitize=fuzzer-no-link -c -o $@ $<

fuzz/obj/libdkimkeys.a: $(FUZZ_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $(FUZZ_OBJS)

fuzz/bin/%: fuzz/%.c fuzz/obj/libdkimkeys.a
	@[ -n "$(Q)" ] && echo "  FUZZLD  $@" || true
	$(Q)mkdir -p $(@D) && $(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) \
		-Wno-missing-prototypes -fsanitize=fuzzer -o $@ $< \
		fuzz/obj/libdkimkeys.a $(PC_LIBS)

fuzz/bin/mkseeds: fuzz/mkseeds.c fuzz/obj/libdkimkeys.a
	$(Q)mkdir -p $(@D) && $(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< \
		fuzz/obj/libdkimkeys.a $(PC_LIBS)

fuzz-regress: $(FUZZ_BINS)
	$(Q)sh fuzz/run.sh regress $(FUZZ_NAMES)

fuzz: $(FUZZ_BINS)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) \
		sh fuzz/run.sh fuzz $(FUZZ_NAMES)

# scan-build over a build of its own (objects in /tmp, nothing here
# changes); any report fails. Not in check: it takes minutes.
analyze:
	$(Q)sh tests/analyze.sh

reliability: dkimkeys tests/dkimkeys-faults tests/check_config \
	tests/check_ksformat tests/check_ksstate tests/check_dnswire \
	tests/check_dnsrec
	$(Q)sh tests/reliability.sh > RELIABILITY.md.tmp && \
		mv RELIABILITY.md.tmp RELIABILITY.md

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh etc/demo.sh

# The hooks: every executable file in hooks/ (SPEC 6.1).
HOOKS = $(filter-out %.md %~,$(wildcard hooks/*))
# Where the units and the cron file go, with the binary's path put in.
SUBST = sed 's|/usr/local/sbin/dkimkeys|$(BINDIR)/dkimkeys|g'

install: dkimkeys
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(SYSCONFDIR)/dkimkeys $(DESTDIR)$(HOOKDIR) \
		$(DESTDIR)$(SYSCONFDIR)/cron.d $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(DOCDIR)/dkimkeys.service.d
	install -m 0755 dkimkeys $(DESTDIR)$(BINDIR)/dkimkeys
	install -m 0644 etc/dkimkeys.bash-completion \
		$(DESTDIR)$(BASHCOMPDIR)/dkimkeys
	install -m 0644 man/dkimkeys.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/dkimkeys.conf.5 $(DESTDIR)$(MANDIR)/man5/
	for m in $(wildcard man/*.7); do \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man7/; done
	install -m 0755 $(HOOKS) $(DESTDIR)$(HOOKDIR)/
	for u in dkimkeys.service dkimkeys.timer; do \
		$(SUBST) etc/$$u > $(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u; done
	install -m 0644 etc/dkimkeys.sysusers \
		$(DESTDIR)$(SYSUSERSDIR)/dkimkeys.conf
	install -m 0644 etc/dkimkeys.service.d/*.conf.example \
		$(DESTDIR)$(DOCDIR)/dkimkeys.service.d/
	[ -e $(DESTDIR)$(SYSCONFDIR)/cron.d/dkimkeys ] || { \
		$(SUBST) etc/dkimkeys.cron > \
		    $(DESTDIR)$(SYSCONFDIR)/cron.d/dkimkeys && \
		chmod 0644 $(DESTDIR)$(SYSCONFDIR)/cron.d/dkimkeys; }
	[ -e $(DESTDIR)$(SYSCONFDIR)/dkimkeys/dkimkeys.conf ] || \
		install -m 0600 etc/dkimkeys.conf.sample \
		$(DESTDIR)$(SYSCONFDIR)/dkimkeys/dkimkeys.conf
	@# a real install as root: the dkimkeys user now, and a config it may
	@# read (root:dkimkeys 0640), as a package's postinst would do
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" -eq 0 ] && \
	    command -v systemd-sysusers >/dev/null && \
	    systemd-sysusers $(SYSUSERSDIR)/dkimkeys.conf && \
	    [ "$$(stat -c %U:%G:%a $(SYSCONFDIR)/dkimkeys/dkimkeys.conf)" = \
	    root:root:600 ]; then \
		chgrp dkimkeys $(SYSCONFDIR)/dkimkeys/dkimkeys.conf && \
		chmod 0640 $(SYSCONFDIR)/dkimkeys/dkimkeys.conf; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/dkimkeys \
		$(DESTDIR)$(MANDIR)/man8/dkimkeys.8 \
		$(DESTDIR)$(MANDIR)/man5/dkimkeys.conf.5 \
		$(DESTDIR)$(MANDIR)/man7/dkimkeys-hooks.7 \
		$(DESTDIR)$(UNITDIR)/dkimkeys.service \
		$(DESTDIR)$(UNITDIR)/dkimkeys.timer \
		$(DESTDIR)$(SYSUSERSDIR)/dkimkeys.conf \
		$(addprefix $(DESTDIR)$(DOCDIR)/dkimkeys.service.d/, \
		    $(notdir $(wildcard etc/dkimkeys.service.d/*.example))) \
		$(DESTDIR)$(SYSCONFDIR)/cron.d/dkimkeys \
		$(DESTDIR)$(BASHCOMPDIR)/dkimkeys \
		$(addprefix $(DESTDIR)$(HOOKDIR)/,$(notdir $(HOOKS)))
	-rmdir $(DESTDIR)$(HOOKDIR) $(DESTDIR)$(LIBEXECDIR)/dkimkeys \
		$(DESTDIR)$(DOCDIR)/dkimkeys.service.d $(DESTDIR)$(DOCDIR)

clean:
	rm -f dkimkeys libdkimkeys.a src/*.o src/*/*.o $(DEPS) $(TEST_BINS) \
		tests/*.o tests/dkimkeys-faults bench/keygen_bench
	rm -rf tests/tmp fuzz/obj fuzz/bin

-include $(DEPS) $(wildcard fuzz/obj/*/*.d fuzz/bin/*.d)
