#ifndef FILEWATCHER_CSHIMS_IOCTL_H
#define FILEWATCHER_CSHIMS_IOCTL_H

/// Portable ioctl with a pointer argument. ioctl(2) is variadic, which Swift cannot call;
/// this one function lets the Swift around it be the same on every platform.
/// Returns what ioctl returns (-1 with errno set on failure).
int cshim_ioctl_ptr(int fd, unsigned long request, void *arg);

#endif
