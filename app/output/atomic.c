/* Atomic file writes, shared by every command that writes a file (dump,
 * PNG export, decks), so that an interrupted or failed write never leaves
 * half a file where a reader expects a whole one, and never replaces
 * something that is not a file. */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cancel.h"

static bool say(AtomicFile *af, char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s: cannot write: %s", af->path, why);
    return false;
}

/* follows symbolic links from path (at most 16) into af->target */
static bool resolve(AtomicFile *af, char *err, size_t errlen)
{
    snprintf(af->target, sizeof af->target, "%s", af->path);
    for (int hops = 0; hops < 16; hops++) {
        struct stat sb;
        if (lstat(af->target, &sb) != 0 || !S_ISLNK(sb.st_mode)) return true;
        char link[PATH_MAX];
        ssize_t n = readlink(af->target, link, sizeof link - 1);
        if (n < 0) return say(af, err, errlen, strerror(errno));
        link[n] = '\0';
        if (link[0] == '/') {
            snprintf(af->target, sizeof af->target, "%s", link);
        } else {
            char dir[PATH_MAX];
            snprintf(dir, sizeof dir, "%s", af->target);
            char joined[2 * PATH_MAX + 2];
            snprintf(joined, sizeof joined, "%s/%s", dirname(dir), link);
            size_t len = strlen(joined);
            if (len >= sizeof af->target) return say(af, err, errlen, "path too long");
            memcpy(af->target, joined, len + 1);
        }
    }
    return say(af, err, errlen, "too many levels of symbolic links");
}

bool atomic_open(AtomicFile *af, const char *path, char *err, size_t errlen)
{
    memset(af, 0, sizeof *af);
    if (strlen(path) >= sizeof af->path) {
        snprintf(af->path, sizeof af->path, "%.64s…", path);
        return say(af, err, errlen, "path too long");
    }
    snprintf(af->path, sizeof af->path, "%s", path);
    if (!resolve(af, err, errlen)) return false;
    struct stat sb;
    bool exists = stat(af->target, &sb) == 0;
    if (exists && (S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode))) {
        /* a device or a pipe: write to it, never rename over it */
        af->fp = fopen(af->target, "wb");
        if (!af->fp) return say(af, err, errlen, strerror(errno));
        af->direct = true;
        return true;
    }
    if (exists && S_ISDIR(sb.st_mode)) return say(af, err, errlen, "it is a directory");
    if (exists && !S_ISREG(sb.st_mode)) return say(af, err, errlen, "not a regular file");
    static const char suffix[] = ".tmp-XXXXXX";
    size_t len = strlen(af->target);
    if (len + sizeof suffix > sizeof af->tmp) return say(af, err, errlen, "path too long");
    memcpy(af->tmp, af->target, len);
    memcpy(af->tmp + len, suffix, sizeof suffix);
    int fd = mkstemp(af->tmp);
    if (fd < 0) {
        int e = errno;
        af->tmp[0] = '\0';
        return say(af, err, errlen, strerror(e));
    }
    if (exists) {
        /* the replaced file's permissions (and, as root, its owner) */
        int owned = fchown(fd, sb.st_uid, sb.st_gid); /* fails harmlessly unless root */
        (void)owned;
        fchmod(fd, sb.st_mode & 07777);
    } else {
        /* mkstemp makes 0600; give the file what a plain fopen would: 0666 less the umask */
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
    af->fp = fdopen(fd, "wb");
    if (!af->fp) {
        int e = errno;
        close(fd);
        atomic_abort(af);
        return say(af, err, errlen, strerror(e));
    }
    return true;
}

void atomic_abort(AtomicFile *af)
{
    if (af->fp) fclose(af->fp);
    af->fp = NULL;
    if (af->tmp[0]) unlink(af->tmp);
    af->tmp[0] = '\0';
}

/* the directory entry of the rename survives a crash too */
static void sync_dir(const char *file)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", file);
    int fd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

bool atomic_commit(AtomicFile *af, char *err, size_t errlen)
{
    bool ok = fflush(af->fp) == 0 && !ferror(af->fp);
    int e = ok ? 0 : errno;
    if (ok && !af->direct && fsync(fileno(af->fp)) != 0) {
        ok = false;
        e = errno;
    }
    if (fclose(af->fp) != 0 && ok) {
        ok = false;
        e = errno;
    }
    af->fp = NULL;
    if (ok && cancel_signal()) {
        ok = false;
        e = EINTR;
    }
    if (ok && !af->direct && rename(af->tmp, af->target) != 0) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        atomic_abort(af);
        return say(af, err, errlen, e == EINTR ? "interrupted" : strerror(e ? e : EIO));
    }
    if (!af->direct) sync_dir(af->target);
    af->tmp[0] = '\0';
    return true;
}

bool atomic_write(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    AtomicFile af;
    if (!atomic_open(&af, path, err, errlen)) return false;
    if (fwrite(data, 1, len, af.fp) != len) {
        int e = errno;
        atomic_abort(&af);
        return say(&af, err, errlen, strerror(e ? e : EIO));
    }
    return atomic_commit(&af, err, errlen);
}
