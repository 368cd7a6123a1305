/* The floor: a fanotify listener that reads events and does nothing else (closes event fds).
 *   listener MODE MASK PATH
 *     MODE  fd   - descriptor per event (fatrace's classic mode)
 *           fid  - FAN_REPORT_DFID_NAME (directory handle + name per event, no descriptors)
 *     MASK  oc   - FAN_OPEN | FAN_CLOSE
 *           oamc - FAN_OPEN | FAN_ACCESS | FAN_MODIFY | FAN_CLOSE
 *           all  - oamc + exec + attrib (+ create, delete, rename in fid mode)
 *   Marks the filesystem holding PATH, unlimited queue, 256 KiB reads; stops on SIGINT/SIGTERM and
 *   prints the number of events read. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_signal(int s) { (void)s; stop = 1; }

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: listener fd|fid oc|oamc|all PATH\n"); return 2; }
  int fid = strcmp(argv[1], "fid") == 0;
  uint64_t mask = FAN_OPEN | FAN_CLOSE;
  if (strcmp(argv[2], "oamc") == 0 || strcmp(argv[2], "all") == 0) mask |= FAN_ACCESS | FAN_MODIFY;
  if (strcmp(argv[2], "all") == 0) {
    mask |= FAN_OPEN_EXEC;
    if (fid) mask |= FAN_ATTRIB | FAN_CREATE | FAN_DELETE | FAN_RENAME | FAN_ONDIR;
  }
  unsigned flags = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_UNLIMITED_QUEUE | (fid ? FAN_REPORT_DFID_NAME : 0);
  int fd = fanotify_init(flags, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
  if (fd < 0) { perror("fanotify_init"); return 1; }
  if (fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask, AT_FDCWD, argv[3]) < 0) { perror("fanotify_mark"); return 1; }
  struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL); sigaction(SIGTERM, &sa, NULL);
  static char buf[256 * 1024] __attribute__((aligned(8)));
  unsigned long events = 0;
  pid_t self = getpid();
  while (!stop) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) { if (errno == EINTR) continue; perror("read"); return 1; }
    struct fanotify_event_metadata *m = (struct fanotify_event_metadata *)buf;
    while (FAN_EVENT_OK(m, n)) {
      if (m->vers != FANOTIFY_METADATA_VERSION) { fprintf(stderr, "metadata version mismatch\n"); return 1; }
      if (m->fd >= 0) close(m->fd);
      if (m->pid != self) events++;
      m = FAN_EVENT_NEXT(m, n);
    }
  }
  fprintf(stderr, "listener: %lu events\n", events);
  return 0;
}
