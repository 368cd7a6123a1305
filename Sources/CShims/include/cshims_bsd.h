#ifndef FILEWATCHER_CSHIMS_BSD_H
#define FILEWATCHER_CSHIMS_BSD_H

/* System headers of macOS and FreeBSD that their Swift C-library modules do not cover, made
 * visible to Swift through `import CShims` (checked by reading, see README "macOS and FreeBSD"):
 *   - macOS: <libproc.h> (proc_pidpath) is not part of the SDK's Darwin module map; the Swift
 *     runtime itself includes it through a header of its own (LibProcIncludeSystemHeader.h).
 *   - FreeBSD: <sys/sysctl.h> (sysctl, CTL_KERN, KERN_PROC, KERN_PROC_PATHNAME) is not listed in
 *     the Glibc module map Swift uses on FreeBSD (SwiftGlibc.h / libc-freebsd.modulemap). */

#if defined(__APPLE__)
#include <libproc.h>
#elif defined(__FreeBSD__)
#include <sys/types.h>
#include <sys/sysctl.h>
#endif

#endif
