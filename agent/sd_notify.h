/* SPDX-License-Identifier: GPL-2.0-only */
/* Telling systemd a Type=notify service is ready, without libsystemd. */
#ifndef HB_SD_NOTIFY_H
#define HB_SD_NOTIFY_H

/*
 * Sends @state ("READY=1") to $NOTIFY_SOCKET when it is set (a path, or
 * "@name" for an abstract socket); does nothing otherwise. Failures are
 * only logged: the service manager's timeout is the one that acts.
 */
void hb_sd_notify(const char *state);

#endif
