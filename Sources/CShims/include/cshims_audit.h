#ifndef FILEWATCHER_CSHIMS_AUDIT_H
#define FILEWATCHER_CSHIMS_AUDIT_H

/* The kernel audit netlink socket (Linux): sockaddr_nl and the message layouts of <linux/audit.h>
 * as plain functions, so Swift needs no kernel headers. */

#include <stdint.h>
#include <stddef.h>

#ifdef __linux__
/* A NETLINK_AUDIT socket (close-on-exec, non-blocking) bound to the multicast `groups` (bit
 * AUDIT_NLGRP_READLOG-1 for the read-only log; 0 for unicast). Returns the descriptor, or -errno. */
int cshims_audit_socket(uint32_t groups, int receive_buffer);

/* Sends one netlink message of `type` with `flags` (NLM_F_REQUEST added) and `payload` to the
 * kernel. Returns 0 or -errno. */
int cshims_audit_send(int fd, uint16_t type, uint16_t flags, uint32_t seq, const void *payload, size_t length);

/* struct audit_status as the kernel reports it (AUDIT_GET). */
typedef struct {
    uint32_t mask, enabled, failure, pid, rate_limit, backlog_limit, lost, backlog;
    uint32_t feature_bitmap, backlog_wait_time, backlog_wait_time_actual;
} cshims_audit_status;

/* Constants of <linux/audit.h> and <linux/netlink.h>. */
enum {
    CSHIMS_AUDIT_GET = 1000, CSHIMS_AUDIT_SET = 1001, CSHIMS_AUDIT_LIST_RULES = 1013,
    CSHIMS_AUDIT_ADD_RULE = 1011, CSHIMS_AUDIT_DEL_RULE = 1012,
    CSHIMS_AUDIT_STATUS_PID = 0x0004,
    CSHIMS_AUDIT_NLGRP_READLOG = 1,
    CSHIMS_NLMSG_ERROR = 2, CSHIMS_NLMSG_DONE = 3,
    CSHIMS_NLM_F_ACK = 4,
    CSHIMS_NLMSG_HDRLEN = 16,
};
#endif

#endif
