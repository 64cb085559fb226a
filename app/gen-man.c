/* Build tool: writes the man page from its template and the tables it
 * documents. Usage: maskscope-gen-man TEMPLATE OUTPUT DATADIR */
#include <stdio.h>

#include "manpage.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: maskscope-gen-man TEMPLATE OUTPUT DATADIR\n");
        return 2;
    }
    char err[512];
    if (!manpage_write(argv[1], argv[2], argv[3], err, sizeof err)) {
        fprintf(stderr, "maskscope-gen-man: %s\n", err);
        return 1;
    }
    return 0;
}
