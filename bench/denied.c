/* Failing-open loop for the live audit benchmark: as the user nobody, open(FILE, O_RDONLY) N times;
 * every open must fail (FILE is mode 0600, owned by root). Prints the wall time of the loop.
 *   denied N FILE        (run as root: it drops to uid/gid 65534 first) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: denied N FILE\n"); return 2; }
  long n = atol(argv[1]);
  if (setgid(65534) != 0 || setuid(65534) != 0) { perror("setuid nobody"); return 1; }
  double t0 = now();
  for (long i = 0; i < n; i++) {
    int fd = open(argv[2], O_RDONLY);
    if (fd >= 0) { fprintf(stderr, "denied: open succeeded\n"); close(fd); return 1; }
    if (errno != EACCES) { perror(argv[2]); return 1; }
  }
  printf("%.4f\n", now() - t0);
  return 0;
}
