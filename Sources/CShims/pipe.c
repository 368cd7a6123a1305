#ifdef __linux__
#define _GNU_SOURCE
#endif
#include "cshims_pipe.h"
#include <fcntl.h>
#include <unistd.h>

int cshim_pipe_cloexec(int fds[2]) {
#ifdef __linux__
    return pipe2(fds, O_CLOEXEC);
#else
    if (pipe(fds) != 0) return -1;
    (void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}
