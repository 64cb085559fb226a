/* Data safety: for each way a write can fail — a file that cannot be
 * replaced, a full disk (a file-size limit), a signal in the middle of a
 * deck — the files that existed before are byte for byte as they were,
 * and no temporary file is left. Writing to a device, a FIFO, through a
 * symbolic link or over a 0600 file does what atomic.h documents.
 * Runs the real binary (MASKSCOPE_BIN). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"

/* ---- folders as they were --------------------------------------------------- */

#define SNAP_MAX 128

typedef struct Snapshot {
    int n;
    char name[SNAP_MAX][256];
    char *data[SNAP_MAX];
    long len[SNAP_MAX];
} Snapshot;

static int by_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* every entry of dir (names sorted), with the bytes of the regular files */
static void snap(const char *dir, Snapshot *s)
{
    memset(s, 0, sizeof *s);
    DIR *d = opendir(dir);
    if (!d) return; /* a folder that does not exist is an empty snapshot */
    struct dirent *e;
    while ((e = readdir(d)) && s->n < SNAP_MAX) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(s->name[s->n++], 256, "%s", e->d_name);
    }
    closedir(d);
    qsort(s->name, (size_t)s->n, sizeof s->name[0], by_name);
    for (int i = 0; i < s->n; i++) {
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, s->name[i]);
        FILE *f = fopen(p, "rb");
        struct stat sb;
        if (!f || stat(p, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            if (f) fclose(f);
            s->len[i] = -1;
            continue;
        }
        s->data[i] = malloc((size_t)sb.st_size + 1);
        s->len[i] = (long)fread(s->data[i], 1, (size_t)sb.st_size, f);
        fclose(f);
    }
}

static void snap_free(Snapshot *s)
{
    for (int i = 0; i < s->n; i++) free(s->data[i]);
}

/* the folder holds exactly what it held, byte for byte */
static void expect_unchanged(const char *dir, Snapshot *before, const char *what)
{
    Snapshot now;
    snap(dir, &now);
    cr_assert_eq(now.n, before->n, "%s: %d entries, was %d (%s%s)", what, now.n, before->n,
                 now.n ? now.name[0] : "", now.n > 1 ? ", …" : "");
    for (int i = 0; i < now.n; i++) {
        cr_assert_str_eq(now.name[i], before->name[i], "%s: entry %d", what, i);
        cr_assert_eq(now.len[i], before->len[i], "%s: %s changed size", what, now.name[i]);
        if (now.len[i] > 0)
            cr_assert(memcmp(now.data[i], before->data[i], (size_t)now.len[i]) == 0, "%s: %s changed", what,
                      now.name[i]);
    }
    snap_free(&now);
}

/* no "*.tmp-*" and no ".maskscope-*" left in dir or its parent */
static void expect_no_temporaries(const char *dir)
{
    char parent[512];
    snprintf(parent, sizeof parent, "%s/..", dir);
    const char *where[] = {dir, parent};
    for (int k = 0; k < 2; k++) {
        DIR *d = opendir(where[k]);
        if (!d) continue;
        struct dirent *e;
        while ((e = readdir(d)))
            cr_assert(!strstr(e->d_name, ".tmp-") && strncmp(e->d_name, ".maskscope-", 11) != 0,
                      "a temporary file is left: %s/%s", where[k], e->d_name);
        closedir(d);
    }
}

static char *tmpdir(char *buf, size_t n)
{
    snprintf(buf, n, "/tmp/ms-safety-XXXXXX");
    cr_assert_not_null(mkdtemp(buf));
    return buf;
}

static void rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static const char *lesson_path(void)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/lessons/05-causal-masking.json", getenv("MASKSCOPE_SOURCE_ROOT"));
    return p;
}

/* a deck (or --all folder) made by a first, successful export */
static void first_export(const char *args)
{
    Run r = run(args);
    cr_assert_eq(r.status, 0, "%s: %s", args, r.err);
    done(&r);
}

/* ---- decks ------------------------------------------------------------------ */

Test(safety, a_deck_whose_index_cannot_be_replaced_leaves_the_old_deck_whole)
{
    char root[64], deck[128], args[1024];
    tmpdir(root, sizeof root);
    snprintf(deck, sizeof deck, "%s/deck", root);
    snprintf(args, sizeof args, "export --lesson %s --out-dir %s --size 640x400", lesson_path(), deck);
    first_export(args);
    /* index.html becomes something a file cannot be renamed over */
    char index[256];
    snprintf(index, sizeof index, "%s/index.html", deck);
    cr_assert_eq(unlink(index), 0);
    cr_assert_eq(mkdir(index, 0755), 0);
    char inside[300];
    snprintf(inside, sizeof inside, "%s/keep", index);
    close(open(inside, O_CREAT | O_WRONLY, 0644));
    Snapshot before;
    snap(deck, &before);
    cr_assert_gt(before.n, 5);
    snprintf(args, sizeof args, "export --lesson %s --out-dir %s --size 800x500", lesson_path(), deck);
    Run r = run(args);
    cr_assert_eq(r.status, 1, "%s", r.err);
    cr_assert(strstr(r.err, "index.html"), "%s", r.err);
    done(&r);
    expect_unchanged(deck, &before, "deck after a failed re-export");
    expect_no_temporaries(deck);
    snap_free(&before);
    rm_rf(root);
}

