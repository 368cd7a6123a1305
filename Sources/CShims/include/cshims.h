#ifndef FILEWATCHER_CSHIMS_H
#define FILEWATCHER_CSHIMS_H

/* Tiny C shim for what Swift cannot call or see directly. Everything platform-specific stays
 * inside its #ifdef; nothing here is visible on a platform it does not belong to. */

#include <stdint.h>
#include "cshims_detection.h"  /* detection's calls (pidfd_send_signal, statx btime) */
#include "cshims_bsd.h"        /* macOS/FreeBSD headers outside their Swift libc modules */
#include "cshims_signals.h"    /* signals forwarded to a pipe (the self-pipe trick) */
#include "cshims_pipe.h"       /* close-on-exec pipes for spawned programs (eslogger) */
#include "cshims_audit.h"      /* the kernel audit netlink socket (Linux) */

#ifdef __GLIBC__
/* Gives the heap's free pages back to the system (glibc's malloc_trim(0); <malloc.h> is not in
 * Swift's Glibc module). Returns 1 when memory was released. */
#include <malloc.h>
static inline int cshims_malloc_trim(void) { return malloc_trim(0); }
#endif

#ifdef __linux__
/* ---- fanotify (Linux) ------------------------------------------------------------------- */
#include <sys/fanotify.h>

/* Constants newer than some C library headers: the kernel ABI values. */
#ifndef FAN_OPEN_EXEC
#define FAN_OPEN_EXEC 0x00001000
#endif
#ifndef FAN_ATTRIB
#define FAN_ATTRIB 0x00000004
#endif
#ifndef FAN_MOVED_FROM
#define FAN_MOVED_FROM 0x00000040
#endif
#ifndef FAN_MOVED_TO
#define FAN_MOVED_TO 0x00000080
#endif
#ifndef FAN_CREATE
#define FAN_CREATE 0x00000100
#endif
#ifndef FAN_DELETE
#define FAN_DELETE 0x00000200
#endif
#ifndef FAN_DELETE_SELF
#define FAN_DELETE_SELF 0x00000400
#endif
#ifndef FAN_MOVE_SELF
#define FAN_MOVE_SELF 0x00000800
#endif
#ifndef FAN_RENAME
#define FAN_RENAME 0x10000000
#endif
#ifndef FAN_ONDIR
#define FAN_ONDIR 0x40000000
#endif
#ifndef FAN_REPORT_FID
#define FAN_REPORT_FID 0x00000200
#endif
#ifndef FAN_REPORT_DIR_FID
#define FAN_REPORT_DIR_FID 0x00000400
#endif
#ifndef FAN_REPORT_NAME
#define FAN_REPORT_NAME 0x00000800
#endif
#ifndef FAN_REPORT_TARGET_FID
#define FAN_REPORT_TARGET_FID 0x00001000
#endif
#ifndef FAN_REPORT_PIDFD
#define FAN_REPORT_PIDFD 0x00000080
#endif
#ifndef FAN_MARK_FILESYSTEM
#define FAN_MARK_FILESYSTEM 0x00000100
#endif
#ifndef FAN_EVENT_INFO_TYPE_FID
#define FAN_EVENT_INFO_TYPE_FID 1
#define FAN_EVENT_INFO_TYPE_DFID_NAME 2
#define FAN_EVENT_INFO_TYPE_DFID 3
#endif
#ifndef FAN_EVENT_INFO_TYPE_OLD_DFID_NAME
#define FAN_EVENT_INFO_TYPE_OLD_DFID_NAME 10
#define FAN_EVENT_INFO_TYPE_NEW_DFID_NAME 12
#endif

/* fanotify_init(2) / fanotify_mark(2): raw calls, -1 and errno on failure. */
int fw_fanotify_init(unsigned int flags, unsigned int event_f_flags);
int fw_fanotify_mark(int fanotify_fd, unsigned int flags, uint64_t mask, int dirfd, const char *pathname);

/* struct fanotify_event_metadata's size and the kernel's metadata version this build expects. */
uint32_t fw_fanotify_metadata_size(void);
uint8_t fw_fanotify_metadata_version(void);
/* FAN_EVENT_OK: does a complete event start at `buf` with `len` bytes left? */
int fw_fanotify_event_ok(const void *buf, long len);

/* open_by_handle_at(2) with the handle given as (type, bytes): -1 and errno on failure. */
int fw_open_by_handle_at(int mount_fd, int32_t handle_type, const void *handle_bytes,
                         uint32_t handle_length, int flags);
/* name_to_handle_at(2) of `pathname` relative to `dirfd` (AT_EMPTY_PATH in `flags`: `dirfd` itself): writes
 * the handle bytes (at most `capacity`) to `handle_bytes`, their count to `handle_length` and the type
 * to `handle_type`. 0, or -1 and errno. */
int fw_name_to_handle_at(int dirfd, const char *pathname, int flags, void *handle_bytes, uint32_t capacity,
                         uint32_t *handle_length, int32_t *handle_type);
/* AT_EMPTY_PATH (needs _GNU_SOURCE). */
int fw_at_empty_path(void);
/* O_DIRECTORY | O_PATH | O_CLOEXEC: a directory opened only to be referred to. */
int fw_o_path_directory(void);

/* pidfd_open(2): -1 and errno on failure (ENOSYS on kernels before 5.3). */
int fw_pidfd_open(int pid, unsigned int flags);

/* O_PATH (needs _GNU_SOURCE, which Swift's Glibc module does not set). */
int fw_o_path(void);

/* epoll without the packed struct epoll_event crossing into Swift. */
int fw_epoll_create(void);
/* Adds `fd` for readability (EPOLLIN) with user data `data`. */
int fw_epoll_add(int epfd, int fd, uint64_t data);
int fw_epoll_del(int epfd, int fd);
/* Waits; writes up to `max` user-data words to `datas`; returns the count, or -1 and errno. */
int fw_epoll_wait(int epfd, uint64_t *datas, int max, int timeout_ms);

/* fstatfs(2): the filesystem id (f_fsid, both words) of the filesystem holding `fd`. */
int fw_fsid(int fd, uint64_t *fsid);

/* ---- process events (the proc connector, Linux) ------------------------------------------ */
/* One process event, flattened from struct proc_event. */
struct fw_proc_event {
    uint32_t what;      /* FW_PROC_FORK, FW_PROC_EXEC, FW_PROC_UID, FW_PROC_EXIT */
    int32_t pid;        /* the process (thread group) it is about */
    int32_t parent;     /* FORK: the process that forked it */
    uint32_t ruid;      /* UID: the new real and effective uid */
    uint32_t euid;
};
enum { FW_PROC_FORK = 1, FW_PROC_EXEC = 2, FW_PROC_UID = 4, FW_PROC_EXIT = 0x80000000u };
/* A netlink socket subscribed to the kernel's process events (needs CAP_NET_ADMIN): non-blocking,
 * close-on-exec. The descriptor, or -1 and errno. */
int fw_proc_connector_open(void);
/* The events of one recv(2) on that socket, at most `max`; thread births and deaths are left out.
 * Returns how many were written to `out`. */
int fw_proc_connector_parse(const void *buf, long len, struct fw_proc_event *out, int max);
#endif /* __linux__ */

#endif /* FILEWATCHER_CSHIMS_H */
