/* SPDX-License-Identifier: GPL-2.0-only */
/* Subcommands: each returns the process exit status for main() to use. */
#ifndef HB_COMMANDS_H
#define HB_COMMANDS_H

int hb_cmd_run(int argc, char **argv);
int hb_cmd_gc(int argc, char **argv);
int hb_cmd_doctor(int argc, char **argv);
int hb_cmd_learn(int argc, char **argv);
int hb_cmd_agent(int argc, char **argv);
int hb_cmd_status(int argc, char **argv);
int hb_cmd_policy(int argc, char **argv);
int hb_cmd_trace(int argc, char **argv);

#endif