Test(safety, a_full_disk_during_a_deck_leaves_the_old_deck_whole)
{
    char root[64], deck[128], args[1024];
    tmpdir(root, sizeof root);
    snprintf(deck, sizeof deck, "%s/deck", root);
    snprintf(args, sizeof args, "export --lesson %s --out-dir %s --size 640x400", lesson_path(), deck);
    first_export(args);
    Snapshot before;
    snap(deck, &before);
    /* no file may grow past 40 KiB: a 1920x1080 frame cannot be written (EFBIG) */
    snprintf(args, sizeof args, "export --lesson %s --out-dir %s --size 1920x1080", lesson_path(), deck);
    Run r = run_after("trap '' XFSZ; ulimit -f 40;", args);
    cr_assert_eq(r.status, 1, "%s", r.err);
    cr_assert(strstr(r.err, "cannot write"), "%s", r.err);
    done(&r);
    expect_unchanged(deck, &before, "deck after a full disk");
    expect_no_temporaries(deck);
    snap_free(&before);
    rm_rf(root);
}

Test(safety, a_failed_first_deck_leaves_no_folder)
{
    char root[64], deck[128], args[1024];
    tmpdir(root, sizeof root);
    snprintf(deck, sizeof deck, "%s/new-deck", root);
    snprintf(args, sizeof args, "export --lesson %s --out-dir %s --size 1920x1080", lesson_path(), deck);
    Run r = run_after("trap '' XFSZ; ulimit -f 40;", args);
    cr_assert_eq(r.status, 1, "%s", r.err);
    done(&r);
    cr_assert_neq(access(deck, F_OK), 0, "no folder was left behind");
    expect_no_temporaries(deck);
    rm_rf(root);
}

/* a signal in the middle: the command stops, removes what it staged, exits 128 + the signal */
static void interrupt_midway(int sig)
{
    char root[64], deck[128];
    tmpdir(root, sizeof root);
    snprintf(deck, sizeof deck, "%s/frames", root);
    char args[1024];
    snprintf(args, sizeof args, "export --all --out-dir %s --size 640x400", deck);
    first_export(args);
    Snapshot before;
    snap(deck, &before);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        /* big frames: the export takes several seconds */
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execl(getenv("MASKSCOPE_BIN"), "maskscope", "export", "--all", "--out-dir", deck, "--size", "2560x1440",
              (char *)NULL);
        _exit(127);
    }
    struct timespec wait = {0, 700 * 1000 * 1000};
    nanosleep(&wait, NULL);
    cr_assert_eq(kill(pid, sig), 0);
    int st = 0;
    time_t t0 = time(NULL);
    while (waitpid(pid, &st, WNOHANG) == 0) {
        cr_assert_lt(time(NULL) - t0, 30, "the export stops promptly");
        struct timespec tick = {0, 20 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    cr_assert(WIFEXITED(st), "it exits, not killed by the signal");
    cr_assert_eq(WEXITSTATUS(st), 128 + sig);
    expect_unchanged(deck, &before, "frames after a signal");
    expect_no_temporaries(deck);
    snap_free(&before);
    rm_rf(root);
}

Test(safety, sigint_stops_export_all_and_keeps_the_old_frames, .timeout = 120)
{
    interrupt_midway(SIGINT);
}

Test(safety, sigterm_stops_export_all_and_keeps_the_old_frames, .timeout = 120)
{
    interrupt_midway(SIGTERM);
}

/* ---- export --all ------------------------------------------------------------ */

Test(safety, export_all_checks_the_sentence_before_making_a_folder)
{
    char root[64], dir[128], args[512];
    tmpdir(root, sizeof root);
    snprintf(dir, sizeof dir, "%s/newdir", root);
    snprintf(args, sizeof args, "export --all --out-dir %s --sentence 7", dir);
    Run r = run(args);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert(strstr(r.err, "--sentence 7"), "%s", r.err);
    done(&r);
    cr_assert_neq(access(dir, F_OK), 0, "no folder made for a refused export");
    rm_rf(root);
}

Test(safety, a_full_disk_during_export_all_keeps_an_existing_folder)
{
    char root[64], dir[128], args[512];
    tmpdir(root, sizeof root);
    snprintf(dir, sizeof dir, "%s/frames", root);
    snprintf(args, sizeof args, "export --all --out-dir %s --size 320x200", dir);
    first_export(args);
    /* a file of the user's beside the frames stays too */
    char own[256];
    snprintf(own, sizeof own, "%s/notes.txt", dir);
    FILE *f = fopen(own, "w");
    fputs("mine\n", f);
    fclose(f);
    Snapshot before;
    snap(dir, &before);
    snprintf(args, sizeof args, "export --all --out-dir %s --size 1920x1080", dir);
    Run r = run_after("trap '' XFSZ; ulimit -f 60;", args);
    cr_assert_eq(r.status, 1, "%s", r.err);
    done(&r);
    expect_unchanged(dir, &before, "frames after a full disk");
    expect_no_temporaries(dir);
    snap_free(&before);
    rm_rf(root);
}

/* ---- one file ------------------------------------------------------------------ */

Test(safety, a_device_is_written_never_replaced)
{
    Run r = run("dump -o /dev/full");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "/dev/full: cannot write: No space left on device"), "%s", r.err);
    done(&r);
    struct stat sb;
    cr_assert_eq(stat("/dev/full", &sb), 0);
    cr_assert(S_ISCHR(sb.st_mode), "/dev/full is still a device");
    r = run("dump -o /dev/null");
    cr_assert_eq(r.status, 0, "%s", r.err);
    done(&r);
    cr_assert_eq(stat("/dev/null", &sb), 0);
    cr_assert(S_ISCHR(sb.st_mode));
}

