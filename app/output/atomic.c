/* Atomic file writes, shared by every command that writes a file (dump,
 * PNG export, decks), so that an interrupted or failed write never leaves
 * half a file where a reader expects a whole one. */
#include "atomic.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool say(AtomicFile *af, char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s: cannot write: %s", af->path, why);
    return false;
}

bool atomic_open(AtomicFile *af, const char *path, char *err, size_t errlen)
{
    af->fp = NULL;
    af->tmp[0] = '\0';
    snprintf(af->path, sizeof af->path, "%s", path);
    if (strlen(path) + 12 >= sizeof af->tmp)
        return say(af, err, errlen, "path too long");
    snprintf(af->tmp, sizeof af->tmp, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(af->tmp);
    if (fd < 0) {
        af->tmp[0] = '\0';
        return say(af, err, errlen, strerror(errno));
    }
    /* mkstemp makes 0600; give the file what a plain fopen would: 0666 less the umask */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
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
    if (af->fp)
        fclose(af->fp);
    af->fp = NULL;
    if (af->tmp[0])
        unlink(af->tmp);
    af->tmp[0] = '\0';
}

bool atomic_commit(AtomicFile *af, char *err, size_t errlen)
{
    bool ok = fflush(af->fp) == 0 && !ferror(af->fp);
    int e = errno;
    if (fclose(af->fp) != 0 && ok) {
        ok = false;
        e = errno;
    }
    af->fp = NULL;
    if (ok && rename(af->tmp, af->path) != 0) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        atomic_abort(af);
        return say(af, err, errlen, strerror(e ? e : EIO));
    }
    af->tmp[0] = '\0';
    return true;
}

bool atomic_write(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    AtomicFile af;
    if (!atomic_open(&af, path, err, errlen))
        return false;
    if (fwrite(data, 1, len, af.fp) != len) {
        int e = errno;
        atomic_abort(&af);
        return say(&af, err, errlen, strerror(e ? e : EIO));
    }
    return atomic_commit(&af, err, errlen);
}
