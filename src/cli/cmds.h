/*
 * cmds.h - the commands, one function each, for the table in cli.c. Each
 * parses its arguments (argv[0] is the command), calls the lifecycle and
 * prints; it returns 0, or -1 with the status recorded.
 */
#ifndef DKIMKEYS_CMDS_H
#define DKIMKEYS_CMDS_H

#include "cli.h"

/* cmd_keystore.c */
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_passwd(struct cli *cli, int argc, char **argv);
int cmd_migrate(struct cli *cli, int argc, char **argv);
/* cmd_backup.c */
int cmd_backup(struct cli *cli, int argc, char **argv);
/* cmd_keys.c */
int cmd_keygen(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_export(struct cli *cli, int argc, char **argv);
/* cmd_list.c, cmd_txt.c, cmd_log.c, cmd_config.c */
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_txt(struct cli *cli, int argc, char **argv);
int cmd_log(struct cli *cli, int argc, char **argv);
int cmd_config_check(struct cli *cli, int argc, char **argv);
/* cmd_rotate.c */
int cmd_rotate(struct cli *cli, int argc, char **argv);
/* cmd_revoke.c */
int cmd_revoke(struct cli *cli, int argc, char **argv);
/* cmd_vendor.c */
int cmd_hold(struct cli *cli, int argc, char **argv);
int cmd_release(struct cli *cli, int argc, char **argv);
int cmd_decommission(struct cli *cli, int argc, char **argv);
/* cmd_status.c */
int cmd_status(struct cli *cli, int argc, char **argv);
/* cmd_plan.c */
int cmd_plan(struct cli *cli, int argc, char **argv);
/* cmd_check.c */
int cmd_check(struct cli *cli, int argc, char **argv);

#endif
