/*
 * config_parse.h - pass one of config_load(): the lines of the file.
 */
#ifndef DKIMKEYS_CONFIG_PARSE_H
#define DKIMKEYS_CONFIG_PARSE_H

struct parser;

/* Every line into p->secs and p->cfg; errors are counted in p->nerr. */
void config_parse(struct parser *p);

#endif
