/*
 * check.h - `check`: what DNS serves, judged against the keystore (like
 * opendkim-testkey). Each record of a vendor is asked of every server of
 * its resolver: the keys published through revoked or withdrawn, and the
 * selectors of delegated vendors behind their CNAMEs. Then the DMARC
 * record that applies to each vendor (dmarc_check.h), each _dmarc name
 * asked once a run.
 */
#ifndef DKIMKEYS_CHECK_H
#define DKIMKEYS_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "dmarc_check.h"
#include "lifecycle.h"

/* One judgement: a record (name without the final dot) and what of it. */
struct check_line {
	char *name;
	bool ok;
	char *what;   /* "expected the key", "warning: ...", ... */
	char *detail; /* the servers that disagree, or NULL */
};

struct check_report {
	struct check_line *lines; /* in vendor order, as asked */
	size_t n, cap;
	bool ok;          /* every record is as expected */
	bool unreachable; /* some record had no server answering (69) */
	struct dmarc_summary *dmarc; /* one a vendor, in vendor order */
	size_t ndmarc;
};

/*
 * Checks the configured vendors named in vendors[0..n), or every vendor
 * when n is 0 (the names are known to be vendors), then the orphan keys
 * of those names (every orphan when n is 0): one not decommissioned is a
 * problem, a decommissioned one that rotate takes to destroyed is checked
 * with its section's resolver, one of a removed section is reported
 * unchecked. A lookup that cannot
 * be made is logged and makes r->ok false. Free r with check_report_free.
 * Returns 0 when r->ok, else -1.
 */
int check_run(struct lc *lc, char *const *vendors, size_t n,
    struct check_report *r);
void check_report_free(struct check_report *r);

#endif
