#ifndef FILEWATCHER_CSHIMS_DETECTION_H
#define FILEWATCHER_CSHIMS_DETECTION_H

/* Detection's system calls that Swift cannot reach (glibc has no wrapper, or syscall(2) is variadic). */

#include <stdint.h>

#ifdef __linux__
/* pidfd_send_signal(2) with no siginfo: -1 and errno on failure (ENOSYS before Linux 5.1). */
int fw_pidfd_send_signal(int pidfd, int sig);

/* statx(2) on an open descriptor (AT_EMPTY_PATH): the file's birth time. 0 and the time when the filesystem
 * keeps it; -1 with errno (ENODATA when it does not). */
int fw_birth_time(int fd, int64_t *seconds, uint32_t *nanoseconds);

/* openat2(2) with RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS: no symbolic link is followed in any
 * component. -1 and errno on failure (ELOOP at a link; ENOSYS before Linux 5.6 or under a seccomp
 * filter that does not know it). */
int fw_openat_no_symlinks(int dirfd, const char *path, int flags);
#endif

#endif
