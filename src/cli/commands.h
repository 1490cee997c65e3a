/*
 * commands.h - the command table (commands.c), which main.c looks a
 * command up in; it sits above every command file.
 */
#ifndef DKIMKEYS_COMMANDS_H
#define DKIMKEYS_COMMANDS_H

#include <stdio.h>

#include "cli.h"

/* The command called name, or NULL. */
const struct cmd *commands_find(const char *name);
/* The global usage with one line per command. */
void commands_print_usage(FILE *f);
/* One command's usage line and summary (COMMAND --help). */
void commands_print_help(const struct cmd *cmd, FILE *f);

#endif
