/*
 * config_check.h - passes two and four of config_load(): each section as a
 * whole, then the selectors of the vendors that share a domain.
 */
#ifndef DKIMKEYS_CONFIG_CHECK_H
#define DKIMKEYS_CONFIG_CHECK_H

struct parser;

/* Pass two: each section, after pass one. */
void config_check_sections(struct parser *p);
/* Pass four: the vendors of p->cfg, after config_expand(). */
void config_check_selectors(struct parser *p);

#endif
