/* fw-oracle: the ground truth for filewatcher's live source.
 *
 *   fw-oracle ROOT OPS SEED [WORKERS [PACE_US]]
 *
 * A coordinator keeps a model of the tree under ROOT (an existing, empty directory) and has WORKERS
 * worker processes (default 3) do OPS random real file operations in it, one at a time: every
 * operation has one well-defined moment, so the path of every object at that moment is known. Some
 * operations are done by short-lived children (a fork that writes and exits at once; a fork that
 * opens a file and execs a program writing to it; the exec of programs installed in the tree).
 *
 * Standard output: one line per event the kernel must (or may) report, tab separated:
 *   kind  path  dest  pid  name  dir  need  op
 *     kind  open read write close create delete rename attrib exec
 *     path  the object's path at the moment of the operation; dest: a rename's destination or "-"
 *     pid   the process that made the call; name: its command name at that moment (comm)
 *     dir   1 when the object is a directory
 *     need  1 required; 0 allowed (the kernel's own reads and close of a binary it execs)
 *     op    the operation's number (from 1)
 *     ident what the kernel compares when it merges a process's queued events into one: the parent
 *           directory (which keeps its identity when renamed), the entry's name and the file's inode
 *           ("F<dir>/<name>#<inode>"; "D<dir>" for a directory's own events; "R..." for a rename).
 *           Two events of one process with the same ident may be reported as one, at the first one's
 *           path, when the second happens while the first still waits in the kernel's queue.
 * Nothing is printed for events outside ROOT (libraries, the programs /bin/echo and /bin/true).
 * Exit status 0 when every operation succeeded; 1 with a message on standard error otherwise
 * (the model and the tree disagree: a bug in this program); 2 for a usage error.
 *
 * Operations (weights in `pick`): create (open O_EXCL, write, close), read, append, hold a file open
 * and later write to it or close it (after renames: the path at that moment), rename within and across
 * directories, rename over an existing file, replace by rename as `sed -i` does (read, write a
 * temporary file, fchmod, rename it over the original), unlink, mkdir, rmdir, rename a directory
 * (also into another one), chmod, list a directory, exec a program installed in the tree, a child
 * that appends and exits, a child that opens a file as its standard output and execs /bin/echo. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MAX_ENTRIES = 4096, NAME_MAX_LEN = 64, PATH_LEN = 4096, SLOTS = 8, MAX_WORKERS = 16 };
enum { FREE = 0, FILE_E, DIR_E, EXE_E };

/* ---- the model ------------------------------------------------------------------------------ */

struct entry {
    int type;           /* FREE, FILE_E, DIR_E, EXE_E */
    int parent;         /* entry index; the root is 0 */
    char name[NAME_MAX_LEN];
    int holder;         /* worker * SLOTS + slot holding it open, or -1 */
    int inode;          /* which file this is (a replace by rename gives the name a new one) */
};

static struct entry entries[MAX_ENTRIES];
static char root_path[PATH_LEN];
static unsigned long long rng_state;
static unsigned name_counter;
static int inode_counter;

static unsigned rnd(unsigned n) {
    /* xorshift64*: deterministic for a seed */
    rng_state ^= rng_state >> 12; rng_state ^= rng_state << 25; rng_state ^= rng_state >> 27;
    return n ? (unsigned)((rng_state * 2685821657736338717ULL) >> 33) % n : 0;
}

static void path_of(int e, char *out) {
    if (e == 0) { snprintf(out, PATH_LEN, "%s", root_path); return; }
    char parent[PATH_LEN];
    path_of(entries[e].parent, parent);
    snprintf(out, PATH_LEN, "%s/%s", parent, entries[e].name);
}

static int alloc_entry(int type, int parent, const char *name) {
    for (int i = 1; i < MAX_ENTRIES; i++) if (entries[i].type == FREE) {
        entries[i].type = type; entries[i].parent = parent; entries[i].holder = -1; entries[i].inode = ++inode_counter;
        snprintf(entries[i].name, NAME_MAX_LEN, "%s", name);
        return i;
    }
    return -1;
}

