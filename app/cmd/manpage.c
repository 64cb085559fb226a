/* Fills the man page's template from the tables it documents: the mode
 * table (--mode and the number keys), the storyboard (step names) and
 * the window's key list. troff needs its own escaping of a leading dot
 * and of backslashes; the names in those tables have neither. */
#include "manpage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "doc.h"
#include "mode.h"
#include "steps.h"
#include "strbuf.h"
#include "view.h"

static void modes(Strbuf *sb)
{
    strbuf_puts(sb, ".RS\n");
    for (int i = 0; i < mode_count(); i++) {
        const Mode *m = mode_at(i);
        strbuf_printf(sb, ".TP\n.B %s\n%s.\n", m->name, m->summary);
    }
    strbuf_puts(sb, ".RE");
}

static void steps(Strbuf *sb)
{
    StepsNames names;
    int n = steps_story(mode_default(), NULL, &names);
    for (int i = 0; i < n; i++)
        strbuf_printf(sb, "%s.BR %s %s", i ? "\n" : "", names.slug[i], i + 1 < n ? "," : "");
    /* the modes that tell a story of their own */
    for (int m = 0; m < mode_count(); m++) {
        const Mode *md = mode_at(m);
        if (!md->story && !md->steps) continue;
        int k = steps_story(md, NULL, &names);
        strbuf_printf(sb, ";\nin %s:", md->name);
        for (int i = 0; i < k; i++)
            strbuf_printf(sb, "\n.BR %s %s", names.slug[i], i + 1 < k ? "," : "");
        if (md->repeat)
            strbuf_printf(sb, "\n(one %s step per generated token, as many as \"generate\" says; %d by default)",
                          md->repeat, SCENARIO_GENERATE);
    }
}

static void mode_keys(Strbuf *sb)
{
    strbuf_puts(sb, ".TP\n.BR");
    for (int i = 0; i < mode_count(); i++)
        if (mode_at(i)->key) strbuf_printf(sb, " %c \" \"", mode_at(i)->key);
    strbuf_puts(sb, "\nMode:");
    for (int i = 0, first = 1; i < mode_count(); i++)
        if (mode_at(i)->key) {
            strbuf_printf(sb, "%s %s", first ? "" : ",", mode_at(i)->tab);
            first = 0;
        }
    strbuf_puts(sb, " (or click a tab; every mode has a tab). The step is kept.");
}

bool manpage_write(const char *in_path, const char *out_path, const char *datadir, char *err, size_t errlen)
{
    size_t len;
    bool io;
    char *text = doc_read_file(in_path, &len, &io, err, errlen);
    if (!text) return false;
    Strbuf out = {0};
    for (const char *p = text; *p;) {
        const char *at = strchr(p, '@');
        if (!at) {
            strbuf_puts(&out, p);
            break;
        }
        strbuf_append(&out, p, (size_t)(at - p));
        static const char *const names[] = {"@MODES@", "@STEPS@", "@MODE_KEYS@", "@DATADIR@", "@TERMS@"};
        size_t k = 0;
        while (k < 5 && strncmp(at, names[k], strlen(names[k])) != 0) k++;
        switch (k) {
        case 0: modes(&out); break;
        case 1: steps(&out); break;
        case 2: mode_keys(&out); break;
        case 3: strbuf_puts(&out, datadir); break;
        case 4: strbuf_puts(&out, mode_build_terms()); break;
        default: strbuf_puts(&out, "@"); p = at + 1; continue;
        }
        p = at + strlen(names[k]);
    }
    free(text);
    bool ok = atomic_write(out_path, out.data ? out.data : "", out.len, err, errlen);
    strbuf_free(&out);
    return ok;
}
