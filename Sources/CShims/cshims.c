#ifdef __linux__
#define _GNU_SOURCE 1
#endif
#include "cshims.h"

#ifdef __linux__
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
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

int fw_fsid(int fd, uint64_t *fsid) {
    struct statfs st;
    if (fstatfs(fd, &st) != 0) return -1;
    uint32_t w[2];
    memcpy(w, &st.f_fsid, sizeof w);
    *fsid = (uint64_t)w[0] | ((uint64_t)w[1] << 32);
    return 0;
}
#endif /* __linux__ */
