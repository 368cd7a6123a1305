/* The floor: a fanotify listener that reads events and does nothing else (closes event fds).
 *   listener MODE MASK PATH [DELAY_US]
 *     MODE  fd      - descriptor per event (fatrace's classic mode)
 *           object  - FAN_REPORT_FID: the file's own handle per event (fatrace 0.17's mode)
 *           fid     - FAN_REPORT_DFID_NAME (directory handle + name per event, no descriptors)
 *           fd+names - an fd group for MASK beside a FAN_REPORT_DFID_NAME group for create, delete and
 *                     rename (which the rw workload never causes): what a name-reporting filesystem
 *                     mark costs the other groups' events
 *     MASK  oc   - FAN_OPEN | FAN_CLOSE
 *           oamc - FAN_OPEN | FAN_ACCESS | FAN_MODIFY | FAN_CLOSE
 *           all  - oamc + exec + attrib (+ create, delete, rename in fid mode)
 *     DELAY_US - after each non-empty read, sleep this long (batching, as filewatcher does); default 0
 *   Marks the filesystem holding PATH, unlimited queue, 256 KiB reads; stops on SIGINT/SIGTERM and
 *   prints the number of events read. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_signal(int s) { (void)s; stop = 1; }

static int group(unsigned report, uint64_t mask, const char *path) {
  unsigned flags = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_UNLIMITED_QUEUE | FAN_NONBLOCK | report;
  int fd = fanotify_init(flags, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
  if (fd < 0) { perror("fanotify_init"); exit(1); }
  if (fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask, AT_FDCWD, path) < 0) { perror("fanotify_mark"); exit(1); }
  return fd;
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) { fprintf(stderr, "usage: listener fd|object|fid|fd+names oc|oamc|all PATH [DELAY_US]\n"); return 2; }
  const char *mode = argv[1];
  int names = strcmp(mode, "fid") == 0;
  uint64_t mask = FAN_OPEN | FAN_CLOSE;
  if (strcmp(argv[2], "oamc") == 0 || strcmp(argv[2], "all") == 0) mask |= FAN_ACCESS | FAN_MODIFY;
  if (strcmp(argv[2], "all") == 0) {
    mask |= FAN_OPEN_EXEC;
    if (names) mask |= FAN_ATTRIB | FAN_CREATE | FAN_DELETE | FAN_RENAME | FAN_ONDIR;
  }
  unsigned report = 0;
  if (names) report = FAN_REPORT_DFID_NAME;
  else if (strcmp(mode, "object") == 0) report = FAN_REPORT_FID;
  else if (strcmp(mode, "fd") != 0 && strcmp(mode, "fd+names") != 0) { fprintf(stderr, "unknown mode %s\n", mode); return 2; }
  struct pollfd fds[2];
  int n = 0;
  fds[n++].fd = group(report, mask, argv[3]);
  if (strcmp(mode, "fd+names") == 0)
    fds[n++].fd = group(FAN_REPORT_DFID_NAME, FAN_CREATE | FAN_DELETE | FAN_RENAME | FAN_ONDIR, argv[3]);
  for (int i = 0; i < n; i++) fds[i].events = POLLIN;
  useconds_t delay = argc == 5 ? (useconds_t)atol(argv[4]) : 0;
  struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL); sigaction(SIGTERM, &sa, NULL);
  static char buf[256 * 1024] __attribute__((aligned(8)));
  unsigned long events = 0;
  pid_t self = getpid();
  while (!stop) {
    if (poll(fds, n, 200) <= 0) continue;
    int got = 0;
    for (int i = 0; i < n; i++) {
      for (;;) {
        ssize_t len = read(fds[i].fd, buf, sizeof buf);
        if (len <= 0) break;
        got = 1;
        struct fanotify_event_metadata *m = (struct fanotify_event_metadata *)buf;
        while (FAN_EVENT_OK(m, len)) {
          if (m->vers != FANOTIFY_METADATA_VERSION) { fprintf(stderr, "metadata version mismatch\n"); return 1; }
          if (m->fd >= 0) close(m->fd);
          if (m->pid != self) events++;
          m = FAN_EVENT_NEXT(m, len);
        }
      }
    }
    if (got && delay) usleep(delay);
  }
  fprintf(stderr, "listener: %lu events\n", events);
  return 0;
}
