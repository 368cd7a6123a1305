#ifndef FILEWATCHER_CSHIMS_PIPE_H
#define FILEWATCHER_CSHIMS_PIPE_H

/// A pipe whose two ends are close-on-exec from the start where the system can (Linux pipe2(2),
/// which Swift's Glibc module does not export; elsewhere pipe(2) then FD_CLOEXEC, and the caller
/// keeps the descriptors out of concurrent spawns, e.g. with POSIX_SPAWN_CLOEXEC_DEFAULT).
/// Returns 0, or -1 with errno set.
int cshim_pipe_cloexec(int fds[2]);

#endif