static int count_type(int type) { int n = 0; for (int i = 1; i < MAX_ENTRIES; i++) n += entries[i].type == type; return n; }

/* A random live entry of `type` (FILE_E also matches EXE_E when `any_file`), or -1. */
static int pick_entry(int type, int with_root) {
    int candidates[MAX_ENTRIES], n = 0;
    if (with_root && type == DIR_E) candidates[n++] = 0;
    for (int i = 1; i < MAX_ENTRIES; i++) if (entries[i].type == type) candidates[n++] = i;
    return n ? candidates[rnd((unsigned)n)] : -1;
}

static int is_inside(int e, int dir) { /* e is dir or below it */
    for (int x = e; ; x = entries[x].parent) { if (x == dir) return 1; if (x == 0) return 0; }
}

static int has_children(int dir) { for (int i = 1; i < MAX_ENTRIES; i++) if (entries[i].type != FREE && entries[i].parent == dir) return 1; return 0; }

static int holds_inside(int dir) { for (int i = 1; i < MAX_ENTRIES; i++) if (entries[i].type != FREE && entries[i].holder >= 0 && is_inside(i, dir)) return 1; return 0; }

static void new_name(char *out, const char *prefix) {
    /* Mostly plain; now and then a space or a non-ASCII letter (UTF-8), as real names have. */
    unsigned n = ++name_counter;
    switch (rnd(10)) {
    case 0: snprintf(out, NAME_MAX_LEN, "%s %u", prefix, n); break;
    case 1: snprintf(out, NAME_MAX_LEN, "%s-\xc3\xa9t\xc3\xa9-%u", prefix, n); break;
    default: snprintf(out, NAME_MAX_LEN, "%s%u", prefix, n); break;
    }
}

/* ---- workers -------------------------------------------------------------------------------- */

enum op {
    OP_CREATE = 1, OP_READ, OP_APPEND, OP_HOLD, OP_HELD_WRITE, OP_HELD_CLOSE, OP_RENAME, OP_SED, OP_UNLINK,
    OP_MKDIR, OP_RMDIR, OP_CHMOD, OP_LIST, OP_INSTALL, OP_EXEC, OP_CHILD_APPEND, OP_CHILD_REDIRECT, OP_QUIT
};

struct request { int op; int slot; int mode; char path[PATH_LEN]; char dest[PATH_LEN]; };
struct reply { int error; int child; };

static int write_all(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) { ssize_t w = write(fd, p, n); if (w < 0) { if (errno == EINTR) continue; return -1; } p += w; n -= (size_t)w; }
    return 0;
}

static int read_full(int fd, void *buf, size_t n) {
    char *p = buf;
    while (n > 0) { ssize_t r = read(fd, p, n); if (r < 0) { if (errno == EINTR) continue; return -1; } if (r == 0) return -1; p += r; n -= (size_t)r; }
    return 0;
}

static int wait_child(pid_t pid) {
    int status;
    while (waitpid(pid, &status, 0) < 0) if (errno != EINTR) return errno;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : ECHILD;
}

#define CHECK(x) do { if ((x) < 0) return errno ? errno : EIO; } while (0)

