/*
 * config_types.h - what a loaded configuration holds (SPEC section 4).
 *
 * The types of config.h, in a header of their own so that the config_*.c
 * files below config.c use them without including the driver's header.
 * Other folders get them through config.h.
 */
#ifndef DKIMKEYS_CONFIG_TYPES_H
#define DKIMKEYS_CONFIG_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "support/dkim.h"
#include "support/hmap.h"

#define CONFIG_MAX_ALGS 2

enum vendor_mode {
	MODE_MANAGED = 0,
	MODE_DELEGATED,
};

struct alg_spec {
	enum dk_alg alg;
	unsigned bits; /* RSA: 1024..4096; Ed25519: 256 */
};

/* hook.NAME = VALUE */
struct hookvar {
	char *name;  /* NAME as written, lowercase */
	char *value;
};

/* SELECTOR=TARGET of cname_targets */
struct cname_target {
	char *selector;
	char *target; /* no final dot */
};

struct vendor {
	char *name;    /* "mailgun", or "customers/example.com" */
	char *section; /* the section's own name, "customers" */
	unsigned line; /* line of the [vendor:...] header */
	char *domain;  /* lowercase A-labels, no final dot */
	enum vendor_mode mode;
	char *selector; /* template (managed) */
	struct alg_spec algs[CONFIG_MAX_ALGS];
	size_t nalgs;
	int64_t rotate_every, publish_ahead, generate_margin, overlap,
	    revoke_for, rotate_spread;
	int64_t late_after;  /* grace past the due date before "late" */
	int64_t stall_after; /* a wait not caused by time, reported after */
	uint32_t ttl;
	bool testing, reveal, verify_dns;
	char **hooks; /* absolute paths */
	size_t nhooks;
	char **batch_hooks;
	size_t nbatch_hooks;
	struct hookvar *hookvars; /* the vendor's own, without globals */
	size_t nhookvars;
	char *resolver; /* NULL: the global one */
	char **selectors; /* delegated */
	size_t nselectors;
	struct cname_target *cname_targets;
	size_t ncname_targets;
	char **standby_selectors;
	size_t nstandby;
	char *domains_file; /* absolute; set on every vendor it expanded to */
	unsigned domains_line; /* the domain's line in domains_file */
	char *from_domain; /* the From domain it sends as, or NULL */
	char **spf_include; /* SPF mechanisms the domain's SPF must hold */
	size_t nspf_include;
	int64_t dmarc_none_max; /* 0: p=none may last for ever */
};

struct config {
	char *path; /* absolute */
	char *dir;  /* absolute folder of path */
	char *keystore; /* a folder (absolute) or "etcd://..." as written */
	char *etcd_endpoints; /* keystore = etcd://: "HOST:PORT,...", or NULL */
	char *etcd_prefix;    /* its PREFIX, ending with '/' */
	char *etcd_ca, *etcd_cert, *etcd_key; /* absolute; client TLS */
	char *etcd_user, *etcd_password_file;
	char *passphrase_file;
	char *passphrase_env;
	char *resolver; /* default "authoritative" */
	char *resolver_ca;
	int64_t dns_timeout, hook_timeout, batch_hook_timeout, max_clock_jump;
	uint64_t audit_segment_size; /* bytes: the audit log rolls past it */
	char *log; /* "syslog", "stderr" or an absolute path */
	char *hook_user;
	char *public_suffix_list; /* absolute */
	struct hookvar *hookvars;
	size_t nhookvars;
	struct vendor *vendors; /* in file order; domains_file sections
				   expanded in that file's order */
	size_t nvendors;
	struct hmap byname; /* vendor name -> index, and (section, "") ->
			       its first vendor's, built by expansion */
};

#endif

