#ifndef FILEWATCHER_CSHIMS_SIGNALS_H
#define FILEWATCHER_CSHIMS_SIGNALS_H

/// The self-pipe trick: from the moment this returns, every `sig` the process receives is written
/// as one byte (the signal number) to `fd` by an async-signal-safe handler, so none is lost between
/// "stop ignoring" and "start listening" (a dispatch signal source leaves such a window, and a
/// disposition of SIG_IGN would also be inherited by every program filewatcher starts). The
/// previous disposition is kept for `cshim_signal_restore`. The signal is also unblocked in the
/// calling thread (call it from the main thread): a program may be started with it blocked. A signal handler can reach nothing but
/// process-wide state: one descriptor per signal number is the only such state here.
/// Returns 0, or -1 with errno set.
int cshim_signal_forward(int sig, int fd);

/// Gives `sig` back the disposition it had before `cshim_signal_forward`. Returns 0 or -1.
int cshim_signal_restore(int sig);

#endif