static int do_request(struct request *q, int *held, int *child) {
    char buf[65536];
    int fd, fd2;
    switch (q->op) {
    case OP_CREATE:
        CHECK(fd = open(q->path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644));
        CHECK(write_all(fd, "created\n", 8)); close(fd); return 0;
    case OP_READ:
        CHECK(fd = open(q->path, O_RDONLY | O_CLOEXEC));
        CHECK(read(fd, buf, sizeof buf)); close(fd); return 0;
    case OP_APPEND:
        CHECK(fd = open(q->path, O_WRONLY | O_APPEND | O_CLOEXEC));
        CHECK(write_all(fd, "more\n", 5)); close(fd); return 0;
    case OP_HOLD:
        CHECK(held[q->slot] = open(q->path, O_RDWR | O_CLOEXEC)); return 0;
    case OP_HELD_WRITE:
        CHECK(write_all(held[q->slot], "held\n", 5)); return 0;
    case OP_HELD_CLOSE:
        close(held[q->slot]); held[q->slot] = -1; return 0;
    case OP_RENAME:
        CHECK(rename(q->path, q->dest)); return 0;
    case OP_SED:  /* path: the file; dest: the temporary file beside it */
        CHECK(fd = open(q->path, O_RDONLY | O_CLOEXEC));
        CHECK(read(fd, buf, sizeof buf));
        CHECK(fd2 = open(q->dest, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
        CHECK(fchmod(fd2, 0644));
        CHECK(write_all(fd2, "edited\n", 7));
        close(fd2); close(fd);
        CHECK(rename(q->dest, q->path)); return 0;
    case OP_UNLINK:
        CHECK(unlink(q->path)); return 0;
    case OP_MKDIR:
        CHECK(mkdir(q->path, 0755)); return 0;
    case OP_RMDIR:
        CHECK(rmdir(q->path)); return 0;
    case OP_CHMOD:
        CHECK(chmod(q->path, (mode_t)q->mode)); return 0;
    case OP_LIST: {
        DIR *d = opendir(q->path);
        if (!d) return errno;
        while (readdir(d)) {}
        closedir(d); return 0;
    }
    case OP_INSTALL: {  /* copy /bin/true to path, make it executable */
        CHECK(fd = open("/bin/true", O_RDONLY | O_CLOEXEC));
        CHECK(fd2 = open(q->path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0) CHECK(write_all(fd2, buf, (size_t)n));
        close(fd); close(fd2);
        CHECK(chmod(q->path, 0755)); return 0;
    }
    case OP_EXEC: {
        pid_t pid = fork();
        if (pid < 0) return errno;
        if (pid == 0) { char *argv[] = { q->path, NULL }; execv(q->path, argv); _exit(127); }
        *child = pid; return wait_child(pid);
    }
    case OP_CHILD_APPEND: {
        pid_t pid = fork();
        if (pid < 0) return errno;
        if (pid == 0) {
            int f = open(q->path, O_WRONLY | O_APPEND | O_CLOEXEC);
            if (f < 0 || write_all(f, "child\n", 6) < 0) _exit(1);
            close(f); _exit(0);
        }
        *child = pid; return wait_child(pid);
    }
    case OP_CHILD_REDIRECT: {  /* sh's `echo x >> path`: open in the fork, exec the program */
        pid_t pid = fork();
        if (pid < 0) return errno;
        if (pid == 0) {
            int f = open(q->path, O_WRONLY | O_APPEND);
            if (f < 0 || dup2(f, 1) < 0) _exit(1);
            close(f);
            char *argv[] = { "echo", "x", NULL };
            execv("/bin/echo", argv); _exit(127);
        }
        *child = pid; return wait_child(pid);
    }
    }
    return EINVAL;
}

static void worker_loop(int in, int out) {
    int held[SLOTS];
    for (int i = 0; i < SLOTS; i++) held[i] = -1;
    struct request q;
    while (read_full(in, &q, sizeof q) == 0 && q.op != OP_QUIT) {
        struct reply r = { 0, 0 };
        errno = 0;
        r.error = do_request(&q, held, &r.child);
        if (write_all(out, &r, sizeof r) < 0) break;
    }
    _exit(0);
}

/* ---- the coordinator ------------------------------------------------------------------------ */

static int worker_in[MAX_WORKERS], worker_out[MAX_WORKERS];
static pid_t worker_pid[MAX_WORKERS];
static int workers = 3;
static unsigned long op_number;
static const char *worker_name = "fw-oracle";

static char ident[PATH_LEN];

/* The identity the kernel merges by (see the header), of entry `e` (`self`: a directory's own events). */
static const char *ident_of(int e, int self) {
    if (self) snprintf(ident, sizeof ident, "D%d", e);
    else snprintf(ident, sizeof ident, "F%d/%s#%d", entries[e].parent, entries[e].name, entries[e].inode);
    return ident;
}

static void emit_as(const char *kind, const char *path, const char *dest, pid_t pid, const char *name, int dir, int need,
                    const char *id) {
    printf("%s\t%s\t%s\t%d\t%s\t%d\t%d\t%lu\t%s\n", kind, path, dest ? dest : "-", (int)pid, name, dir, need, op_number, id);
}

/* The current ident (set by ident_of) applies. */
static void emit(const char *kind, const char *path, const char *dest, pid_t pid, const char *name, int dir, int need) {
    emit_as(kind, path, dest, pid, name, dir, need, ident);
}

static struct reply run(int w, struct request *q) {
    struct reply r;
    if (write_all(worker_in[w], q, sizeof *q) < 0 || read_full(worker_out[w], &r, sizeof r) < 0) {
        fprintf(stderr, "fw-oracle: worker %d died\n", w); exit(1);
    }
    if (r.error) {
        fprintf(stderr, "fw-oracle: operation %lu (%d) on '%s' '%s' failed: %s\n", op_number, q->op, q->path, q->dest, strerror(r.error));
        exit(1);
    }
    return r;
}

/* The command name a program gets when exec'd from `path`: its base name, at most 15 bytes. */
static void comm_of(const char *path, char *out) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(out, 16, "%s", base);
}

static void content(const char *path, pid_t pid, const char *name, int write_kind) {
    emit("open", path, NULL, pid, name, 0, 1);
    emit(write_kind ? "write" : "read", path, NULL, pid, name, 0, 1);
    emit("close", path, NULL, pid, name, 0, 1);
}

static void one_operation(void) {
    struct request q;
    memset(&q, 0, sizeof q);
    int w = (int)rnd((unsigned)workers);
    pid_t wp = worker_pid[w];
    const char *wn = worker_name;
    int files = count_type(FILE_E), dirs = count_type(DIR_E);
    char name[NAME_MAX_LEN], child_name[16];
    for (int attempt = 0; attempt < 64; attempt++) {
        unsigned roll = rnd(100);
        if (roll < 14) {  /* create */
            if (files >= 300) continue;
            int d = pick_entry(DIR_E, 1);
            new_name(name, "f");
            int e = alloc_entry(FILE_E, d, name);
            if (e < 0) continue;
            path_of(e, q.path); q.op = OP_CREATE; run(w, &q);
            ident_of(e, 0);
            emit("create", q.path, NULL, wp, wn, 0, 1);
            content(q.path, wp, wn, 1);
            return;
        }
        if (roll < 26 || roll < 34) {  /* read / append */
            int e = pick_entry(FILE_E, 0);
            if (e < 0) continue;
            path_of(e, q.path); q.op = roll < 26 ? OP_READ : OP_APPEND; run(w, &q);
            ident_of(e, 0);
            content(q.path, wp, wn, q.op == OP_APPEND);
            return;
        }
        if (roll < 38) {  /* hold open */
            int e = pick_entry(FILE_E, 0), slot = (int)rnd(SLOTS);
            if (e < 0 || entries[e].holder >= 0) continue;
            int taken = 0;
            for (int i = 1; i < MAX_ENTRIES; i++) if (entries[i].type != FREE && entries[i].holder == w * SLOTS + slot) taken = 1;
            if (taken) continue;
            path_of(e, q.path); q.op = OP_HOLD; q.slot = slot; run(w, &q);
            entries[e].holder = w * SLOTS + slot;
            ident_of(e, 0);
            emit("open", q.path, NULL, wp, wn, 0, 1);
            return;
        }
        if (roll < 47) {  /* write to / close a held file: at its path now */
            int held[MAX_ENTRIES], n = 0;
            for (int i = 1; i < MAX_ENTRIES; i++) if (entries[i].type == FILE_E && entries[i].holder >= 0) held[n++] = i;
            if (n == 0) continue;
            int e = held[rnd((unsigned)n)];
            int hw = entries[e].holder / SLOTS;
            q.slot = entries[e].holder % SLOTS;
            path_of(e, q.path);
            q.op = roll < 42 ? OP_HELD_WRITE : OP_HELD_CLOSE;
            run(hw, &q);
            ident_of(e, 0);
            emit(q.op == OP_HELD_WRITE ? "write" : "close", q.path, NULL, worker_pid[hw], wn, 0, 1);
            if (q.op == OP_HELD_CLOSE) entries[e].holder = -1;
            return;
        }
        if (roll < 59) {  /* rename a file: same directory, another one, or over an existing file */
            int e = pick_entry(rnd(6) == 0 ? EXE_E : FILE_E, 0);
            if (e < 0) continue;
            int over = entries[e].type == FILE_E && rnd(3) == 0 ? pick_entry(FILE_E, 0) : -1;
            if (over == e || (over >= 0 && entries[over].holder >= 0)) continue;
            path_of(e, q.path);
            char from[PATH_LEN];
            snprintf(from, sizeof from, "R%d/%s", entries[e].parent, entries[e].name);
            if (over >= 0) {
                path_of(over, q.dest);
                entries[e].parent = entries[over].parent;
                snprintf(entries[e].name, NAME_MAX_LEN, "%s", entries[over].name);
                entries[over].type = FREE;
            } else {
                int d = rnd(2) ? entries[e].parent : pick_entry(DIR_E, 1);
                new_name(name, "r");
                entries[e].parent = d; snprintf(entries[e].name, NAME_MAX_LEN, "%s", name);
                path_of(e, q.dest);
            }
            q.op = OP_RENAME; run(w, &q);
            snprintf(ident, sizeof ident, "%s>%d/%s#%d", from, entries[e].parent, entries[e].name, entries[e].inode);
            emit("rename", q.path, q.dest, wp, wn, 0, 1);
            return;
        }
        if (roll < 64) {  /* replace by rename, as sed -i does */
            int e = pick_entry(FILE_E, 0);
            if (e < 0 || entries[e].holder >= 0) continue;
            path_of(e, q.path);
            char dir[PATH_LEN]; path_of(entries[e].parent, dir);
            new_name(name, ".sed");
            snprintf(q.dest, PATH_LEN, "%s/%s", dir, name);
            q.op = OP_SED; run(w, &q);
            char old_id[PATH_LEN], tmp_id[PATH_LEN];
            snprintf(old_id, sizeof old_id, "%s", ident_of(e, 0));
            int tmp_inode = ++inode_counter;
            snprintf(tmp_id, sizeof tmp_id, "F%d/%s#%d", entries[e].parent, name, tmp_inode);
            emit_as("open", q.path, NULL, wp, wn, 0, 1, old_id);
            emit_as("read", q.path, NULL, wp, wn, 0, 1, old_id);
            emit_as("create", q.dest, NULL, wp, wn, 0, 1, tmp_id);
            emit_as("open", q.dest, NULL, wp, wn, 0, 1, tmp_id);
            emit_as("attrib", q.dest, NULL, wp, wn, 0, 1, tmp_id);
            emit_as("write", q.dest, NULL, wp, wn, 0, 1, tmp_id);
            emit_as("close", q.dest, NULL, wp, wn, 0, 1, tmp_id);
            emit_as("close", q.path, NULL, wp, wn, 0, 1, old_id);
            snprintf(ident, sizeof ident, "R%d/%s>%d/%s#%d", entries[e].parent, name, entries[e].parent, entries[e].name, tmp_inode);
            emit("rename", q.dest, q.path, wp, wn, 0, 1);
            entries[e].inode = tmp_inode;
            return;
        }
        if (roll < 71) {  /* unlink */
            int e = pick_entry(FILE_E, 0);
            if (e < 0 || entries[e].holder >= 0 || files < 8) continue;
            path_of(e, q.path); q.op = OP_UNLINK; run(w, &q);
            ident_of(e, 0);
            entries[e].type = FREE;
            emit("delete", q.path, NULL, wp, wn, 0, 1);
            return;
        }
        if (roll < 76) {  /* mkdir */
            if (dirs >= 40) continue;
            int d = pick_entry(DIR_E, 1);
            new_name(name, "d");
            int e = alloc_entry(DIR_E, d, name);
            if (e < 0) continue;
            path_of(e, q.path); q.op = OP_MKDIR; run(w, &q);
            ident_of(e, 0);
            emit("create", q.path, NULL, wp, wn, 1, 1);
            return;
        }
        if (roll < 78) {  /* rmdir */
            int e = pick_entry(DIR_E, 0);
            if (e < 0 || has_children(e)) continue;
            path_of(e, q.path); q.op = OP_RMDIR; run(w, &q);
            ident_of(e, 0);
            entries[e].type = FREE;
            emit("delete", q.path, NULL, wp, wn, 1, 1);
            return;
        }
        if (roll < 83) {  /* rename a directory, within its parent or into another directory */
            int e = pick_entry(DIR_E, 0);
            if (e < 0) continue;
            int d = rnd(2) ? entries[e].parent : pick_entry(DIR_E, 1);
            if (is_inside(d, e)) continue;
            path_of(e, q.path);
            char from_dir[PATH_LEN];
            snprintf(from_dir, sizeof from_dir, "R%d/%s", entries[e].parent, entries[e].name);
            new_name(name, "m");
            entries[e].parent = d; snprintf(entries[e].name, NAME_MAX_LEN, "%s", name);
            path_of(e, q.dest);
            q.op = OP_RENAME; run(w, &q);
            snprintf(ident, sizeof ident, "%s>%d/%s#%d", from_dir, entries[e].parent, entries[e].name, entries[e].inode);
            emit("rename", q.path, q.dest, wp, wn, 1, 1);
            (void)holds_inside;
            return;
        }
        if (roll < 87) {  /* chmod */
            int e = rnd(3) ? pick_entry(FILE_E, 0) : pick_entry(DIR_E, 0);
            if (e < 0) continue;
            path_of(e, q.path); q.op = OP_CHMOD; q.mode = entries[e].type == DIR_E ? (rnd(2) ? 0755 : 0700) : (rnd(2) ? 0644 : 0600);
            run(w, &q);
            ident_of(e, entries[e].type == DIR_E);
            emit("attrib", q.path, NULL, wp, wn, entries[e].type == DIR_E, 1);
            return;
        }
        if (roll < 90) {  /* list a directory */
            int e = pick_entry(DIR_E, 0);
            if (e < 0) continue;
            path_of(e, q.path); q.op = OP_LIST; run(w, &q);
            ident_of(e, 1);
            emit("open", q.path, NULL, wp, wn, 1, 1);
            emit("read", q.path, NULL, wp, wn, 1, 1);
            emit("close", q.path, NULL, wp, wn, 1, 1);
            return;
        }
        if (roll < 93) {  /* exec a program installed in the tree (install one when there is none) */
            int e = pick_entry(EXE_E, 0);
            if (e < 0 || rnd(8) == 0) {
                if (count_type(EXE_E) >= 4) continue;
                int d = pick_entry(DIR_E, 1);
                new_name(name, "tool");
                e = alloc_entry(EXE_E, d, name);
                if (e < 0) continue;
                path_of(e, q.path); q.op = OP_INSTALL; run(w, &q);
                ident_of(e, 0);
                emit("create", q.path, NULL, wp, wn, 0, 1);
                content(q.path, wp, wn, 1);
                emit("attrib", q.path, NULL, wp, wn, 0, 1);
                return;
            }
            path_of(e, q.path); q.op = OP_EXEC;
            struct reply r = run(w, &q);
            comm_of(q.path, child_name);
            ident_of(e, 0);
            emit("exec", q.path, NULL, r.child, child_name, 0, 1);
            emit("open", q.path, NULL, r.child, child_name, 0, 0);
            emit("read", q.path, NULL, r.child, child_name, 0, 0);
            emit("close", q.path, NULL, r.child, child_name, 0, 0);
            return;
        }
        if (roll < 97) {  /* a child that appends and exits at once */
            int e = pick_entry(FILE_E, 0);
            if (e < 0) continue;
            path_of(e, q.path); q.op = OP_CHILD_APPEND;
            struct reply r = run(w, &q);
            ident_of(e, 0);
            content(q.path, r.child, wn, 1);
            return;
        }
        {  /* a child that opens a file as its standard output and execs /bin/echo */
            int e = pick_entry(FILE_E, 0);
            if (e < 0) continue;
            path_of(e, q.path); q.op = OP_CHILD_REDIRECT;
            struct reply r = run(w, &q);
            ident_of(e, 0);
            emit("open", q.path, NULL, r.child, wn, 0, 1);
            emit("write", q.path, NULL, r.child, "echo", 0, 1);
            emit("close", q.path, NULL, r.child, "echo", 0, 1);
            return;
        }
    }
    /* Nothing fitted (a full or empty tree): make a directory or a file at the top. */
    new_name(name, "f");
    int e = alloc_entry(FILE_E, 0, name);
    path_of(e, q.path); q.op = OP_CREATE; run(w, &q);
    ident_of(e, 0);
    emit("create", q.path, NULL, wp, wn, 0, 1);
    content(q.path, wp, wn, 1);
}

int main(int argc, char **argv) {
    if (argc < 4 || argc > 6) {
        fprintf(stderr, "usage: fw-oracle ROOT OPS SEED [WORKERS [PACE_US]]\n");
        return 2;
    }
    if (realpath(argv[1], root_path) == NULL) { fprintf(stderr, "fw-oracle: %s: %s\n", argv[1], strerror(errno)); return 2; }
    long ops = atol(argv[2]);
    rng_state = (unsigned long long)strtoull(argv[3], NULL, 10) * 0x9E3779B97F4A7C15ULL + 1;
    if (argc > 4) workers = atoi(argv[4]);
    long pace = argc > 5 ? atol(argv[5]) : 0;
    if (ops < 0 || workers < 1 || workers > MAX_WORKERS || pace < 0) { fprintf(stderr, "fw-oracle: bad arguments\n"); return 2; }
    const char *base = strrchr(argv[0], '/');
    static char own_name[16];
    snprintf(own_name, sizeof own_name, "%s", base ? base + 1 : argv[0]);
    worker_name = own_name;
    entries[0].type = DIR_E; entries[0].parent = 0; entries[0].holder = -1;
    fflush(stdout);
    for (int w = 0; w < workers; w++) {
        int to[2], from[2];
        if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0) { perror("pipe"); return 1; }
        pid_t pid = fork();
        if (pid < 0) { perror("fork"); return 1; }
        if (pid == 0) { close(to[1]); close(from[0]); worker_loop(to[0], from[1]); }
        close(to[0]); close(from[1]);
        worker_in[w] = to[1]; worker_out[w] = from[0]; worker_pid[w] = pid;
    }
    for (op_number = 1; op_number <= (unsigned long)ops; op_number++) {
        one_operation();
        if (pace > 0 && rnd(8) == 0) usleep((useconds_t)rnd((unsigned)pace));
    }
    /* Close what is still held (its close is part of the truth too), then stop the workers. */
    for (int i = 1; i < MAX_ENTRIES; i++) if (entries[i].type == FILE_E && entries[i].holder >= 0) {
        struct request q; memset(&q, 0, sizeof q);
        int hw = entries[i].holder / SLOTS;
        q.op = OP_HELD_CLOSE; q.slot = entries[i].holder % SLOTS; path_of(i, q.path);
        run(hw, &q);
        ident_of(i, 0);
        emit("close", q.path, NULL, worker_pid[hw], worker_name, 0, 1);
        entries[i].holder = -1;
    }
    for (int w = 0; w < workers; w++) {
        struct request q; memset(&q, 0, sizeof q); q.op = OP_QUIT;
        write_all(worker_in[w], &q, sizeof q);
        int status; waitpid(worker_pid[w], &status, 0);
    }
    fflush(stdout);
    return 0;
}
