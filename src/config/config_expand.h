/*
 * config_expand.h - pass three of config_load(): the vendors of the
 * result, one per section with domain and one per line of a domains_file.
 */
#ifndef DKIMKEYS_CONFIG_EXPAND_H
#define DKIMKEYS_CONFIG_EXPAND_H

struct parser;

/* Adds the vendors to p->cfg, after config_check_sections(). */
void config_expand(struct parser *p);

#endif
