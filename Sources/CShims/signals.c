#include "cshims_signals.h"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#define FW_MAX_SIGNAL 65
static volatile sig_atomic_t forward_fd[FW_MAX_SIGNAL];
static struct sigaction previous[FW_MAX_SIGNAL];
static volatile sig_atomic_t saved[FW_MAX_SIGNAL];

static void forward(int sig) {
    int kept = errno;
    if (sig > 0 && sig < FW_MAX_SIGNAL) {
        unsigned char byte = (unsigned char)sig;
        ssize_t n = write((int)forward_fd[sig], &byte, 1);  /* a full pipe: signals are pending already */
        (void)n;
    }
    errno = kept;
}

int cshim_signal_forward(int sig, int fd) {
    if (sig <= 0 || sig >= FW_MAX_SIGNAL) { errno = EINVAL; return -1; }
    forward_fd[sig] = fd;
    struct sigaction sa;
    sa.sa_handler = forward;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    struct sigaction old;
    if (sigaction(sig, &sa, &old) != 0) return -1;
    if (!saved[sig]) { previous[sig] = old; saved[sig] = 1; }
    /* A parent may have started us with the signal blocked (a spawning thread's mask is inherited:
     * dispatch worker threads block nearly every signal): unblock it here, or it stays pending. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    return pthread_sigmask(SIG_UNBLOCK, &set, NULL) == 0 ? 0 : -1;
}

int cshim_signal_restore(int sig) {
    if (sig <= 0 || sig >= FW_MAX_SIGNAL || !saved[sig]) { errno = EINVAL; return -1; }
    saved[sig] = 0;
    return sigaction(sig, &previous[sig], NULL);
}
