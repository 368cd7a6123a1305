#ifdef __linux__
#define _GNU_SOURCE 1
#endif
#include "cshims.h"

#ifdef __linux__
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

int fw_fanotify_init(unsigned int flags, unsigned int event_f_flags) {
    return fanotify_init(flags, event_f_flags);
}

int fw_fanotify_mark(int fanotify_fd, unsigned int flags, uint64_t mask, int dirfd, const char *pathname) {
    return fanotify_mark(fanotify_fd, flags, mask, dirfd, pathname);
}

uint32_t fw_fanotify_metadata_size(void) { return (uint32_t)FAN_EVENT_METADATA_LEN; }
uint8_t fw_fanotify_metadata_version(void) { return (uint8_t)FANOTIFY_METADATA_VERSION; }

int fw_fanotify_event_ok(const void *buf, long len) {
    const struct fanotify_event_metadata *m = buf;
    return FAN_EVENT_OK(m, len);
}

int fw_open_by_handle_at(int mount_fd, int32_t handle_type, const void *handle_bytes,
                         uint32_t handle_length, int flags) {
    /* struct file_handle has a flexible array: build it on the stack (handles are at most
     * MAX_HANDLE_SZ = 128 bytes). */
    union { struct file_handle fh; unsigned char raw[sizeof(struct file_handle) + 128]; } u;
    if (handle_length > 128) { errno = EINVAL; return -1; }
    u.fh.handle_bytes = handle_length;
    u.fh.handle_type = handle_type;
    memcpy(u.fh.f_handle, handle_bytes, handle_length);
    return open_by_handle_at(mount_fd, &u.fh, flags);
}

int fw_name_to_handle_at(int dirfd, const char *pathname, int flags, void *handle_bytes, uint32_t capacity,
                         uint32_t *handle_length, int32_t *handle_type) {
    union { struct file_handle fh; unsigned char raw[sizeof(struct file_handle) + 128]; } u;
    int mount_id;
    u.fh.handle_bytes = 128;
    if (name_to_handle_at(dirfd, pathname, &u.fh, &mount_id, flags) != 0) return -1;
    if (u.fh.handle_bytes > capacity) { errno = EOVERFLOW; return -1; }
    memcpy(handle_bytes, u.fh.f_handle, u.fh.handle_bytes);
    *handle_length = u.fh.handle_bytes;
    *handle_type = u.fh.handle_type;
    return 0;
}
int fw_at_empty_path(void) { return AT_EMPTY_PATH; }
int fw_o_path_directory(void) { return O_PATH | O_DIRECTORY | O_CLOEXEC; }

int fw_pidfd_open(int pid, unsigned int flags) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, flags);
#else
    errno = ENOSYS;
    return -1;
#endif
}
int fw_o_path(void) { return O_PATH; }

int fw_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int fw_epoll_add(int epfd, int fd, uint64_t data) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.u64 = data;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int fw_epoll_del(int epfd, int fd) { return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL); }

int fw_epoll_wait(int epfd, uint64_t *datas, int max, int timeout_ms) {
    struct epoll_event evs[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    for (int i = 0; i < n; i++) datas[i] = evs[i].data.u64;
    return n;
}

int fw_proc_connector_open(void) {
    int fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
    if (fd < 0) return -1;
    struct sockaddr_nl addr;
    memset(&addr, 0, sizeof addr);
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = CN_IDX_PROC;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { int e = errno; close(fd); errno = e; return -1; }
    /* nlmsghdr | cn_msg | op: ask for the multicast of process events. */
    union { struct nlmsghdr nl; unsigned char raw[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op))]; } u;
    memset(&u, 0, sizeof u);
    u.nl.nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op));
    u.nl.nlmsg_type = NLMSG_DONE;
    u.nl.nlmsg_pid = (uint32_t)getpid();
    struct cn_msg *cn = NLMSG_DATA(&u.nl);
    cn->id.idx = CN_IDX_PROC;
    cn->id.val = CN_VAL_PROC;
    cn->len = sizeof(enum proc_cn_mcast_op);
    enum proc_cn_mcast_op op = PROC_CN_MCAST_LISTEN;
    memcpy(cn->data, &op, sizeof op);
    if (send(fd, &u, u.nl.nlmsg_len, 0) < 0) { int e = errno; close(fd); errno = e; return -1; }
    return fd;
}

int fw_proc_connector_parse(const void *buf, long len, struct fw_proc_event *out, int max) {
    int n = 0;
    const struct nlmsghdr *nl = buf;
    for (; NLMSG_OK(nl, len) && n < max; nl = NLMSG_NEXT(nl, len)) {
        if (nl->nlmsg_type == NLMSG_ERROR || nl->nlmsg_type == NLMSG_NOOP) continue;
        /* what, cpu, timestamp (16 bytes) and at least the 16 bytes every event's data has; a shorter
         * union (another kernel) is zero-padded below. */
        if ((long)nl->nlmsg_len < (long)NLMSG_LENGTH(sizeof(struct cn_msg) + 16 + 16)) continue;
        const struct cn_msg *cn = NLMSG_DATA(nl);
        if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC) continue;
        struct proc_event ev;
        memset(&ev, 0, sizeof ev);
        size_t have = nl->nlmsg_len - NLMSG_LENGTH(sizeof(struct cn_msg));
        memcpy(&ev, cn->data, have < sizeof ev ? have : sizeof ev);
        struct fw_proc_event e;
        memset(&e, 0, sizeof e);
        switch (ev.what) {
        case PROC_EVENT_FORK:
            if (ev.event_data.fork.child_pid != ev.event_data.fork.child_tgid) continue; /* a thread */
            e.pid = ev.event_data.fork.child_tgid;
            e.parent = ev.event_data.fork.parent_tgid;
            break;
        case PROC_EVENT_EXEC:
            e.pid = ev.event_data.exec.process_tgid;
            break;
        case PROC_EVENT_UID:
            e.pid = ev.event_data.id.process_tgid;
            e.ruid = ev.event_data.id.r.ruid;
            e.euid = ev.event_data.id.e.euid;
            break;
        case PROC_EVENT_EXIT:
            if (ev.event_data.exit.process_pid != ev.event_data.exit.process_tgid) continue; /* a thread */
            e.pid = ev.event_data.exit.process_tgid;
            break;
        default:
            continue;
        }
        e.what = ev.what;
        out[n++] = e;
    }
    return n;
}

int fw_fsid(int fd, uint64_t *fsid) {
    struct statfs st;
    if (fstatfs(fd, &st) != 0) return -1;
    uint32_t w[2];
    memcpy(w, &st.f_fsid, sizeof w);
    *fsid = (uint64_t)w[0] | ((uint64_t)w[1] << 32);
    return 0;
}
#endif /* __linux__ */
