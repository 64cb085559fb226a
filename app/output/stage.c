/* Staged folders: new files go into a hidden folder first.
 *
 *   new folder:      DIR.tmp-XXXXXX/   ->  rename  ->  DIR/
 *   existing folder: DIR/.maskscope-new-XXXXXX/a.png ...
 *                    then for each name: DIR/a.png -> DIR/.maskscope-old-XXXXXX/a.png,
 *                                        new a.png -> DIR/a.png
 *                    any failure: every move so far is undone, in reverse
 *
 * Renames within one file system do not need free space, so once the
 * files are written the swap itself does not fail for a full disk. */
#include "stage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cancel.h"
#include "xmalloc.h"

struct Stage {
    char dir[PATH_MAX];   /* the folder the files are for */
    char work[PATH_MAX];  /* where they are written */
    bool fresh;           /* dir did not exist: work is renamed to it */
};

static bool fail(const char *dir, char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s: cannot write: %s", dir, why);
    return false;
}

Stage *stage_begin(const char *dir, char *err, size_t errlen)
{
    Stage *st = xcalloc(1, sizeof *st);
    if (strlen(dir) + 32 >= sizeof st->dir) {
        fail(dir, err, errlen, "path too long");
        goto bad;
    }
    snprintf(st->dir, sizeof st->dir, "%s", dir);
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode)) {
            fail(dir, err, errlen, "not a directory");
            goto bad;
        }
        snprintf(st->work, sizeof st->work, "%s/.maskscope-new-XXXXXX", dir);
    } else if (errno == ENOENT) {
        st->fresh = true;
        size_t n = strlen(dir);
        while (n > 1 && dir[n - 1] == '/') n--; /* "deck/" names the folder "deck" */
        snprintf(st->work, sizeof st->work, "%.*s.tmp-XXXXXX", (int)n, dir);
    } else {
        fail(dir, err, errlen, strerror(errno));
        goto bad;
    }
    if (!mkdtemp(st->work)) {
        fail(dir, err, errlen, strerror(errno));
        goto bad;
    }
    /* mkdtemp makes 0700; the folder gets what mkdir would give it */
    if (st->fresh) {
        mode_t mask = umask(0);
        umask(mask);
        chmod(st->work, 0777 & ~mask);
    }
    return st;
bad:
    free(st);
    return NULL;
}

const char *stage_path(const Stage *st, const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", st->work, name);
    return buf;
}

/* removes a folder and the plain files in it */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            char p[PATH_MAX + 260];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

void stage_abort(Stage *st)
{
    if (!st) return;
    remove_tree(st->work);
    free(st);
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* one step of the swap, remembered so it can be undone */
typedef struct Move {
    char from[PATH_MAX + 260], to[PATH_MAX + 260];
} Move;

bool stage_commit(Stage *st, const char *const *names, int n, char *err, size_t errlen)
{
    bool ok = false;
    if (cancel_signal()) {
        fail(st->dir, err, errlen, "interrupted");
        stage_abort(st);
        return false;
    }
    sync_dir(st->work);
    if (st->fresh) {
        /* the whole folder appears at once (rename fails over a folder that
         * appeared meanwhile with something in it) */
        if (rename(st->work, st->dir) != 0) {
            fail(st->dir, err, errlen, strerror(errno));
            stage_abort(st);
            return false;
        }
        free(st);
        return true;
    }
    char old[PATH_MAX + 32];
    snprintf(old, sizeof old, "%s/.maskscope-old-XXXXXX", st->dir);
    Move *done = xcalloc((size_t)(2 * n + 1), sizeof *done);
    int moves = 0;
    if (!mkdtemp(old)) {
        fail(st->dir, err, errlen, strerror(errno));
        old[0] = '\0';
        goto undo;
    }
    for (int i = 0; i < n; i++) {
        Move keep, put;
        snprintf(keep.from, sizeof keep.from, "%s/%s", st->dir, names[i]);
        snprintf(keep.to, sizeof keep.to, "%s/%s", old, names[i]);
        snprintf(put.from, sizeof put.from, "%s/%s", st->work, names[i]);
        snprintf(put.to, sizeof put.to, "%s/%s", st->dir, names[i]);
        struct stat sb;
        if (lstat(keep.from, &sb) == 0) {
            if (S_ISDIR(sb.st_mode)) {
                fail(keep.from, err, errlen, "it is a directory");
                goto undo;
            }
            if (rename(keep.from, keep.to) != 0) {
                fail(keep.from, err, errlen, strerror(errno));
                goto undo;
            }
            done[moves++] = keep;
        }
        if (rename(put.from, put.to) != 0) {
            fail(put.to, err, errlen, strerror(errno));
            goto undo;
        }
        done[moves++] = put;
    }
    ok = true;
undo:
    if (!ok)
        for (int i = moves - 1; i >= 0; i--) rename(done[i].to, done[i].from);
    free(done);
    if (old[0]) remove_tree(old);
    sync_dir(st->dir);
    stage_abort(st);
    return ok;
}