Test(safety, a_fifo_is_written_through)
{
    char root[64], fifo[128], out[128], cmd[1024];
    tmpdir(root, sizeof root);
    snprintf(fifo, sizeof fifo, "%s/pipe", root);
    snprintf(out, sizeof out, "%s/read", root);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    snprintf(cmd, sizeof cmd, "cat '%s' > '%s' & '%s' print batch_loss > /dev/null; '%s' dump -o '%s'; wait", fifo,
             out, getenv("MASKSCOPE_BIN"), getenv("MASKSCOPE_BIN"), fifo);
    cr_assert_eq(system(cmd), 0);
    struct stat sb;
    cr_assert_eq(lstat(fifo, &sb), 0);
    cr_assert(S_ISFIFO(sb.st_mode), "the FIFO is still a FIFO");
    char *text = slurp(out);
    cr_assert(strstr(text, "\"A_weights\""), "the reader got the dump");
    free(text);
    rm_rf(root);
}

Test(safety, replacing_keeps_the_mode_and_writes_through_a_link)
{
    char root[64], file[128], link[128], args[512];
    tmpdir(root, sizeof root);
    snprintf(file, sizeof file, "%s/private.json", root);
    snprintf(link, sizeof link, "%s/link.json", root);
    int fd = open(file, O_CREAT | O_WRONLY, 0600);
    cr_assert_eq(write(fd, "old", 3), 3);
    close(fd);
    cr_assert_eq(chmod(file, 0600), 0);
    cr_assert_eq(symlink("private.json", link), 0);
    snprintf(args, sizeof args, "dump -o %s", link);
    Run r = run(args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    done(&r);
    struct stat sb;
    cr_assert_eq(lstat(link, &sb), 0);
    cr_assert(S_ISLNK(sb.st_mode), "the link is still a link");
    cr_assert_eq(stat(file, &sb), 0);
    cr_assert_eq(sb.st_mode & 07777, 0600, "the file keeps its mode: %o", sb.st_mode & 07777);
    char *text = slurp(file);
    cr_assert(strstr(text, "\"A_weights\""), "the target holds the new dump");
    free(text);
    expect_no_temporaries(root);
    rm_rf(root);
}

Test(safety, a_directory_is_refused)
{
    char root[64], args[256];
    tmpdir(root, sizeof root);
    snprintf(args, sizeof args, "dump -o %s", root);
    Run r = run(args);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "it is a directory"), "%s", r.err);
    done(&r);
    rm_rf(root);
}

/* ---- the no-display frame ------------------------------------------------------ */

Test(safety, the_no_display_frame_never_replaces_a_file)
{
    char root[64], cmd[1024], path[256];
    tmpdir(root, sizeof root);
    snprintf(path, sizeof path, "%s/maskscope-padding-01-tokens.png", root);
    FILE *f = fopen(path, "w");
    fputs("a file of the user's\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && env -u DISPLAY -u WAYLAND_DISPLAY -u XDG_RUNTIME_DIR SDL_VIDEODRIVER=dummy '%s' 2>err.txt",
             root, getenv("MASKSCOPE_BIN"));
    cr_assert_eq(system(cmd), 0);
    char *text = slurp(path);
    cr_assert_str_eq(text, "a file of the user's\n");
    free(text);
    snprintf(path, sizeof path, "%s/maskscope-padding-01-tokens-2.png", root);
    cr_assert_eq(access(path, R_OK), 0, "the frame went to a free name");
    snprintf(path, sizeof path, "%s/err.txt", root);
    text = slurp(path);
    cr_assert(strstr(text, "maskscope-padding-01-tokens-2.png"), "%s", text);
    free(text);
    rm_rf(root);
}
