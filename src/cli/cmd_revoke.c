/*
 * cmd_revoke.c - revoke: a compromised key out of service now.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "cmds.h"
#include "lifecycle/revoke.h"
#include "support/log.h"

/* What the revoke hooks did, and what that leaves to do. */
static void
print_hand_over(const struct revoke_result *r)
{
	const struct ks_key *k = r->key;

	if (r->hooks != HOOK_OK) {
		printf("%s._domainkey.%s: revoke hooks did not succeed (%s); "
		    "rotate retries them\n", k->selector, k->domain,
		    k->error != NULL ? k->error : "failed");
		/* the key is not revoked in DNS yet: the operator must know */
		if (r->hooks == HOOK_FAILED)
			log_status_set(1);
	} else if (r->handed)
		printf("%s._domainkey.%s: revocation handed to DNS (p= "
		    "empty)\n", k->selector, k->domain);
	printf("run dkimkeys rotate to publish and deploy the vendor's next "
	    "key (publish_ahead is waived)\n");
}

int
cmd_revoke(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason = "compromised";
	struct revoke_result r;
	int c;

	while ((c = cli_getopt(cli, argc, argv, "", longopts)) != -1) {
		if (c != 'r')
			return -1;
		reason = optarg;
	}
	if (optind + 1 != argc)
		return cli_usage(cli);
	if (revoke_mark(&cli->lc, argv[optind], reason, &r) == -1)
		return -1;
	printf("%s._domainkey.%s: marked compromised; it is never deployed "
	    "again\n", r.key->selector, r.key->domain);
	if (r.v == NULL) {
		log_warn("%s._domainkey.%s: vendor %s is not configured; no "
		    "hook runs for it", r.key->selector, r.key->domain,
		    r.key->vendor);
		return 0;
	}
	revoke_hand_over(&cli->lc, &r);
	print_hand_over(&r);
	return 0;
}
