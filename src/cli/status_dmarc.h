/*
 * status_dmarc.h - what status shows of the last DMARC observations
 * (lifecycle/dmarc_obs.h): no network, only what check or rotate saw.
 */
#ifndef DKIMKEYS_STATUS_DMARC_H
#define DKIMKEYS_STATUS_DMARC_H

#include <stdbool.h>

#include "cli.h"

/*
 * Appends the observations of the vendors only names (NULL: all) to b:
 * a line each, or in JSON the elements of the "dmarc" array. Returns
 * true when the last observation of one of them found errors.
 */
bool status_dmarc(struct cli *cli, const char *only, struct buf *b);
/* The same as Prometheus textfile samples. */
void status_dmarc_metrics(struct cli *cli, const char *only, struct buf *b);

#endif
