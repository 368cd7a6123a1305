#ifdef __linux__
#include "include/cshims_audit.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>

int cshims_audit_socket(uint32_t groups, int receive_buffer) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);
    if (fd < 0) return -errno;
    if (receive_buffer > 0) {
        /* SO_RCVBUFFORCE (root) lifts the rmem_max cap; fall back to SO_RCVBUF. */
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer, sizeof receive_buffer) != 0)
            (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    struct sockaddr_nl sa;
    memset(&sa, 0, sizeof sa);
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = groups;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int cshims_audit_send(int fd, uint16_t type, uint16_t flags, uint32_t seq, const void *payload, size_t length) {
    char buffer[NLMSG_SPACE(0) + 9000];
    if (length > sizeof buffer - NLMSG_HDRLEN) return -EMSGSIZE;
    struct nlmsghdr *h = (struct nlmsghdr *)buffer;
    memset(buffer, 0, NLMSG_SPACE(length));
    h->nlmsg_len = NLMSG_LENGTH(length);
    h->nlmsg_type = type;
    h->nlmsg_flags = NLM_F_REQUEST | flags;
    h->nlmsg_seq = seq;
    h->nlmsg_pid = 0;
    if (length) memcpy(NLMSG_DATA(h), payload, length);
    struct sockaddr_nl to;
    memset(&to, 0, sizeof to);
    to.nl_family = AF_NETLINK;
    for (;;) {
        ssize_t n = sendto(fd, buffer, h->nlmsg_len, 0, (struct sockaddr *)&to, sizeof to);
        if (n >= 0) return 0;
        if (errno != EINTR) return -errno;
    }
}
#endif
