#ifdef __linux__
#define _GNU_SOURCE 1
#include "cshims_detection.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int fw_pidfd_send_signal(int pidfd, int sig) {
#ifdef SYS_pidfd_send_signal
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, (void *)0, 0u);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int fw_openat_no_symlinks(int dirfd, const char *path, int flags) {
#ifdef SYS_openat2
    /* struct open_how (linux/openat2.h), spelled out: older C library headers lack it. */
    struct { uint64_t flags, mode, resolve; } how = { (uint64_t)(unsigned)flags, 0, 0x04 /* NO_SYMLINKS */ | 0x02 /* NO_MAGICLINKS */ };
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int fw_birth_time(int fd, int64_t *seconds, uint32_t *nanoseconds) {
#ifdef STATX_BTIME
    struct statx st;
    if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_BTIME, &st) != 0) return -1;
    if (!(st.stx_mask & STATX_BTIME)) { errno = ENODATA; return -1; }
    *seconds = st.stx_btime.tv_sec;
    *nanoseconds = st.stx_btime.tv_nsec;
    return 0;
#else
    errno = ENOSYS;
    return -1;
#endif
}
#endif
